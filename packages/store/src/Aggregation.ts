/**
 * Events → per-variant sufficient statistics, pushed into the database: one query per metric,
 * the same Kysely code on SQLite and PostgreSQL. Memory is O(variants × metrics) whatever the
 * number of events.
 *
 * The analysed units of a pilot, as of a moment: units with an exposure at or before it, seen
 * in exactly one variant (units seen in two are excluded and counted), and, when the pilot
 * requires consent, whose latest consent event grants it. A unit's first exposure starts its
 * metric windows. All times are epoch milliseconds, so windows are integer arithmetic.
 *
 * An analysis runs its aggregations inside `withExposedUnits`: the analysed units are then
 * collected once into a temporary table (`ExposedUnits`) that every query of that pilot and
 * moment reads, instead of each grouping the exposures again; outside it, each query groups
 * them itself. Both give the same numbers (the aggregation tests run every query both ways).
 */
import { DAY_MS, EXPOSURE, type ExposureSummary, type StorageError, type Metric, quantileValueMetric, WEEK_MS } from "@pilotproof/domain"
import type { VariantStats } from "@pilotproof/stats"
import { Effect, FiberRef, Option } from "effect"
import { type ExpressionBuilder, type Kysely, type RawBuilder, type SelectQueryBuilder, sql } from "kysely"
import { ClickHouse, noWarehouseHere } from "./ClickHouse.js"
import { makeClickHouseAggregation } from "./ClickHouseAggregation.js"
import { Database } from "./Database.js"
import type { DatabaseSchema } from "./DatabaseSchema.js"
import { consentedUnits, createExposedUnits, dropExposedUnits, type ExposedUnitsScope, exposedUnitsTable, exposedUnitsTableName } from "./ExposedUnits.js"
import { aggregateOf, aggregateWhere, clusterOverTimeStatsQuery, covariateSpan, durationEnd, overTimeMoments, overTimeStatsQuery, type OverTimeWeeks, WEEKLY } from "./OverTimeStats.js"
import { type AggregationScope, type AggregationShape, clustersOf, type HistoryWeeks, type MetricHistory, type ScoredDiagnostic, statsOf } from "./Moments.js"

export type { AggregationScope, AggregationShape, HistoryWeeks, MetricHistory, MomentsRow, ScoredDiagnostic } from "./Moments.js"
export { clustersOf, statsOf } from "./Moments.js"

type Db = Kysely<DatabaseSchema>

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value))

/** The analysed units: `unit_id`, `first_ts`, `variant`. */
const analysedUnits = (db: Db, scope: AggregationScope) => {
  if (scope.exposedUnits !== undefined) {
    return db.selectFrom(exposedUnitsTable(scope.exposedUnits).as("x"))
      .select(["x.unit_id", "x.first_ts", "x.variant"])
      .where("x.until_ts", "is", null)
      .$if(scope.consentRequired, (q) => q.where("x.consented", "=", 1))
  }
  const exposed = db
    .selectFrom("events")
    .select((eb) => [
      "unit_id",
      eb.fn.min("ts_ms").as("first_ts"),
      eb.fn.min("variant").as("variant"),
      sql<number>`count(distinct variant)`.as("variants")
    ])
    .where("pilot_id", "=", scope.pilotId)
    .where("type", "=", EXPOSURE)
    .where("ts_ms", "<=", scope.asOfMs)
    .groupBy("unit_id")
  return db
    .selectFrom(exposed.as("x"))
    .select(["x.unit_id", "x.first_ts", "x.variant"])
    .where("x.variants", "=", 1)
    .$if(scope.consentRequired, (q) => q.where("x.unit_id", "in", consentedUnits(db, scope)))
}

/**
 * Each exposed unit's value of an expression over its exposures as of the scope's moment (the
 * smallest, should its exposures differ): its cluster, a segment attribute.
 */
const unitExposureValue = <T>(db: Db, scope: AggregationScope, value: RawBuilder<T>) =>
  db.selectFrom("events")
    .select((eb) => ["unit_id", eb.fn.min(value).as("value")])
    .where("pilot_id", "=", scope.pilotId)
    .where("type", "=", EXPOSURE)
    .where("ts_ms", "<=", scope.asOfMs)
    .groupBy("unit_id")

/** The cluster of each exposed unit: the `cluster_id` its exposures name (every exposure of a cluster-randomized pilot names one). */
const unitClusters = (db: Db, scope: AggregationScope) =>
  scope.exposedUnits !== undefined
    ? db.selectFrom(exposedUnitsTable(scope.exposedUnits).as("x")).select(["x.unit_id", "x.cluster_id as value"]).where("x.cluster_id", "is not", null)
    : unitExposureValue(db, scope, sql<string | null>`cluster_id`).where("cluster_id", "is not", null)

/** A typed NULL (PostgreSQL would otherwise type a bare NULL column as text). */
const noCovariate = sql<number | null>`cast(null as double precision)`.as("x")


/**
 * Per-unit values of a metric (`unit_id`, `variant`, `y`, and `x` for a covariate or a ratio's
 * numerator), as a subquery. Binomial `y` ∈ {0, 1}; mean `y` is the unit's sum/count/mean (a
 * unit without events has sum 0 and count 0, and no mean); duration `y` is in the metric's unit
 * and null while open.
 */
interface PerUnitRow {
  readonly unit_id: string
  readonly variant: string | null
  readonly y: number | null
  readonly x: number | null
}
type PerUnitQuery = SelectQueryBuilder<DatabaseSchema, never, PerUnitRow>

const perUnit = (db: Db, scope: AggregationScope, metric: Metric): PerUnitQuery => perUnitQuery(db, scope, metric)

const perUnitQuery = (db: Db, scope: AggregationScope, metric: Metric): PerUnitQuery => {
  // a quantile metric's units are those of the duration or value it is the quantile of
  if (metric.type === "quantile") return perUnitQuery(db, scope, quantileValueMetric(metric))
  return perUnitOfType(db, scope, metric) as unknown as PerUnitQuery
}

const perUnitOfType = (db: Db, scope: AggregationScope, metric: Exclude<Metric, { readonly type: "quantile" }>) => {
  const windowEnd = (metric.window?.days ?? 0) * DAY_MS
  const units = analysedUnits(db, scope).as("u")
  const inWindow = (q: ExpressionBuilder<any, any>) =>
    q.and([
      q("e.ts_ms", ">=", q.ref("u.first_ts")),
      ...(metric.window === undefined ? [] : [q("e.ts_ms", "<=", sql<number>`u.first_ts + ${windowEnd}`)])
    ])

  /** Every analysed unit with its events of `type` (or of any of several) inside the window and the as-of cut (or none). */
  const unitsWithEvents = (type: string | ReadonlyArray<string>) =>
    db.selectFrom(units)
      .leftJoin("events as e", (join) =>
        join.onRef("e.unit_id", "=", "u.unit_id")
          .on("e.pilot_id", "=", scope.pilotId)
          .on((q) => (typeof type === "string" ? q("e.type", "=", type) : q("e.type", "in", type)))
          .on("e.ts_ms", "<=", scope.asOfMs)
          .on(inWindow))

  switch (metric.type) {
    case "binomial":
      if (metric.window === undefined) {
        // Without a window a unit converts iff its latest event (by the as-of cut) is at or
        // after its first exposure: events collapse to one row per unit before the join.
        const last = db.selectFrom("events")
          .select((eb) => ["unit_id", eb.fn.max("ts_ms").as("last_ts")])
          .where("pilot_id", "=", scope.pilotId)
          .where("type", "=", metric.event)
          .where("ts_ms", "<=", scope.asOfMs)
          .groupBy("unit_id")
        return db.selectFrom(units)
          .leftJoin(last.as("w"), "w.unit_id", "u.unit_id")
          .select(["u.unit_id", "u.variant", sql<number>`case when w.last_ts >= u.first_ts then 1 else 0 end`.as("y"), noCovariate])
      }
      // With a window: a left join grouped per unit (not a correlated EXISTS per unit), one pass
      // over the metric's events; both planners use the (pilot, type, unit, ts) index.
      if (metric.unless !== undefined) {
        // converted: an event in the window, and none of the events that cancel it
        return unitsWithEvents([metric.event, ...metric.unless])
          .select([
            "u.unit_id",
            "u.variant",
            sql<number>`case when count(case when e.type = ${metric.event} then 1 end) > 0 and count(case when e.type <> ${metric.event} then 1 end) = 0 then 1 else 0 end`.as("y"),
            noCovariate
          ])
          .groupBy(["u.unit_id", "u.variant"])
      }
      return unitsWithEvents(metric.event)
        .select(["u.unit_id", "u.variant", sql<number>`case when count(e.ts_ms) > 0 then 1 else 0 end`.as("y"), noCovariate])
        .groupBy(["u.unit_id", "u.variant"])
    case "mean": {
      const cov = metric.covariate
      if (cov === undefined) {
        const outcome = unitsWithEvents(metric.event)
          .select(["u.unit_id", "u.variant", aggregateOf(metric.aggregate).as("y")])
          .groupBy(["u.unit_id", "u.variant"])
        return db.selectFrom(outcome.as("o")).select(["o.unit_id", "o.variant", "o.y", noCovariate])
      }
      // the outcome's window and the covariate's pre-exposure period in one pass over the unit's events
      const span = covariateSpan(metric, cov, scope)
      return db.selectFrom(units)
        .leftJoin("events as e", span.join)
        .select([
          "u.unit_id",
          "u.variant",
          aggregateWhere(metric.aggregate, span.outcome).as("y"),
          sql<number>`coalesce(${aggregateWhere(cov.aggregate, span.covariate)}, 0)`.as("x")
        ])
        .groupBy(["u.unit_id", "u.variant"])
    }
    case "ratio": {
      const part = (event: string, aggregate: "sum" | "count") =>
        unitsWithEvents(event)
          .select(["u.unit_id", "u.variant", aggregateOf(aggregate).as("v")])
          .groupBy(["u.unit_id", "u.variant"])
      return db.selectFrom(part(metric.numerator.event, metric.numerator.aggregate).as("nu"))
        .innerJoin(part(metric.denominator.event, metric.denominator.aggregate).as("de"), "de.unit_id", "nu.unit_id")
        .select(["nu.unit_id", "nu.variant", "de.v as y", "nu.v as x"])
    }
    case "duration": {
      const scale = metric.in === "minutes" ? 60_000 : metric.in === "hours" ? 3_600_000 : DAY_MS
      const starts = db.selectFrom(units)
        .innerJoin("events as e", (join) =>
          join.onRef("e.unit_id", "=", "u.unit_id")
            .on("e.pilot_id", "=", scope.pilotId)
            .on("e.type", "=", metric.from)
            .on("e.ts_ms", "<=", scope.asOfMs))
        .select((eb) => ["u.unit_id", "u.variant", eb.fn.min("e.ts_ms").as("start_ts")])
        .groupBy(["u.unit_id", "u.variant"])
        .as("s")
      return db.selectFrom(starts).select((eb) => [
        "s.unit_id",
        "s.variant",
        sql<number | null>`(${durationEnd(eb, scope, metric)} - s.start_ts) / ${sql.lit(scale)}.0`.as("y"),
        noCovariate
      ])
    }
  }
}

/**
 * Each analysed unit's score (the value of its first `score` event in the window; null without
 * one) and outcome (1 with an `outcome` event in the window): `unit_id`, `variant`, `score`,
 * `outcome`, for the units with a score.
 */
const scoredPairs = (db: Db, scope: AggregationScope, diagnostic: ScoredDiagnostic) => {
  const windowEnd = diagnostic.window.days * DAY_MS
  const eventsInWindow = (eb: ExpressionBuilder<any, any>, type: string) =>
    eb.selectFrom("events as e")
      .where("e.pilot_id", "=", scope.pilotId)
      .whereRef("e.unit_id", "=", "u.unit_id")
      .where("e.type", "=", type)
      .where("e.ts_ms", "<=", scope.asOfMs)
      .where("e.ts_ms", ">=", sql<number>`u.first_ts`)
      .where("e.ts_ms", "<=", sql<number>`u.first_ts + ${windowEnd}`)
  const pairs = db.selectFrom(analysedUnits(db, scope).as("u"))
    .select((eb) => [
      "u.unit_id",
      "u.variant",
      eventsInWindow(eb, diagnostic.score).select("e.value").where("e.value", "is not", null)
        .orderBy("e.ts_ms").orderBy("e.event_id").limit(1).as("score"),
      eb.case().when(eb.exists(eventsInWindow(eb, diagnostic.outcome).select(sql<number>`1`.as("one")))).then(1).else(0).end().as("outcome")
    ])
  return db.selectFrom(pairs.as("s")).selectAll("s").where("s.score", "is not", null)
}

/**
 * The moments of the per-unit values `p` in a group: n, Σy, Σy², Σx, Σx², Σxy and the units
 * without a value. x is summed over the units with a y only (the n units), so a covariate's
 * moments match the outcome's when a mean has no value for some units.
 */
const momentColumns = () => [
  sql<number>`count(p.y)`.as("n"),
  sql<number>`coalesce(sum(p.y), 0)`.as("sy"),
  sql<number>`coalesce(sum(p.y * p.y), 0)`.as("syy"),
  sql<number>`coalesce(sum(case when p.y is not null then p.x end), 0)`.as("sx"),
  sql<number>`coalesce(sum(case when p.y is not null then p.x * p.x end), 0)`.as("sxx"),
  sql<number>`coalesce(sum(p.x * p.y), 0)`.as("sxy"),
  sql<number>`count(*) - count(p.y)`.as("missing")
] as const

/**
 * The query behind `Aggregation.metricStats`: per variant n, Σy, Σy², Σx, Σx², Σxy and the units
 * without a value. Exported for the PostgreSQL plan checks (test/plans), which EXPLAIN it.
 */
export const metricStatsQuery = (db: Db, scope: AggregationScope, metric: Metric) =>
  db.selectFrom(perUnit(db, scope, metric).as("p"))
    .select(["p.variant", ...momentColumns()])
    .groupBy("p.variant")
    .orderBy("p.variant")


/**
 * The query behind `Aggregation.metricStatsByWeek`: `metricStatsQuery`'s moments grouped by
 * variant and the week of each unit's first exposure (integer division of epoch milliseconds, the
 * same on both dialects). Exported for the PostgreSQL plan checks.
 */
export const weeklyStatsQuery = (db: Db, scope: AggregationScope, metric: Metric, originMs: number) => {
  const week = sql<number>`(w.first_ts - ${sql.lit(Math.floor(originMs))}) / ${sql.lit(WEEK_MS)}`
  return db.selectFrom(perUnit(db, scope, metric).as("p"))
    .innerJoin(analysedUnits(db, scope).as("w"), "w.unit_id", "p.unit_id")
    .$if(metric.window !== undefined, (q) =>
      q.where(sql<number>`w.first_ts + ${sql.lit((metric.window?.days ?? 0) * DAY_MS)}`, "<=", Math.min(scope.asOfMs, scope.windowsClosedBy ?? scope.asOfMs)))
    .select(["p.variant", week.as("week"), ...momentColumns()])
    .groupBy(["p.variant", week])
    .orderBy(week)
    .orderBy("p.variant")
}

/**
 * An exposure attribute's value as SQL: `json_extract` in SQLite, `->>` on the JSON in PostgreSQL
 * (the one spot where the dialects' SQL differs; the name is bound, never spliced).
 */
const attributeOf = (dialect: "sqlite" | "postgres", name: string) =>
  dialect === "postgres"
    ? sql<string | null>`(attributes::jsonb ->> ${name})`
    : sql<string | null>`json_extract(attributes, ${`$."${name}"`})`

/**
 * The query behind `Aggregation.metricStatsBySegment`: `metricStatsQuery`'s moments grouped by
 * variant and the value of an exposure attribute (null for units whose exposures lack it).
 * Exported for the PostgreSQL plan checks.
 */
export const segmentStatsQuery = (db: Db, dialect: "sqlite" | "postgres", scope: AggregationScope, metric: Metric, attribute: string) =>
  db.selectFrom(perUnit(db, scope, metric).as("p"))
    .innerJoin(unitExposureValue(db, scope, attributeOf(dialect, attribute)).as("g"), "g.unit_id", "p.unit_id")
    .select(["p.variant", "g.value as segment", ...momentColumns()])
    .groupBy(["p.variant", "g.value"])
    .orderBy("g.value")
    .orderBy("p.variant")

/**
 * The query behind `Aggregation.metricStats` for a cluster-randomized pilot: the per-unit values
 * summed per (variant, cluster) — the outcome total (a ratio's numerator) and the units with a
 * value (a ratio's denominator total) — then per variant the clusters n with the totals' moments,
 * the units and the open ones. Exported for the PostgreSQL plan checks.
 */
export const clusterStatsQuery = (db: Db, scope: AggregationScope, metric: Metric) => {
  const ratio = metric.type === "ratio"
  const perCluster = db.selectFrom(perUnit(db, scope, metric).as("p"))
    .innerJoin(unitClusters(db, scope).as("k"), "k.unit_id", "p.unit_id")
    .select([
      "p.variant",
      "k.value as cluster_id",
      (ratio ? sql<number>`coalesce(sum(p.x), 0)` : sql<number>`coalesce(sum(p.y), 0)`).as("total"),
      (ratio ? sql<number>`coalesce(sum(p.y), 0)` : sql<number>`count(p.y)`).as("size"),
      sql<number>`count(p.y)`.as("units"),
      // open: durations started and not finished (a mean unit without events has no value, and is not open)
      (metric.type === "duration" ? sql<number>`count(*) - count(p.y)` : sql<number>`0`).as("open")
    ])
    .groupBy(["p.variant", "k.value"])
  return db.selectFrom(perCluster.as("c"))
    .select([
      "c.variant",
      sql<number>`count(*)`.as("n"),
      sql<number>`sum(c.total)`.as("sx"),
      sql<number>`sum(c.total * c.total)`.as("sxx"),
      sql<number>`sum(c.size)`.as("sy"),
      sql<number>`sum(c.size * c.size)`.as("syy"),
      sql<number>`sum(c.total * c.size)`.as("sxy"),
      sql<number>`sum(c.units)`.as("units"),
      sql<number>`sum(c.open)`.as("open")
    ])
    .groupBy("c.variant")
    .orderBy("c.variant")
}

/**
 * `metricHistory`'s answer from the rows of `overTimeStatsQuery`: per moment, each variant's
 * sums added over its week rows (a variant without units by a moment is absent there); per
 * week, the variants with units whose window has closed.
 */
const historyOf = (metric: Metric, rows: ReadonlyArray<Record<string, unknown>>, moments: number, byWeek: boolean): MetricHistory => {
  const SUMS = ["m", "n", "sy", "syy", "sx", "sxx", "sxy", "missing"] as const
  const atMoments = Array.from({ length: moments }, (_, k) => {
    const totals = new Map<string, Record<(typeof SUMS)[number], number>>()
    for (const r of rows) {
      const variant = r["variant"]
      if (variant === null || variant === undefined) continue
      const sums = overTimeMoments(r, k)
      const total = totals.get(String(variant)) ?? { m: 0, n: 0, sy: 0, syy: 0, sx: 0, sxx: 0, sxy: 0, missing: 0 }
      for (const name of SUMS) total[name] += num(sums[name])
      totals.set(String(variant), total)
    }
    const out: Record<string, VariantStats> = {}
    for (const [variant, total] of totals) if (total.m > 0) out[variant] = statsOf(metric, total)
    return out
  })
  const weeks = new Map<number, Record<string, VariantStats>>()
  if (byWeek) {
    for (const r of rows) {
      const variant = r["variant"]
      const sums = overTimeMoments(r, WEEKLY)
      if (variant === null || variant === undefined || num(sums.m) === 0) continue
      const week = num(r["week"])
      const byVariant = weeks.get(week) ?? {}
      byVariant[String(variant)] = statsOf(metric, sums)
      weeks.set(week, byVariant)
    }
  }
  return { atMoments, weeks: [...weeks.entries()].sort(([a], [b]) => a - b).map(([week, stats]) => ({ week, stats })) }
}

/** An open table of a pilot's exposed units as of a moment (`withExposedUnits`). */
interface OpenTable {
  readonly pilotId: string
  readonly asOfMs: number
  /** Whether it holds each unit's cluster (made for a cluster-randomized pilot). */
  readonly clusters: boolean
  readonly name: string
}

/** The open table for `scope`: its pilot, and as of its moment or (`later`) a later one, holding clusters if it needs them. */
const tableFor = (open: ReadonlyArray<OpenTable>, scope: ExposedUnitsScope, later = false) =>
  open
    .filter((t) => t.pilotId === scope.pilotId && (later ? t.asOfMs >= scope.asOfMs : t.asOfMs === scope.asOfMs) && (t.clusters || scope.clustered !== true))
    .sort((a, b) => a.asOfMs - b.asOfMs)[0]

/** The exposed-units tables open in the current fiber. */
const openTables = FiberRef.unsafeMake<ReadonlyArray<OpenTable>>([])

/** `scope` reading its pilot's open exposed-units table as of its moment, if there is one. */
const resolved = <S extends AggregationScope>(scope: S): Effect.Effect<S> =>
  Effect.map(FiberRef.get(openTables), (open) => {
    const table = tableFor(open, scope)
    return table === undefined ? scope : { ...scope, exposedUnits: table.name }
  })

/**
 * Events → per-variant sufficient statistics: in the registry's database (SQLite or PostgreSQL,
 * below), or, when the context holds a ClickHouse event store (`PILOTPROOF_EVENTS`), there
 * (`ClickHouseAggregation`).
 */
export class Aggregation extends Effect.Service<Aggregation>()("@pilotproof/store/Aggregation", {
  effect: Effect.gen(function*() {
    const events = yield* Effect.serviceOption(ClickHouse)
    if (Option.isSome(events)) return yield* Effect.provideService(makeClickHouseAggregation, ClickHouse, events.value)
    const database = yield* Database

    /** Per-variant sufficient statistics of one metric. */
    const metricStats = Effect.fn("Aggregation.metricStats")(function*(given: AggregationScope, metric: Metric) {
      if (given.warehouse !== undefined) return yield* noWarehouseHere(given.pilotId, given.warehouse)
      const scope = yield* resolved(given)
      if (scope.clustered === true) return yield* clusterStats(scope, metric)
      const rows = yield* database.use(`aggregating metric "${metric.key}" of "${scope.pilotId}"`, (db) =>
        metricStatsQuery(db, scope, metric).execute()
      )
      const out: Record<string, VariantStats> = {}
      for (const r of rows) if (r.variant !== null) out[r.variant] = statsOf(metric, r)
      return out
    })

    /**
     * Per-variant sufficient statistics of one metric for each week's cohort: the units first
     * exposed in week k = ⌊(first exposure − `originMs`)/7 days⌋, for the novelty check. A metric
     * with a window counts only the units whose window has closed by the as-of moment (or
     * `windowsClosedBy`), so every cohort is measured over the same time. One query.
     */
    const metricStatsByWeek = Effect.fn("Aggregation.metricStatsByWeek")(function*(given: AggregationScope, metric: Metric, originMs: number) {
      if (given.warehouse !== undefined) return yield* noWarehouseHere(given.pilotId, given.warehouse)
      const scope = yield* resolved(given)
      const rows = yield* database.use(`aggregating metric "${metric.key}" of "${scope.pilotId}" by exposure week`, (db) =>
        weeklyStatsQuery(db, scope, metric, originMs).execute()
      )
      const weeks = new Map<number, Record<string, VariantStats>>()
      for (const r of rows) {
        if (r.variant === null) continue
        const week = num(r.week)
        const byVariant = weeks.get(week) ?? {}
        byVariant[r.variant] = statsOf(metric, r)
        weeks.set(week, byVariant)
      }
      return [...weeks.entries()].sort(([a], [b]) => a - b).map(([week, stats]) => ({ week, stats }))
    })

    /** `given` reading an open table of its pilot as of its moment or a later one: a unit's rows are the same for every moment up to the table's. */
    const throughLaterTable = (given: AggregationScope) =>
      Effect.map(FiberRef.get(openTables), (open) => {
        const later = tableFor(open, given, true)
        return later === undefined ? given : { ...given, exposedUnits: later.name }
      })

    /** An individually randomized pilot's `overTimeStatsQuery` at `moments` (and, with `weeks`, its cohorts), as `metricHistory` answers. */
    const historyIn = (scope: AggregationScope, metric: Metric, moments: ReadonlyArray<number>, weeks?: OverTimeWeeks) =>
      Effect.map(
        database.use(`aggregating metric "${metric.key}" of "${scope.pilotId}" over time`, (db) => overTimeStatsQuery(db, scope, metric, moments, weeks).execute()),
        (rows) => historyOf(metric, rows, moments.length, weeks !== undefined)
      )

    /**
     * Per-variant sufficient statistics of one metric as the data stood at each of `moments`
     * (ascending, at or before the scope's as-of moment), equal to `metricStats` with each as
     * its as-of moment, in one query (see `OverTimeStats`). A variant without units by a moment
     * is absent from that moment's record, as in `metricStats`.
     */
    const metricStatsOverTime = Effect.fn("Aggregation.metricStatsOverTime")(function*(given: AggregationScope, metric: Metric, moments: ReadonlyArray<number>) {
      if (given.warehouse !== undefined) return yield* noWarehouseHere(given.pilotId, given.warehouse)
      if (moments.length === 0) return []
      const scope = yield* throughLaterTable(given)
      if (scope.clustered !== true) return (yield* historyIn(scope, metric, moments)).atMoments
      const rows = yield* database.use(`aggregating metric "${metric.key}" of "${scope.pilotId}" over time per cluster`, (db) =>
        clusterOverTimeStatsQuery(db, scope, metric, moments).execute()
      )
      return moments.map((_, k) => {
        const out: Record<string, VariantStats> = {}
        for (const r of rows as ReadonlyArray<Record<string, unknown>>) {
          const variant = r["variant"]
          if (variant === null || variant === undefined || num(r[`m${k}`]) === 0) continue
          const at = (name: string) => r[`${name}${k}`]
          out[String(variant)] = clustersOf({ n: at("n"), sx: at("sx"), sy: at("sy"), sxx: at("sxx"), syy: at("syy"), sxy: at("sxy"), units: at("units"), open: at("open") })
        }
        return out
      })
    })

    /**
     * One metric's per-variant stats as of each of `moments` and, with `weeks`, its exposure-week
     * cohorts as of the scope's moment — an individually randomized pilot's from one query
     * (`overTimeStatsQuery` grouped by week too; each moment's stats are the sum of its weeks').
     */
    const metricHistory = Effect.fn("Aggregation.metricHistory")(function*(given: AggregationScope, metric: Metric, moments: ReadonlyArray<number>, weeks?: HistoryWeeks) {
      if (given.warehouse !== undefined) return yield* noWarehouseHere(given.pilotId, given.warehouse)
      if (given.clustered === true || weeks === undefined) {
        return {
          atMoments: yield* metricStatsOverTime(given, metric, moments),
          weeks: weeks === undefined ? [] : yield* metricStatsByWeek({ ...given, windowsClosedBy: weeks.windowsClosedBy }, metric, weeks.originMs)
        }
      }
      const scope = yield* throughLaterTable(given)
      // the cohorts are counted as of the scope's moment: the query's last moment
      const read = moments[moments.length - 1] === scope.asOfMs ? moments : [...moments, scope.asOfMs]
      const history = yield* historyIn(scope, metric, read, { originMs: weeks.originMs, closedBy: Math.min(scope.asOfMs, weeks.windowsClosedBy) })
      return { atMoments: history.atMoments.slice(0, moments.length), weeks: history.weeks }
    })

    const clusterStats = Effect.fn("Aggregation.clusterStats")(function*(scope: AggregationScope, metric: Metric) {
      const rows = yield* database.use(`aggregating metric "${metric.key}" of "${scope.pilotId}" per cluster`, (db) =>
        clusterStatsQuery(db, scope, metric).execute()
      )
      const out: Record<string, VariantStats> = {}
      for (const r of rows) {
        if (r.variant === null) continue
        out[r.variant] = clustersOf(r)
      }
      return out
    })

    /**
     * Per-variant sufficient statistics of one metric for each value of an exposure attribute (a
     * pre-registered segment); `value` null for the units whose exposures do not carry it. One query.
     */
    const metricStatsBySegment = Effect.fn("Aggregation.metricStatsBySegment")(function*(given: AggregationScope, metric: Metric, attribute: string) {
      if (given.warehouse !== undefined) return yield* noWarehouseHere(given.pilotId, given.warehouse)
      const scope = yield* resolved(given)
      const rows = yield* database.use(`aggregating metric "${metric.key}" of "${scope.pilotId}" by segment ${attribute}`, (db) =>
        segmentStatsQuery(db, database.dialect, scope, metric, attribute).execute()
      )
      const values = new Map<string | null, Record<string, VariantStats>>()
      for (const r of rows) {
        if (r.variant === null) continue
        const segment = r.segment === null ? null : String(r.segment)
        const byVariant = values.get(segment) ?? {}
        byVariant[r.variant] = statsOf(metric, r)
        values.set(segment, byVariant)
      }
      return [...values.entries()].map(([value, stats]) => ({ value, stats }))
    })

    /**
     * Per-unit values of one metric for every variant, each in unit order (rank and exact
     * tests): one read of the per-unit query, not one per variant.
     */
    const unitValues = Effect.fn("Aggregation.unitValues")(function*(given: AggregationScope, metric: Metric) {
      if (given.warehouse !== undefined) return yield* noWarehouseHere(given.pilotId, given.warehouse)
      const scope = yield* resolved(given)
      const rows = yield* database.use(`reading unit values of "${metric.key}"`, (db) =>
        db.selectFrom(perUnit(db, scope, metric).as("p"))
          .select(["p.variant", "p.y"])
          .where("p.variant", "is not", null)
          .where("p.y", "is not", null)
          .orderBy("p.variant")
          .orderBy("p.unit_id")
          .execute()
      )
      const byVariant: Record<string, Array<number>> = {}
      for (const r of rows) (byVariant[r.variant!] ??= []).push(num(r.y))
      return Object.fromEntries(Object.entries(byVariant).map(([variant, ys]) => [variant, Float64Array.from(ys)]))
    })

    /**
     * A scoring diagnostic's pairs: every analysed unit with a `score` event (with a value) in the
     * window, its score (the first such event's value) and its outcome (1 with an `outcome` event
     * in the window). Per variant: all its scored units' count, and the pairs of at most `limit`
     * of them, the first in unit order (pseudonymized ids are keyed hashes: a uniform sample).
     */
    const scoredUnits = Effect.fn("Aggregation.scoredUnits")(function*(given: AggregationScope, diagnostic: ScoredDiagnostic, limit: number) {
      if (given.warehouse !== undefined) return yield* noWarehouseHere(given.pilotId, given.warehouse)
      const scope = yield* resolved(given)
      // one read: each variant's units numbered in unit order and counted, the first `limit` kept
      const rows = yield* database.use(`reading the scores of "${diagnostic.key}"`, (db) =>
        db.selectFrom(
          db.selectFrom(scoredPairs(db, scope, diagnostic).as("p"))
            .select([
              "p.variant",
              "p.score",
              "p.outcome",
              sql<number>`row_number() over (partition by p.variant order by p.unit_id)`.as("k"),
              sql<number>`count(*) over (partition by p.variant)`.as("units")
            ])
            .where("p.variant", "is not", null)
            .as("r")
        )
          .select(["r.variant", "r.score", "r.outcome", "r.units"])
          .where("r.k", "<=", limit)
          .orderBy("r.variant")
          .orderBy("r.k")
          .execute()
      )
      const byVariant = new Map<string, { units: number; scores: Array<number>; outcomes: Array<number> }>()
      for (const r of rows) {
        const arm = byVariant.get(r.variant!) ?? { units: num(r.units), scores: [], outcomes: [] }
        arm.scores.push(num(r.score))
        arm.outcomes.push(num(r.outcome))
        byVariant.set(r.variant!, arm)
      }
      return Object.fromEntries([...byVariant].map(([variant, a]) => [variant, { units: a.units, scores: Float64Array.from(a.scores), outcomes: Uint8Array.from(a.outcomes) }]))
    })

    /** Who is analysed: units per variant and what was excluded, for SRM and readiness. */
    const exposures = Effect.fn("Aggregation.exposures")(function*(given: AggregationScope) {
      if (given.warehouse !== undefined) return yield* noWarehouseHere(given.pilotId, given.warehouse)
      const scope = yield* resolved(given)
      return yield* database.use(`summarizing exposures of "${scope.pilotId}"`, async (db) => {
        // single-variant units, and of them those analysed (with consent where it is required), in one read
        const byVariant = scope.exposedUnits !== undefined
          ? await db.selectFrom(exposedUnitsTable(scope.exposedUnits).as("u"))
            .select([
              "u.variant",
              sql<number>`count(*)`.as("all"),
              (scope.consentRequired ? sql<number>`coalesce(sum(u.consented), 0)` : sql<number>`count(*)`).as("n")
            ])
            .where("u.until_ts", "is", null)
            .groupBy("u.variant")
            .execute()
          : await db.selectFrom(analysedUnits(db, { ...scope, consentRequired: false }).as("u"))
            .$if(scope.consentRequired, (q) => q.leftJoin(consentedUnits(db, scope).as("c"), "c.unit_id", "u.unit_id"))
            .select([
              "u.variant",
              sql<number>`count(*)`.as("all"),
              (scope.consentRequired ? sql<number>`count(c.unit_id)` : sql<number>`count(*)`).as("n")
            ])
            .groupBy("u.variant")
            .execute()
        // the exposed units and times from the aggregation index alone; the exposures that
        // disagree with the assignment (rare) through their partial index
        const exposed = await db.selectFrom("events")
          .select([sql<number>`count(distinct unit_id)`.as("units"), sql<number | null>`min(ts_ms)`.as("first"), sql<number | null>`max(ts_ms)`.as("last")])
          .where("pilot_id", "=", scope.pilotId)
          .where("type", "=", EXPOSURE)
          .where("ts_ms", "<=", scope.asOfMs)
          .executeTakeFirstOrThrow()
        const mismatched = await db.selectFrom("events")
          .select(sql<number>`count(*)`.as("n"))
          .where("pilot_id", "=", scope.pilotId)
          .where("type", "=", EXPOSURE)
          .where("expected_variant", "is not", null)
          .where("ts_ms", "<=", scope.asOfMs)
          .executeTakeFirstOrThrow()
        const clusters = scope.clustered === true
          ? await db.selectFrom(analysedUnits(db, scope).as("u"))
            .innerJoin(unitClusters(db, scope).as("k"), "k.unit_id", "u.unit_id")
            .select(["u.variant", sql<number>`count(distinct k.value)`.as("clusters")])
            .groupBy("u.variant")
            .execute()
          : undefined
        const units: Record<string, number> = {}
        let analysedTotal = 0
        let singleVariant = 0
        for (const r of byVariant) {
          if (r.variant !== null && num(r.n) > 0) units[r.variant] = num(r.n)
          analysedTotal += num(r.n)
          singleVariant += num(r.all)
        }
        const summary: ExposureSummary = {
          units,
          multiVariantUnits: num(exposed.units) - singleVariant,
          withoutConsent: singleVariant - analysedTotal,
          assignmentMismatches: num(mismatched.n),
          ...(clusters === undefined
            ? {}
            : { clusters: Object.fromEntries(clusters.flatMap((r) => (r.variant === null ? [] : [[r.variant, num(r.clusters)]]))) }),
          ...(exposed.first === null ? {} : { firstExposureMs: num(exposed.first) }),
          ...(exposed.last === null ? {} : { lastExposureMs: num(exposed.last) })
        }
        return summary
      })
    })

    /**
     * PostgreSQL plans the aggregation joins from the table's statistics. An import refreshes
     * them when it finishes, but one that was interrupted (or is still running) leaves up to all
     * of its rows unanalysed, and a plan made for a small table scans `events` once per unit:
     * minutes instead of seconds. Before aggregating, the events' statistics are refreshed when
     * more than a tenth of the table changed since they were taken. SQLite needs nothing.
     */
    const currentStatistics = database.dialect === "postgres"
      ? Effect.gen(function*() {
        const operation = "checking the planner statistics of events"
        const row = yield* database.use(operation, (db) =>
          sql<{ changed: string | number; live: string | number }>`
            select n_mod_since_analyze as changed, n_live_tup as live from pg_stat_user_tables
            where relname = 'events' and schemaname = current_schema()`.execute(db))
        const stats = row.rows[0]
        if (stats !== undefined && Number(stats.changed) > Math.max(1000, Number(stats.live) / 10)) {
          yield* database.use("refreshing planner statistics", (db) => sql`analyze events`.execute(db))
        }
      })
      : Effect.void

    /**
     * Runs `effect` with the pilot's exposed units as of `asOfMs` materialized once (a temporary
     * table, `ExposedUnits`): every aggregation of that pilot and moment inside reads it, and the
     * effect-over-time series reads it for its earlier moments. On PostgreSQL the effect's
     * queries share one connection and one state of the data (`Database.withSession`). The
     * table is dropped when the effect ends, however it ends. Nested for the same pilot and
     * moment, the open table is used.
     */
    const withExposedUnits = <A, E, R>(scope: ExposedUnitsScope, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | StorageError, R> =>
      Effect.flatMap(FiberRef.get(openTables), (open) =>
        tableFor(open, scope) !== undefined
          ? effect
          : Effect.zipRight(
            currentStatistics,
            database.withSession(
              `analysing "${scope.pilotId}"`,
              Effect.acquireUseRelease(
                Effect.flatMap(Effect.sync(exposedUnitsTableName), (name) =>
                  Effect.as(
                    database.use(`collecting the exposed units of "${scope.pilotId}"`, (db) => createExposedUnits(db, database.dialect, name, scope)),
                    name
                  )),
                (name) => Effect.locally(effect, openTables, [...open, { pilotId: scope.pilotId, asOfMs: scope.asOfMs, clusters: scope.clustered === true, name }]),
                // a temporary table ends with its connection anyway; a failed drop loses nothing
                (name) => Effect.ignore(database.use(`dropping the exposed units of "${scope.pilotId}"`, (db) => dropExposedUnits(db, name)))
              )
            )
          ))

    const inDatabase: AggregationShape = { metricStats, metricStatsOverTime, metricHistory, metricStatsByWeek, metricStatsBySegment, unitValues, scoredUnits, exposures, currentStatistics, withExposedUnits }
    return inDatabase
  })
}) {}
