/**
 * A metric's sufficient statistics as the data stood at several moments (the effect-over-time
 * chart), in one query instead of one aggregation per moment.
 *
 * Everything that makes a unit's value change with the as-of moment t is monotone in t, so one
 * read of the data up to the last moment carries every earlier one:
 *  - a unit is analysed as of t when its first exposure is at or before t and its second
 *    variant (if any) appears after t — per unit, the earliest exposure of each variant, ranked;
 *  - with consent required, its latest consent event at or before t grants it: from its first
 *    grant on for a unit that never withdrew (the exposed-units table keeps that moment), one
 *    bit per moment for the few that did;
 *  - its value as of t counts the events at or before t (conditional sums per moment; a
 *    conversion is the first event in the window; a duration's start and end are the earliest
 *    events, so as of t it has started when its start ≤ t and ended when its end ≤ t).
 * A conversion with events that cancel it (`unless`) is not monotone — converted as of t when its
 * first event is at or before t and the first cancelling one after t — but is still read off the
 * two earliest times.
 * Per moment k the columns are `m{k}`, the rows present (a variant without any as of t is absent
 * there, as in `metricStatsQuery`), and the sums the metric needs (`overTimeMoments` turns them
 * into the moments `metricStatsQuery` returns). A unit's analysed-as-of-t test is computed once
 * per row and moment from a few per-unit columns, not carried through the per-unit GROUP BY as a
 * column per moment. Each moment is an integer of epoch milliseconds, inlined as a literal.
 */
import { CONSENT, DAY_MS, EXPOSURE, type Metric, quantileValueMetric, WEEK_MS } from "@pilotproof/domain"
import { type ExpressionBuilder, type JoinBuilder, type Kysely, type RawBuilder, type SelectQueryBuilder, sql } from "kysely"
import type { DatabaseSchema } from "./DatabaseSchema.js"
import { consentOfUnits, exposedUnitsQuery, exposedUnitsTable } from "./ExposedUnits.js"

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

/**
 * A duration's end for the unit of row `s` (carrying its `start_ts`): its first `to` event at or
 * after the start, within the window, up to the scope's moment — a correlated subquery.
 */
export const durationEnd = (
  eb: ExpressionBuilder<any, any>,
  scope: { readonly pilotId: string; readonly asOfMs: number },
  metric: Extract<Metric, { readonly type: "duration" }>
) =>
  eb.selectFrom("events as e")
    .select((m) => m.fn.min("e.ts_ms").as("end_ts"))
    .whereRef("e.unit_id", "=", "s.unit_id")
    .where("e.pilot_id", "=", scope.pilotId)
    .where("e.type", "=", metric.to)
    .where("e.ts_ms", "<=", scope.asOfMs)
    .where("e.ts_ms", ">=", sql<number>`s.start_ts`)
    .$if(metric.window !== undefined, (q) => q.where("e.ts_ms", "<=", sql<number>`s.start_ts + ${(metric.window?.days ?? 0) * DAY_MS}`))

const lit = (t: number) => sql.lit(Math.floor(t))
const col = (name: string) => sql.ref(name)

/** Moments a query can carry: a unit that withdrew consent has one bit per moment in an integer. */
const MAX_MOMENTS = 30

/**
 * Every exposed unit with what decides whether it is analysed as of a moment: `first_ts`,
 * `variant`, `until_ts` and, with consent required, `granted_ts` (its first grant) and `cmask`
 * — only for a unit that withdrew consent by the last moment (nearly none): bit k set when its
 * latest consent event by moment k grants it. Any other unit consents from its first grant on.
 */
const unitsAtMoments = (db: Db, scope: OverTimeScope, moments: ReadonlyArray<number>) => {
  if (moments.length > MAX_MOMENTS) throw new Error(`an over-time query carries at most ${MAX_MOMENTS} moments, not ${moments.length}`)
  const granted = scope.consentRequired ? sql<number | null>`c.granted_ts` : sql<number | null>`cast(null as bigint)`
  const units = scope.exposedUnits === undefined
    ? db.selectFrom(exposedUnitsQuery(db, scope).as("x"))
      .$if(scope.consentRequired, (q) => q.leftJoin(consentOfUnits(db, scope).as("c"), "c.unit_id", "x.unit_id") as unknown as typeof q)
      .select(["x.unit_id", "x.first_ts", "x.variant", "x.until_ts", granted.as("granted_ts")])
    : db.selectFrom(exposedUnitsTable(scope.exposedUnits).as("x"))
      .select(["x.unit_id", "x.first_ts", "x.variant", "x.until_ts", (scope.consentRequired ? sql<number | null>`x.granted_ts` : granted).as("granted_ts")])
      .where("x.first_ts", "<=", scope.asOfMs)
  if (!scope.consentRequired) return db.selectFrom(units.as("a")).select(["a.unit_id", "a.first_ts", "a.variant", "a.until_ts", "a.granted_ts", sql<number | null>`cast(null as bigint)`.as("cmask")])
  const consentEvents = db.selectFrom("events")
    .where("pilot_id", "=", scope.pilotId)
    .where("type", "=", CONSENT)
    .where("ts_ms", "<=", scope.asOfMs)
  const consentsAt = (t: number, k: number) =>
    sql`case when max(case when coalesce(value, 1) <> 0 and ts_ms <= ${lit(t)} then ts_ms end)
      > coalesce(max(case when value = 0 and ts_ms <= ${lit(t)} then ts_ms end), -1) then ${sql.lit(2 ** k)} else 0 end`
  const withdrawn = consentEvents
    .select(["unit_id", sql<number>`${sql.join(moments.map(consentsAt), sql` + `)}`.as("cmask")])
    .where("unit_id", "in", consentEvents.select("unit_id").where("value", "=", 0))
    .groupBy("unit_id")
  return db.selectFrom(units.as("a"))
    .leftJoin(withdrawn.as("w"), "w.unit_id", "a.unit_id")
    .select(["a.unit_id", "a.first_ts", "a.variant", "a.until_ts", "a.granted_ts", sql<number | null>`w.cmask`.as("cmask")])
}

/** What `unitsAtMoments` gives, carried through a per-unit GROUP BY (constant within a unit). */
const carried = (from = "u") => ["first_ts", "until_ts", "granted_ts", "cmask"].map((c) => sql`min(${col(`${from}.${c}`)})`.as(c))

/** Whether the unit of row `h` is analysed as of moment k (`t`): exposed by then, in one variant only by then, consenting by then. */
const analysedAt = (scope: OverTimeScope, t: number, k: number, h = "h"): RawBuilder<boolean> => {
  const at = (c: string) => col(`${h}.${c}`)
  return sql<boolean>`${at("first_ts")} <= ${lit(t)} and (${at("until_ts")} is null or ${at("until_ts")} > ${lit(t)})${
    scope.consentRequired
      ? sql` and case when ${at("cmask")} is null then ${at("granted_ts")} <= ${lit(t)} else ((${at("cmask")} >> ${sql.lit(k)}) & 1) = 1 end`
      : sql``
  }`
}

/**
 * A metric's per-unit rows `h` (one per analysed unit, carrying what `analysedAt` reads) and,
 * per moment, whether the row is in the per-unit query then (`present`), its value then
 * (`value`; for a `binary` metric the condition that it converted by then) and its covariate.
 * `kind` says what the value can be: `binary` 0/1, `total` never null for a present row (a sum or
 * count), `nullable` (a mean of events, a duration still open).
 */
interface UnitsAtMoments {
  readonly units: SelectQueryBuilder<any, any, any>
  readonly present: (t: number, k: number) => RawBuilder<boolean>
  readonly value: (t: number, k: number) => RawBuilder<unknown>
  readonly covariate?: (k: number) => RawBuilder<unknown>
  readonly kind: "binary" | "total" | "nullable"
}

const atMoments = (db: Db, scope: OverTimeScope, metric: Metric, moments: ReadonlyArray<number>): UnitsAtMoments => {
  if (metric.type === "quantile") return atMoments(db, scope, quantileValueMetric(metric), moments)
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
  const present = (t: number, k: number) => analysedAt(scope, t, k)
  const perMoment = (k: number) => col(`h.v${k}`)

  switch (metric.type) {
    case "binomial": {
      if (metric.unless !== undefined) {
        // converted as of t: its first event in the window is at or before t, and the first that
        // cancels it (if any) after t — a unit can convert and then lose it
        return {
          units: unitsWithEvents([metric.event, ...metric.unless])
            .select([
              "u.unit_id",
              "u.variant",
              ...carried(),
              sql<number | null>`min(case when e.type = ${metric.event} then e.ts_ms end)`.as("hit_ts"),
              sql<number | null>`min(case when e.type <> ${metric.event} then e.ts_ms end)`.as("cancel_ts")
            ])
            .groupBy(["u.unit_id", "u.variant"]),
          present,
          value: (t) => sql`h.hit_ts <= ${lit(t)} and (h.cancel_ts is null or h.cancel_ts > ${lit(t)})`,
          kind: "binary"
        }
      }
      // converted as of t: the unit's first event in its window (and from its first exposure) is at or before t
      return {
        units: unitsWithEvents(metric.event)
          .select(["u.unit_id", "u.variant", ...carried(), sql<number | null>`min(e.ts_ms)`.as("hit_ts")])
          .groupBy(["u.unit_id", "u.variant"]),
        present,
        value: (t) => sql`h.hit_ts <= ${lit(t)}`,
        kind: "binary"
      }
    }
    case "mean": {
      const aggregate = metric.aggregate
      const kind = aggregate === "mean" ? "nullable" : "total"
      const cov = metric.covariate
      if (cov === undefined) {
        return {
          units: unitsWithEvents(metric.event)
            .select(["u.unit_id", "u.variant", ...carried(), ...moments.map((t, k) => upTo(aggregate, t).as(`v${k}`))])
            .groupBy(["u.unit_id", "u.variant"]),
          present,
          value: (_, k) => perMoment(k),
          kind
        }
      }
      // the covariate is the unit's pre-exposure period, the same at every moment, read in the outcome's join
      const span = covariateSpan(metric, cov, scope)
      return {
        units: db.selectFrom(units)
          .leftJoin("events as e", span.join)
          .select([
            "u.unit_id",
            "u.variant",
            ...carried(),
            ...moments.map((t, k) => aggregateWhere(aggregate, sql`${span.outcome} and e.ts_ms <= ${lit(t)}`).as(`v${k}`)),
            sql<number>`coalesce(${aggregateWhere(cov.aggregate, span.covariate)}, 0)`.as("x")
          ])
          .groupBy(["u.unit_id", "u.variant"]),
        present,
        value: (_, k) => perMoment(k),
        covariate: () => sql`h.x`,
        kind
      }
    }
    case "ratio": {
      const part = (event: string, aggregate: "sum" | "count", withUnit: boolean) =>
        unitsWithEvents(event)
          .select(["u.unit_id", "u.variant", ...(withUnit ? carried() : []), ...moments.map((t, k) => upTo(aggregate, t).as(`v${k}`))])
          .groupBy(["u.unit_id", "u.variant"])
      // y is the denominator and x the numerator, as in the per-unit query
      return {
        units: db.selectFrom(part(metric.numerator.event, metric.numerator.aggregate, true).as("nu"))
          .innerJoin(part(metric.denominator.event, metric.denominator.aggregate, false).as("de"), "de.unit_id", "nu.unit_id")
          .select([
            "nu.unit_id",
            "nu.variant",
            ...["first_ts", "until_ts", "granted_ts", "cmask"].map((c) => col(`nu.${c}`).as(c)),
            ...moments.flatMap((_, k) => [col(`de.v${k}`).as(`v${k}`), col(`nu.v${k}`).as(`x${k}`)])
          ]),
        present,
        value: (_, k) => perMoment(k),
        covariate: (k) => col(`h.x${k}`),
        kind: "total"
      }
    }
    case "duration": {
      const scale = metric.in === "minutes" ? 60_000 : metric.in === "hours" ? 3_600_000 : DAY_MS
      const starts = db.selectFrom(units)
        .innerJoin("events as e", (join) =>
          join.onRef("e.unit_id", "=", "u.unit_id")
            .on("e.pilot_id", "=", scope.pilotId)
            .on("e.type", "=", metric.from)
            .on("e.ts_ms", "<=", scope.asOfMs))
        .select((eb) => ["u.unit_id", "u.variant", eb.fn.min("e.ts_ms").as("start_ts"), ...carried()])
        .groupBy(["u.unit_id", "u.variant"])
        .as("s")
      // as of t the unit is in the query once it has started by t, and its duration is known once it has ended by t
      return {
        units: db.selectFrom(starts).select((eb) => [
          "s.unit_id",
          "s.variant",
          "s.start_ts",
          ...["first_ts", "until_ts", "granted_ts", "cmask"].map((c) => col(`s.${c}`).as(c)),
          durationEnd(eb, scope, metric).as("end_ts")
        ]),
        present: (t, k) => sql<boolean>`${analysedAt(scope, t, k)} and h.start_ts <= ${lit(t)}`,
        value: (t) => sql`case when h.end_ts <= ${lit(t)} then (h.end_ts - h.start_ts) / ${sql.lit(scale)}.0 end`,
        kind: "nullable"
      }
    }
  }
}

/**
 * Per-unit values at each moment: `unit_id`, `variant`, `p{k}` (1 when the unit is in the
 * per-unit query as of moment k), `y{k}` and `x{k}` (null when it is not), as
 * `metricStatsQuery`'s per-unit query would give them as of that moment.
 */
const perUnitAtMoments = (db: Db, scope: OverTimeScope, metric: Metric, moments: ReadonlyArray<number>) => {
  const m = atMoments(db, scope, metric, moments)
  return db.selectFrom(m.units.as("h")).select([
    "h.unit_id",
    "h.variant",
    ...moments.flatMap((t, k) => {
      const present = m.present(t, k)
      const value = m.kind === "binary" ? sql`case when ${m.value(t, k)} then 1 else 0 end` : m.value(t, k)
      const x = m.covariate?.(k)
      return [
        sql<number>`case when ${present} then 1 else 0 end`.as(`p${k}`),
        sql<number | null>`case when ${present} then ${value} end`.as(`y${k}`),
        (x === undefined ? sql<number | null>`cast(null as double precision)` : sql<number | null>`case when ${present} then ${x} end`).as(`x${k}`)
      ]
    })
  ])
}

/**
 * Per variant, `m{suffix}` (the units `present` selects) and the sums of their values as of moment
 * k (`t`) — only those the metric's kind needs (`overTimeMoments` fills in the rest): ten
 * moments of six sums over every unit were most of the over-time query's work, and a
 * conversion's n, Σy and Σy² are two numbers.
 */
const sumsAt = (m: UnitsAtMoments, present: RawBuilder<boolean>, t: number, k: number, suffix: string) => {
  const units = sql<number>`sum(case when ${present} then 1 else 0 end)`.as(`m${suffix}`)
  if (m.kind === "binary") return [units, sql<number>`sum(case when ${present} and ${m.value(t, k)} then 1 else 0 end)`.as(`sy${suffix}`)]
  const y = m.value(t, k)
  const x = m.covariate?.(k)
  const known = m.kind === "nullable" ? sql`${present} and ${y} is not null` : present
  return [
    units,
    ...(m.kind === "nullable" ? [sql<number>`count(case when ${present} then ${y} end)`.as(`n${suffix}`)] : []),
    sql<number>`coalesce(sum(case when ${present} then ${y} end), 0)`.as(`sy${suffix}`),
    sql<number>`coalesce(sum(case when ${present} then ${y} * ${y} end), 0)`.as(`syy${suffix}`),
    ...(x === undefined ? [] : [
      sql<number>`coalesce(sum(case when ${known} then ${x} end), 0)`.as(`sx${suffix}`),
      sql<number>`coalesce(sum(case when ${known} then ${x} * ${x} end), 0)`.as(`sxx${suffix}`),
      sql<number>`coalesce(sum(case when ${present} then ${x} * ${y} end), 0)`.as(`sxy${suffix}`)
    ])
  ]
}

/** The exposure-week cohorts an over-time query also groups by: weeks from `originMs`, windows closed by `closedBy`. */
export interface OverTimeWeeks {
  readonly originMs: number
  readonly closedBy: number
}

/** The column suffix of the exposure-week cohorts' sums in `overTimeStatsQuery`. */
export const WEEKLY = "w"

/**
 * The query behind `Aggregation.metricStatsOverTime` for individually randomized pilots: per
 * variant and moment k, `m{k}` and the sums `sumsAt` gives. With `weeks`, it is also grouped by
 * each unit's exposure week (`week`, as `weeklyStatsQuery` counts it) and carries the sums of
 * the last moment over the units whose window has closed by `weeks.closedBy` (suffix `WEEKLY`):
 * the primary metric's value, its novelty cohorts and its effect over time from one read.
 */
export const overTimeStatsQuery = (db: Db, scope: OverTimeScope, metric: Metric, moments: ReadonlyArray<number>, weeks?: OverTimeWeeks) => {
  const m = atMoments(db, scope, metric, moments)
  const week = sql<number>`(h.first_ts - ${sql.lit(Math.floor(weeks?.originMs ?? 0))}) / ${sql.lit(WEEK_MS)}`
  const last = moments.length - 1
  const window = metric.type === "quantile" ? quantileValueMetric(metric).window : metric.window
  const closed = window === undefined ? sql<boolean>`1 = 1` : sql<boolean>`h.first_ts + ${sql.lit(window.days * DAY_MS)} <= ${lit(weeks?.closedBy ?? 0)}`
  return db.selectFrom(m.units.as("h"))
    .select([
      "h.variant",
      ...moments.flatMap((t, k) => sumsAt(m, m.present(t, k), t, k, `${k}`)),
      ...(weeks === undefined ? [] : [week.as("week"), ...sumsAt(m, sql<boolean>`${m.present(moments[last]!, last)} and ${closed}`, moments[last]!, last, WEEKLY)])
    ])
    .groupBy(weeks === undefined ? ["h.variant"] : [sql`h.variant`, week])
    .orderBy("h.variant")
}

/**
 * The sums of suffix `suffix` (a moment's index, or `WEEKLY`) of a row of `overTimeStatsQuery` as
 * the per-variant moments of `metricStatsQuery`: a present unit's conversion is 0 or 1 (n = m,
 * Σy² = Σy), a sum or count is never missing, and a metric without an x has zero x sums.
 */
export const overTimeMoments = (row: Readonly<Record<string, unknown>>, suffix: number | string) => {
  const at = (name: string) => row[`${name}${suffix}`]
  const m = at("m")
  const n = at("n") ?? m
  const sy = at("sy")
  return { m, n, sy, syy: at("syy") ?? sy, sx: at("sx") ?? 0, sxx: at("sxx") ?? 0, sxy: at("sxy") ?? 0, missing: Number(m) - Number(n) }
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
