/**
 * A metric's sufficient statistics as the data stood at several moments (the effect-over-time
 * chart), in one query instead of one aggregation per moment.
 *
 * Everything that makes a unit's value change with the as-of moment t is monotone in t, so one
 * read of the data up to the last moment carries every earlier one:
 *  - a unit is analysed as of t when its first exposure is at or before t and its second
 *    variant (if any) appears after t — per unit, the earliest exposure of each variant, ranked;
 *  - with consent required, its latest consent event at or before t grants it (one conditional
 *    aggregate per moment over the consent events);
 *  - its value as of t counts the events at or before t (conditional sums per moment; a
 *    conversion is the first event in the window; a duration's start and end are the earliest
 *    events, so as of t it has started when its start ≤ t and ended when its end ≤ t).
 * A conversion with events that cancel it (`unless`) is not monotone — converted as of t when its
 * first event is at or before t and the first cancelling one after t — but is still read off the
 * two earliest times.
 * Per moment k the columns are `n{k}`, `sy{k}`, … (the moments `metricStatsQuery` returns) and
 * `m{k}`, the rows present (a variant without any as of t is absent there, as in
 * `metricStatsQuery`). Each moment is an integer of epoch milliseconds, inlined as a literal.
 */
import { CONSENT, DAY_MS, EXPOSURE, type Metric, quantileValueMetric } from "@pilotproof/domain"
import { type ExpressionBuilder, type JoinBuilder, type Kysely, type RawBuilder, sql } from "kysely"
import type { DatabaseSchema } from "./DatabaseSchema.js"
import { exposedUnitsQuery, exposedUnitsTable } from "./ExposedUnits.js"

type Db = Kysely<DatabaseSchema>

/** The scope of an over-time read: the pilot, the last moment (events after it are ignored), consent, clusters. */
export interface OverTimeScope {
  readonly pilotId: string
  readonly asOfMs: number
  readonly consentRequired: boolean
  readonly clustered?: boolean
  /** A temporary table of the pilot's exposed units as of this moment or a later one (`ExposedUnits`). */
  readonly exposedUnits?: string
}

/** A unit's events `e` aggregated: the sum of their values (0 without any), their count, or their mean (null without any). */
export const aggregateOf = (aggregate: "sum" | "count" | "mean") =>
  aggregate === "sum" ? sql<number>`coalesce(sum(e.value), 0)` : aggregate === "count" ? sql<number>`count(e.ts_ms)` : sql<number>`avg(e.value)`

/** `aggregateOf` over the unit's events `e` that meet `condition` only (one join read for several aggregates). */
export const aggregateWhere = (aggregate: "sum" | "count" | "mean", condition: RawBuilder<unknown>) =>
  aggregate === "sum"
    ? sql<number>`coalesce(sum(case when ${condition} then e.value end), 0)`
    : aggregate === "count"
    ? sql<number>`count(case when ${condition} then e.ts_ms end)`
    : sql<number>`avg(case when ${condition} then e.value end)`

/**
 * A mean metric with a covariate reads the unit's outcome window and its pre-exposure period in
 * one join: `join` joins a unit `u` to its events `e` of either type from the period's start to
 * the window's end (and the as-of moment); `outcome`/`covariate` tell the two apart (a CUPED
 * covariate is usually the outcome's own event).
 */
export const covariateSpan = (
  metric: Extract<Metric, { readonly type: "mean" }>,
  covariate: NonNullable<Extract<Metric, { readonly type: "mean" }>["covariate"]>,
  scope: { readonly pilotId: string; readonly asOfMs: number }
) => {
  const windowEnd = metric.window === undefined ? undefined : metric.window.days * DAY_MS
  return {
    join: (join: JoinBuilder<any, any>) => {
      const on = join.onRef("e.unit_id", "=", "u.unit_id")
        .on("e.pilot_id", "=", scope.pilotId)
        .on("e.type", "in", [...new Set([metric.event, covariate.event])])
        .on("e.ts_ms", "<=", scope.asOfMs)
        .on("e.ts_ms", ">=", sql<number>`u.first_ts - ${covariate.days * DAY_MS}`)
      return windowEnd === undefined ? on : on.on("e.ts_ms", "<=", sql<number>`u.first_ts + ${windowEnd}`)
    },
    outcome: sql<boolean>`e.type = ${metric.event} and e.ts_ms >= u.first_ts${windowEnd === undefined ? sql`` : sql` and e.ts_ms <= u.first_ts + ${windowEnd}`}`,
    covariate: sql<boolean>`e.type = ${covariate.event} and e.ts_ms < u.first_ts`
  }
}

const lit = (t: number) => sql.lit(Math.floor(t))
const col = (name: string) => sql.ref(name)

/**
 * Every exposed unit with its first exposure, its first variant and `in{k}` (1 when it is
 * analysed as of moment k: exposed by then, in one variant only by then, consenting by then).
 */
const unitsAtMoments = (db: Db, scope: OverTimeScope, moments: ReadonlyArray<number>) => {
  const units = scope.exposedUnits === undefined
    ? exposedUnitsQuery(db, scope)
    : db.selectFrom(exposedUnitsTable(scope.exposedUnits).as("x"))
      .select(["x.unit_id", "x.first_ts", "x.variant", "x.until_ts", "x.cluster_id"])
      .where("x.first_ts", "<=", scope.asOfMs)
  // Consent as of t: the latest grant by t is later than the latest withdrawal by t. A unit that
  // never withdrew (nearly all) consents from its first grant on, which one pass of two
  // aggregates gives; the per-moment aggregates are taken over the units that withdrew only.
  const consentEvents = db.selectFrom("events")
    .where("pilot_id", "=", scope.pilotId)
    .where("type", "=", CONSENT)
    .where("ts_ms", "<=", scope.asOfMs)
  const granted = consentEvents
    .select([
      "unit_id",
      sql<number | null>`min(case when coalesce(value, 1) <> 0 then ts_ms end)`.as("granted_ts"),
      sql<number>`max(case when value = 0 then 1 else 0 end)`.as("withdrew")
    ])
    .groupBy("unit_id")
  const withdrawn = consentEvents
    .select([
      "unit_id",
      ...moments.map((t, k) =>
        sql<number>`case when max(case when coalesce(value, 1) <> 0 and ts_ms <= ${lit(t)} then ts_ms end)
          > coalesce(max(case when value = 0 and ts_ms <= ${lit(t)} then ts_ms end), -1) then 1 else 0 end`.as(`c${k}`)
      )
    ])
    .where("unit_id", "in", consentEvents.select("unit_id").where("value", "=", 0))
    .groupBy("unit_id")
  const consents = (t: number, k: number) =>
    sql`case when g.withdrew = 1 then ${col(`w.c${k}`)} = 1 else g.granted_ts <= ${lit(t)} end`
  const analysed = (t: number, k: number): RawBuilder<number> =>
    sql<number>`case when a.first_ts <= ${lit(t)} and (a.until_ts is null or a.until_ts > ${lit(t)})${
      scope.consentRequired ? sql` and ${consents(t, k)}` : sql``
    } then 1 else 0 end`
  return db.selectFrom(units.as("a"))
    .$if(scope.consentRequired, (q) =>
      q.leftJoin(granted.as("g"), "g.unit_id", "a.unit_id").leftJoin(withdrawn.as("w"), "w.unit_id", "a.unit_id") as unknown as typeof q)
    .select(["a.unit_id", "a.first_ts", "a.variant", ...moments.map((t, k) => analysed(t, k).as(`in${k}`))])
}

/** `in{k}` carried through a per-unit GROUP BY (constant within a unit). */
const carried = (moments: ReadonlyArray<number>, from = "u") => moments.map((_, k) => sql<number>`min(${col(`${from}.in${k}`)})`.as(`in${k}`))

/**
 * Per-unit values at each moment: `unit_id`, `variant`, `p{k}` (1 when the unit is in the
 * per-unit query as of moment k), `y{k}` and `x{k}` (null when it is not), as
 * `metricStatsQuery`'s per-unit query would give them as of that moment.
 */
const perUnitAtMoments = (db: Db, scope: OverTimeScope, metric: Metric, moments: ReadonlyArray<number>) => {
  if (metric.type === "quantile") return perUnitAtMoments(db, scope, quantileValueMetric(metric), moments)
  const windowEnd = (metric.window?.days ?? 0) * DAY_MS
  const units = unitsAtMoments(db, scope, moments).as("u")
  const inWindow = (q: ExpressionBuilder<any, any>) =>
    q.and([
      q("e.ts_ms", ">=", q.ref("u.first_ts")),
      ...(metric.window === undefined ? [] : [q("e.ts_ms", "<=", sql<number>`u.first_ts + ${windowEnd}`)])
    ])
  const unitsWithEvents = (type: string | ReadonlyArray<string>) =>
    db.selectFrom(units)
      .leftJoin("events as e", (join) =>
        join.onRef("e.unit_id", "=", "u.unit_id")
          .on("e.pilot_id", "=", scope.pilotId)
          .on((q) => (typeof type === "string" ? q("e.type", "=", type) : q("e.type", "in", type)))
          .on("e.ts_ms", "<=", scope.asOfMs)
          .on(inWindow))
  /** The aggregate of a unit's events at or before t. */
  const upTo = (aggregate: "sum" | "count" | "mean", t: number): RawBuilder<number> => aggregateWhere(aggregate, sql`e.ts_ms <= ${lit(t)}`)
  /** The final shape from `from` rows carrying `in{k}` and the moment's raw `y`/`x` expressions. */
  const present = (from: string, y: (k: number) => RawBuilder<unknown>, x: (k: number) => RawBuilder<unknown> | undefined) =>
    moments.flatMap((_, k) => {
      const inK = col(`${from}.in${k}`)
      const xk = x(k)
      return [
        sql<number>`${inK}`.as(`p${k}`),
        sql<number | null>`case when ${inK} = 1 then ${y(k)} end`.as(`y${k}`),
        (xk === undefined ? sql<number | null>`cast(null as double precision)` : sql<number | null>`case when ${inK} = 1 then ${xk} end`).as(`x${k}`)
      ]
    })

  switch (metric.type) {
    case "binomial": {
      if (metric.unless !== undefined) {
        // converted as of t: its first event in the window is at or before t, and the first that
        // cancels it (if any) after t — a unit can convert and then lose it
        const spans = unitsWithEvents([metric.event, ...metric.unless])
          .select([
            "u.unit_id",
            "u.variant",
            sql<number | null>`min(case when e.type = ${metric.event} then e.ts_ms end)`.as("hit_ts"),
            sql<number | null>`min(case when e.type <> ${metric.event} then e.ts_ms end)`.as("cancel_ts"),
            ...carried(moments)
          ])
          .groupBy(["u.unit_id", "u.variant"])
        return db.selectFrom(spans.as("h")).select([
          "h.unit_id",
          "h.variant",
          ...present("h", (k) => sql`case when h.hit_ts <= ${lit(moments[k]!)} and (h.cancel_ts is null or h.cancel_ts > ${lit(moments[k]!)}) then 1 else 0 end`, () => undefined)
        ])
      }
      // converted as of t: the unit's first event in its window (and from its first exposure) is at or before t
      const hits = unitsWithEvents(metric.event)
        .select(["u.unit_id", "u.variant", sql<number | null>`min(e.ts_ms)`.as("hit_ts"), ...carried(moments)])
        .groupBy(["u.unit_id", "u.variant"])
      return db.selectFrom(hits.as("h"))
        .select(["h.unit_id", "h.variant", ...present("h", (k) => sql`case when h.hit_ts <= ${lit(moments[k]!)} then 1 else 0 end`, () => undefined)])
    }
    case "mean": {
      const aggregate = metric.aggregate
      const cov = metric.covariate
      if (cov === undefined) {
        const outcome = unitsWithEvents(metric.event)
          .select(["u.unit_id", "u.variant", ...carried(moments), ...moments.map((t, k) => upTo(aggregate, t).as(`v${k}`))])
          .groupBy(["u.unit_id", "u.variant"])
        return db.selectFrom(outcome.as("o")).select(["o.unit_id", "o.variant", ...present("o", (k) => sql`${col(`o.v${k}`)}`, () => undefined)])
      }
      // the covariate is the unit's pre-exposure period, the same at every moment, read in the outcome's join
      const span = covariateSpan(metric, cov, scope)
      const outcome = db.selectFrom(units)
        .leftJoin("events as e", span.join)
        .select([
          "u.unit_id",
          "u.variant",
          ...carried(moments),
          ...moments.map((t, k) => aggregateWhere(aggregate, sql`${span.outcome} and e.ts_ms <= ${lit(t)}`).as(`v${k}`)),
          sql<number>`coalesce(${aggregateWhere(cov.aggregate, span.covariate)}, 0)`.as("x")
        ])
        .groupBy(["u.unit_id", "u.variant"])
      return db.selectFrom(outcome.as("o"))
        .select(["o.unit_id", "o.variant", ...present("o", (k) => sql`${col(`o.v${k}`)}`, () => sql`o.x`)])
    }
    case "ratio": {
      const part = (event: string, aggregate: "sum" | "count") =>
        unitsWithEvents(event)
          .select(["u.unit_id", "u.variant", ...carried(moments), ...moments.map((t, k) => upTo(aggregate, t).as(`v${k}`))])
          .groupBy(["u.unit_id", "u.variant"])
      // y is the denominator and x the numerator, as in the per-unit query
      return db.selectFrom(part(metric.numerator.event, metric.numerator.aggregate).as("nu"))
        .innerJoin(part(metric.denominator.event, metric.denominator.aggregate).as("de"), "de.unit_id", "nu.unit_id")
        .select(["nu.unit_id", "nu.variant", ...present("nu", (k) => sql`${col(`de.v${k}`)}`, (k) => sql`${col(`nu.v${k}`)}`)])
    }
    case "duration": {
      const scale = metric.in === "minutes" ? 60_000 : metric.in === "hours" ? 3_600_000 : DAY_MS
      const starts = db.selectFrom(units)
        .innerJoin("events as e", (join) =>
          join.onRef("e.unit_id", "=", "u.unit_id")
            .on("e.pilot_id", "=", scope.pilotId)
            .on("e.type", "=", metric.from)
            .on("e.ts_ms", "<=", scope.asOfMs))
        .select((eb) => ["u.unit_id", "u.variant", eb.fn.min("e.ts_ms").as("start_ts"), ...carried(moments)])
        .groupBy(["u.unit_id", "u.variant"])
        .as("s")
      const spans = db.selectFrom(starts).select((eb) => [
        "s.unit_id",
        "s.variant",
        "s.start_ts",
        ...moments.map((_, k) => col(`s.in${k}`).as(`in${k}`)),
        eb.selectFrom("events as e")
          .select((m) => m.fn.min("e.ts_ms").as("end_ts"))
          .whereRef("e.unit_id", "=", "s.unit_id")
          .where("e.pilot_id", "=", scope.pilotId)
          .where("e.type", "=", metric.to)
          .where("e.ts_ms", "<=", scope.asOfMs)
          .where("e.ts_ms", ">=", sql<number>`s.start_ts`)
          .$if(metric.window !== undefined, (q) => q.where("e.ts_ms", "<=", sql<number>`s.start_ts + ${windowEnd}`))
          .as("end_ts")
      ])
      // as of t the unit is in the query once it has started by t, and its duration is known once it has ended by t
      return db.selectFrom(spans.as("d")).select([
        "d.unit_id",
        "d.variant",
        ...moments.flatMap((t, k) => {
          const started = sql<boolean>`${col(`d.in${k}`)} = 1 and d.start_ts <= ${lit(t)}`
          return [
            sql<number>`case when ${started} then 1 else 0 end`.as(`p${k}`),
            sql<number | null>`case when ${started} and d.end_ts <= ${lit(t)} then (d.end_ts - d.start_ts) / ${sql.lit(scale)}.0 end`.as(`y${k}`),
            sql<number | null>`cast(null as double precision)`.as(`x${k}`)
          ]
        })
      ])
    }
  }
}

/** The query behind `Aggregation.metricStatsOverTime` for individually randomized pilots: per variant, the moments as of each moment. */
export const overTimeStatsQuery = (db: Db, scope: OverTimeScope, metric: Metric, moments: ReadonlyArray<number>) => {
  // the x moments only where there is an x (a ratio's numerator, a covariate): ten moments of
  // three sums over every unit are most of this query's work otherwise
  const valued = metric.type === "quantile" ? quantileValueMetric(metric) : metric
  const withX = valued.type === "ratio" || (valued.type === "mean" && valued.covariate !== undefined)
  const zero = sql<number>`0`
  return db.selectFrom(perUnitAtMoments(db, scope, metric, moments).as("p"))
    .select([
      "p.variant",
      ...moments.flatMap((_, k) => {
        const y = col(`p.y${k}`)
        const x = col(`p.x${k}`)
        return [
          sql<number>`count(${y})`.as(`n${k}`),
          sql<number>`coalesce(sum(${y}), 0)`.as(`sy${k}`),
          sql<number>`coalesce(sum(${y} * ${y}), 0)`.as(`syy${k}`),
          (withX ? sql<number>`coalesce(sum(case when ${y} is not null then ${x} end), 0)` : zero).as(`sx${k}`),
          (withX ? sql<number>`coalesce(sum(case when ${y} is not null then ${x} * ${x} end), 0)` : zero).as(`sxx${k}`),
          (withX ? sql<number>`coalesce(sum(${x} * ${y}), 0)` : zero).as(`sxy${k}`),
          sql<number>`coalesce(sum(${col(`p.p${k}`)}), 0) - count(${y})`.as(`missing${k}`),
          sql<number>`coalesce(sum(${col(`p.p${k}`)}), 0)`.as(`m${k}`)
        ]
      })
    ])
    .groupBy("p.variant")
    .orderBy("p.variant")
}

/**
 * The query behind `Aggregation.metricStatsOverTime` for a cluster-randomized pilot:
 * `clusterStatsQuery`'s per-cluster totals at each moment (a cluster counts as of t when one of
 * its units is in the per-unit query then). A unit's cluster is that of its exposures up to the
 * last moment.
 */
export const clusterOverTimeStatsQuery = (db: Db, scope: OverTimeScope, metric: Metric, moments: ReadonlyArray<number>) => {
  const ratio = metric.type === "ratio"
  const clusters = db.selectFrom("events")
    .select((eb) => ["unit_id", eb.fn.min("cluster_id").as("cluster_id")])
    .where("pilot_id", "=", scope.pilotId)
    .where("type", "=", EXPOSURE)
    .where("ts_ms", "<=", scope.asOfMs)
    .where("cluster_id", "is not", null)
    .groupBy("unit_id")
  const perCluster = db.selectFrom(perUnitAtMoments(db, scope, metric, moments).as("p"))
    .innerJoin(clusters.as("k"), "k.unit_id", "p.unit_id")
    .select([
      "p.variant",
      "k.cluster_id",
      ...moments.flatMap((_, k) => {
        const y = col(`p.y${k}`)
        const x = col(`p.x${k}`)
        const p = col(`p.p${k}`)
        return [
          (ratio ? sql<number>`coalesce(sum(${x}), 0)` : sql<number>`coalesce(sum(${y}), 0)`).as(`total${k}`),
          (ratio ? sql<number>`coalesce(sum(${y}), 0)` : sql<number>`count(${y})`).as(`size${k}`),
          sql<number>`count(${y})`.as(`units${k}`),
          (metric.type === "duration" ? sql<number>`coalesce(sum(${p}), 0) - count(${y})` : sql<number>`0`).as(`open${k}`),
          sql<number>`coalesce(sum(${p}), 0)`.as(`members${k}`)
        ]
      })
    ])
    .groupBy(["p.variant", "k.cluster_id"])
  return db.selectFrom(perCluster.as("c"))
    .select([
      "c.variant",
      ...moments.flatMap((_, k) => {
        const total = col(`c.total${k}`)
        const size = col(`c.size${k}`)
        return [
          sql<number>`sum(case when ${col(`c.members${k}`)} > 0 then 1 else 0 end)`.as(`n${k}`),
          sql<number>`sum(${total})`.as(`sx${k}`),
          sql<number>`sum(${total} * ${total})`.as(`sxx${k}`),
          sql<number>`sum(${size})`.as(`sy${k}`),
          sql<number>`sum(${size} * ${size})`.as(`syy${k}`),
          sql<number>`sum(${total} * ${size})`.as(`sxy${k}`),
          sql<number>`sum(${col(`c.units${k}`)})`.as(`units${k}`),
          sql<number>`sum(${col(`c.open${k}`)})`.as(`open${k}`),
          sql<number>`sum(${col(`c.members${k}`)})`.as(`m${k}`)
        ]
      })
    ])
    .groupBy("c.variant")
    .orderBy("c.variant")
}
