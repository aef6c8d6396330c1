/**
 * `Aggregation` over a ClickHouse event store: the same per-variant sufficient statistics as the
 * SQL implementation, computed where the events are.
 *
 * Each shard answers for its own units (the Distributed table shards by unit, so a unit's events
 * are on one shard) in one query per metric, in three steps:
 *  1. per unit, its events of the types the metric reads, as arrays: `groupArrayIf((ts, value),
 *     type = …)` over `events_local FINAL` (FINAL collapses a re-delivered event id to its
 *     earliest delivery), or over a warehouse pilot's own table, cut at the as-of moment;
 *  2. per unit (and per moment, for the effect over time), whether it is analysed then — exposed,
 *     in one variant, consenting — and its value `y` (and `x`), as array expressions: the same
 *     definitions as the SQL per-unit query (`Aggregation.perUnitQuery`);
 *  3. per variant (and week, segment or moment), the moments n, Σy, Σy², Σx, Σx², Σxy.
 * Only step 3's rows leave a shard; the engine adds them across shards (`addMoments`), which is
 * exact for counts and, for sums of Float64 values, equal to a single sum up to rounding in the
 * last bits (the SQL stores sum the same doubles in another order). Clusters (managers) may span
 * shards, so a cluster-randomized metric's shards return per-cluster partial totals, O(clusters),
 * added per cluster before its moments are taken; unit values and scored units return what those
 * tests need per unit, as the SQL implementation does.
 *
 * Written for what ClickHouse 18.16 (Debian 12) understands: no CTEs, no window functions, one
 * JOIN at most (none is used), lambdas over arrays.
 */
import { CONSENT, DAY_MS, EXPOSURE, type ExposureSummary, type Metric, quantileValueMetric, type StorageError, type WarehouseSource, WEEK_MS } from "@pilotproof/domain"
import type { VariantStats } from "@pilotproof/stats"
import { Effect, Schema } from "effect"
import { type AggregationScope, type AggregationShape, clustersOf, type HistoryWeeks, type MomentsRow, type ScoredDiagnostic, statsOf } from "./Moments.js"
import { ClickHouse } from "./ClickHouse.js"
import { ch, chArray, chJoin, type ChSql, ident } from "./ClickHouseSql.js"

type PlainMetric = Exclude<Metric, { readonly type: "quantile" }>
const plain = (metric: Metric): PlainMetric => (metric.type === "quantile" ? quantileValueMetric(metric) : metric)

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value))

/** The event types a metric's per-unit value reads. */
const metricTypes = (metric: PlainMetric): ReadonlyArray<string> => {
  switch (metric.type) {
    case "binomial":
      return [metric.event, ...(metric.unless ?? [])]
    case "mean":
      return [metric.event, ...(metric.covariate === undefined ? [] : [metric.covariate.event])]
    case "ratio":
      return [metric.numerator.event, metric.denominator.event]
    case "duration":
      return [metric.from, metric.to]
  }
}

/**
 * Where a pilot's events are read: Pilotproof's own table (this pilot's rows, FINAL), or a
 * warehouse pilot's table with its columns mapped onto the event columns (read as it is: no
 * FINAL, every row an event). `everyShard`: each shard holds its units' rows and is queried on
 * its own; otherwise the first server reads the table (a Distributed one merges the shards).
 */
export interface EventSource {
  readonly from: ChSql
  readonly where: ChSql
  readonly everyShard: boolean
}

const NULL_STRING = ch`CAST(NULL AS Nullable(String))`

/** A warehouse table's rows as event rows (`WarehouseSource`'s mapping). */
const warehouseRows = (w: WarehouseSource) => {
  const c = w.columns
  const ts = w.time === "datetime" ? ch`toInt64(toUnixTimestamp(w_ts)) * 1000` : w.time === "seconds" ? ch`toInt64(w_ts) * 1000` : ch`toInt64(w_ts)`
  // the source columns under names of their own first: `toString(type) AS type` would be a cyclic alias
  return ch`(SELECT toString(w_unit) AS unit_id, if(toString(w_type) = ${w.exposure}, ${EXPOSURE}, toString(w_type)) AS type, ${ts} AS ts_ms,
      ${c.value === undefined ? ch`CAST(NULL AS Nullable(Float64))` : ch`toNullable(toFloat64(w_value))`} AS value,
      ${c.variant === undefined ? NULL_STRING : ch`toNullable(toString(w_variant))`} AS variant,
      '' AS event_id, ${w.table} AS source, CAST(NULL AS Nullable(Int64)) AS line, '{}' AS attributes, ${NULL_STRING} AS cluster_id,
      ${NULL_STRING} AS phone_key, ${NULL_STRING} AS email_key, ${NULL_STRING} AS format_flags, ${NULL_STRING} AS expected_variant
    FROM (SELECT ${ident(c.unit)} AS w_unit, ${ident(c.type)} AS w_type, ${ident(c.ts)} AS w_ts
      ${c.value === undefined ? ch`` : ch`, ${ident(c.value)} AS w_value`}${c.variant === undefined ? ch`` : ch`, ${ident(c.variant)} AS w_variant`}
      FROM ${ident(w.table)}))`
}

export const eventSource = (table: string, scope: { readonly pilotId: string; readonly warehouse?: WarehouseSource | undefined }): EventSource =>
  scope.warehouse === undefined
    ? { from: ch`${ident(table)} FINAL`, where: ch`pilot_id = ${scope.pilotId}`, everyShard: true }
    : { from: warehouseRows(scope.warehouse), where: ch`1`, everyShard: scope.warehouse.shardedByUnit }

/** What the per-unit step collects besides the metric's events. */
interface UnitNeeds {
  readonly types: ReadonlyArray<string>
  /** An exposure attribute, per unit the smallest value its exposures carry (a segment). */
  readonly attribute?: string
  /** Scoring diagnostics: the score events with their ids (the first in a window is the score). */
  readonly scored?: string
}

/**
 * Step 1: per unit, `ex` its exposures (ts, variant, cluster, attribute, has-attribute), `cs`
 * its consent events (ts, value; a missing value grants), and `e{i}` its events of each type
 * (ts, value), all at or before the scope's moment.
 */
export const unitArrays = (table: string, scope: AggregationScope, needs: UnitNeeds): { readonly sql: ChSql; readonly events: (type: string) => ChSql } => {
  const types = [...new Set(needs.types)]
  const column = (type: string) => ch`${ident(`e${types.indexOf(type)}`)}`
  const attribute = needs.attribute === undefined
    ? ch`'', 0`
    : ch`visitParamExtractString(attributes, ${needs.attribute}), visitParamHas(attributes, ${needs.attribute})`
  const source = eventSource(table, scope)
  const read = [...new Set([EXPOSURE, ...(scope.consentRequired ? [CONSENT] : []), ...types, ...(needs.scored === undefined ? [] : [needs.scored])])]
  return {
    events: column,
    sql: ch`SELECT unit_id,
        groupArrayIf((ts_ms, ifNull(variant, ''), ifNull(cluster_id, ''), ${attribute}), type = ${EXPOSURE}) AS ex,
        ${scope.consentRequired ? ch`groupArrayIf((ts_ms, ifNull(value, 1)), type = ${CONSENT})` : ch`emptyArrayUInt8()`} AS cs,
        ${needs.scored === undefined ? ch`emptyArrayUInt8()` : ch`groupArrayIf((ts_ms, event_id, value), type = ${needs.scored} AND isNotNull(value))`} AS sc
        ${chJoin(types.map((type) => ch`, groupArrayIf((ts_ms, value), type = ${type}) AS ${column(type)}`), "")}
      FROM ${source.from}
      WHERE ${source.where} AND ts_ms <= ${Math.floor(scope.asOfMs)} AND type IN ${read}
      GROUP BY unit_id
      HAVING countIf(type = ${EXPOSURE}) > 0`
  }
}

/**
 * Events of an array (ts first) at or before moment `m` and inside [from, to] (either open). The
 * bounds reach the lambda as arrays (`replicate`), not as columns it captures: ClickHouse 18.16
 * loses a column that a subquery's lambdas alone capture when the outer query does not select it.
 */
const within = (events: ChSql, m: ChSql, from?: ChSql, to?: ChSql) => {
  const lo = from === undefined ? ch`toInt64(-1000000000000000000)` : ch`toInt64(${from})`
  const hi = to === undefined ? ch`toInt64(${m})` : ch`least(toInt64(${m}), toInt64(${to}))`
  return ch`arrayFilter((e, lo, hi) -> e.1 >= lo AND e.1 <= hi, ${events}, replicate(${lo}, ${events}), replicate(${hi}, ${events}))`
}

/** `aggregateOf` of the SQL store over an array of (ts, value) events: sum (0 without), count, mean (null without values). */
const aggregate = (kind: "sum" | "count" | "mean", events: ChSql, zeroMean = false) =>
  kind === "sum"
    ? ch`arraySum(e -> ifNull(e.2, 0), ${events})`
    : kind === "count"
    ? ch`toFloat64(length(${events}))`
    : ch`if(arrayCount(e -> isNotNull(e.2), ${events}) = 0, ${zeroMean ? ch`toFloat64(0)` : ch`CAST(NULL AS Nullable(Float64))`}, arraySum(e -> ifNull(e.2, 0), ${events}) / arrayCount(e -> isNotNull(e.2), ${events}))`

/**
 * Step 2's columns for moment `m`: `first_ts`, `variant`, `analysed` (exposed by m, in one
 * variant by m, consenting by m when consent is required), `cluster`, `segment`/`has_segment`,
 * and, for a metric, `has_value` (the unit is in the per-unit query), `y` and `x`.
 */
export const unitAt = (m: ChSql, scope: AggregationScope, events: (type: string) => ChSql, metric?: PlainMetric) => {
  const exposed = within(ch`ex`, m)
  const consents = within(ch`cs`, m)
  const grants = ch`arrayFilter(c -> c.2 != 0, ${consents})`
  const withdrawals = ch`arrayFilter(c -> c.2 = 0, ${consents})`
  // the latest consent event by m grants it (a grant and a withdrawal at one moment do not)
  const consent = scope.consentRequired
    ? ch` AND length(${grants}) > 0 AND (length(${withdrawals}) = 0 OR
        arrayReduce('max', arrayMap(c -> c.1, ${grants})) > arrayReduce('max', arrayMap(c -> c.1, ${withdrawals})))`
    : ch``
  const columns = [
    ch`arrayReduce('min', arrayMap(e -> e.1, ${exposed})) AS first_ts`,
    ch`arrayReduce('min', arrayMap(e -> e.2, ${exposed})) AS variant`,
    ch`(length(${exposed}) > 0 AND arrayUniq(arrayMap(e -> e.2, ${exposed})) = 1${consent}) AS analysed`,
    ch`arrayReduce('min', arrayFilter(c -> c != '', arrayMap(e -> e.3, ex))) AS cluster`,
    ch`arrayReduce('min', arrayMap(e -> e.4, arrayFilter(e -> e.5 = 1, ex))) AS segment`,
    ch`arrayExists(e -> e.5 = 1, ex) AS has_segment`
  ]
  if (metric === undefined) return chJoin(columns)
  const w = metric.window === undefined ? undefined : metric.window.days * DAY_MS
  const inWindow = (type: string) => within(events(type), m, ch`first_ts`, w === undefined ? undefined : ch`first_ts + ${w}`)
  const value = (() => {
    switch (metric.type) {
      case "binomial": {
        const converted = ch`length(${inWindow(metric.event)}) > 0`
        const cancelled = (metric.unless ?? []).map((t) => ch` AND length(${inWindow(t)}) = 0`)
        return { has: ch`1`, y: ch`toNullable(toFloat64(${converted}${chJoin(cancelled, "")}))`, x: ch`toFloat64(0)` }
      }
      case "mean": {
        const cov = metric.covariate
        if (cov === undefined) return { has: ch`1`, y: ch`toNullable(${aggregate(metric.aggregate, inWindow(metric.event))})`, x: ch`toFloat64(0)` }
        const before = within(events(cov.event), m, ch`first_ts - ${cov.days * DAY_MS}`, ch`first_ts - 1`)
        return { has: ch`1`, y: ch`toNullable(${aggregate(metric.aggregate, inWindow(metric.event))})`, x: ch`${aggregate(cov.aggregate, before, true)}` }
      }
      case "ratio":
        return {
          has: ch`1`,
          y: ch`toNullable(${aggregate(metric.denominator.aggregate, inWindow(metric.denominator.event))})`,
          x: ch`${aggregate(metric.numerator.aggregate, inWindow(metric.numerator.event))}`
        }
      case "duration": {
        const scale = metric.in === "minutes" ? 60_000 : metric.in === "hours" ? 3_600_000 : DAY_MS
        const starts = ch`arrayMap(e -> e.1, ${within(events(metric.from), m)})`
        const start = ch`arrayReduce('min', ${starts})`
        const ends = ch`arrayMap(e -> e.1, ${within(events(metric.to), m, start, w === undefined ? undefined : ch`${start} + ${w}`)})`
        return { has: ch`length(${starts}) > 0`, y: ch`if(length(${ends}) = 0, CAST(NULL AS Nullable(Float64)), (arrayReduce('min', ${ends}) - ${start}) / ${scale})`, x: ch`toFloat64(0)` }
      }
    }
  })()
  return chJoin([...columns, ch`${value.has} AS has_value`, ch`${value.y} AS y`, ch`${value.x} AS x`])
}

/** Step 3's moments over step 2's rows. */
const MOMENTS = ch`count(y) AS n, sum(y) AS sy, sum(y * y) AS syy, sumIf(x, isNotNull(y)) AS sx, sumIf(x * x, isNotNull(y)) AS sxx,
  sum(x * y) AS sxy, count() - count(y) AS missing`

interface ShardMoments {
  readonly n: number
  readonly sy: number
  readonly syy: number
  readonly sx: number
  readonly sxx: number
  readonly sxy: number
  readonly missing: number
}

/** The moments of several shards' rows of one group, added. */
const addMoments = (rows: ReadonlyArray<MomentsRow>): ShardMoments =>
  rows.reduce<ShardMoments>((a, r) => ({
    n: a.n + num(r.n),
    sy: a.sy + num(r.sy),
    syy: a.syy + num(r.syy),
    sx: a.sx + num(r.sx),
    sxx: a.sxx + num(r.sxx),
    sxy: a.sxy + num(r.sxy),
    missing: a.missing + num(r.missing)
  }), { n: 0, sy: 0, syy: 0, sx: 0, sxx: 0, sxy: 0, missing: 0 })

/** Rows of every shard grouped by a key, each group's moments added. */
const grouped = <R extends MomentsRow>(shards: ReadonlyArray<ReadonlyArray<R>>, key: (row: R) => string) => {
  const groups = new Map<string, { readonly first: R; readonly rows: Array<R> }>()
  for (const rows of shards) {
    for (const r of rows) {
      const k = key(r)
      const group = groups.get(k)
      if (group === undefined) groups.set(k, { first: r, rows: [r] })
      else group.rows.push(r)
    }
  }
  return [...groups.values()].map((g) => ({ first: g.first, moments: addMoments(g.rows) }))
}

/** Byte order of two strings' UTF-8 encodings: how both ClickHouse and SQLite order unit ids. */
export const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"))

/** A numeric column of an answer: ClickHouse gives NULL for the sum of a group without values. */
const Num = Schema.NullOr(Schema.Number)

/** The columns of `MOMENTS`. */
const MomentColumns = { n: Num, sy: Num, syy: Num, sx: Num, sxx: Num, sxy: Num, missing: Num }

/** One shard's partial totals of a cluster (`clusterColumns`' row). */
const ClusterPart = Schema.Struct({ variant: Schema.String, cluster: Schema.String, total: Num, size: Num, units: Num, open: Num })
type ClusterPart = typeof ClusterPart.Type

/**
 * The per-cluster partial totals of a metric's per-unit rows, as `Aggregation.clusterStatsQuery`
 * forms them: the outcome total (a ratio's numerator) and the size (units with a value, or a
 * ratio's denominator total), the units and the open durations.
 */
const clusterColumns = (metric: PlainMetric) => {
  const ratio = metric.type === "ratio"
  return ch`${ratio ? ch`sum(x)` : ch`sum(ifNull(y, 0))`} AS total, ${ratio ? ch`sum(ifNull(y, 0))` : ch`count(y)`} AS size,
    count(y) AS units, ${metric.type === "duration" ? ch`count() - count(y)` : ch`0`} AS open`
}

/**
 * Per variant, the clusters' moments from the shards' partial totals: a cluster's units may be on
 * several shards, so its totals are added first, then squared.
 */
const clusterMoments = (parts: ReadonlyArray<ClusterPart>): Record<string, VariantStats> => {
  const clusters = new Map<string, { variant: string; total: number; size: number; units: number; open: number }>()
  for (const r of parts) {
    const key = `${r.variant}\u0000${r.cluster}`
    const c = clusters.get(key) ?? { variant: r.variant, total: 0, size: 0, units: 0, open: 0 }
    c.total += num(r.total)
    c.size += num(r.size)
    c.units += num(r.units)
    c.open += num(r.open)
    clusters.set(key, c)
  }
  const byVariant = new Map<string, { n: number; sx: number; sxx: number; sy: number; syy: number; sxy: number; units: number; open: number }>()
  for (const c of clusters.values()) {
    const v = byVariant.get(c.variant) ?? { n: 0, sx: 0, sxx: 0, sy: 0, syy: 0, sxy: 0, units: 0, open: 0 }
    v.n += 1
    v.sx += c.total
    v.sxx += c.total * c.total
    v.sy += c.size
    v.syy += c.size * c.size
    v.sxy += c.total * c.size
    v.units += c.units
    v.open += c.open
    byVariant.set(c.variant, v)
  }
  const out: Record<string, VariantStats> = {}
  for (const [variant, v] of [...byVariant].sort(([a], [b]) => byteOrder(a, b))) out[variant] = clustersOf(v)
  return out
}

/** The ClickHouse implementation of `Aggregation`, for `ClickHouse`'s event store. */
export const makeClickHouseAggregation = Effect.gen(function*() {
  const store = yield* ClickHouse
  const table = store.localTable
  /** A query on the shards the scope's events are on: each shard's rows. */
  const onShards = <A, I>(scope: AggregationScope, operation: string, query: ChSql, row: Schema.Schema<A, I>): Effect.Effect<ReadonlyArray<ReadonlyArray<A>>, StorageError> =>
    eventSource(table, scope).everyShard ? store.onEveryShard(operation, query, row) : Effect.map(store.select(operation, query, row), (rows) => [rows])

  /** Step 2's rows for the scope's moment, analysed units only (and, for a metric, those in its per-unit query). */
  const perUnit = (scope: AggregationScope, metric: PlainMetric | undefined, needs: Omit<UnitNeeds, "types"> = {}) => {
    const units = unitArrays(table, scope, { types: metric === undefined ? [] : metricTypes(metric), ...needs })
    return ch`SELECT unit_id, ${unitAt(ch`${Math.floor(scope.asOfMs)}`, scope, units.events, metric)}
      FROM (${units.sql}) WHERE analysed${metric === undefined ? ch`` : ch` AND has_value`}`
  }

  const momentsOf = (metric: Metric, m: ShardMoments) => statsOf(metric, m)

  const clusterStats = (scope: AggregationScope, metric: Metric) =>
    Effect.map(
      onShards(scope, `aggregating metric "${metric.key}" of "${scope.pilotId}" per cluster`,
        ch`SELECT variant, cluster, ${clusterColumns(plain(metric))} FROM (${perUnit(scope, plain(metric))}) WHERE cluster != '' GROUP BY variant, cluster`, ClusterPart),
      (shards) => clusterMoments(shards.flat())
    )

  const metricStats = Effect.fn("ClickHouseAggregation.metricStats")(function*(scope: AggregationScope, metric: Metric) {
    if (scope.clustered === true) return yield* clusterStats(scope, metric)
    const shards = yield* onShards(scope,
      `aggregating metric "${metric.key}" of "${scope.pilotId}"`,
      ch`SELECT variant, ${MOMENTS} FROM (${perUnit(scope, plain(metric))}) GROUP BY variant`,
      Schema.Struct({ variant: Schema.String, ...MomentColumns })
    )
    const out: Record<string, VariantStats> = {}
    for (const g of grouped(shards, (r) => r.variant).sort((a, b) => byteOrder(a.first.variant, b.first.variant))) out[g.first.variant] = momentsOf(metric, g.moments)
    return out
  })

  const metricStatsByWeek = Effect.fn("ClickHouseAggregation.metricStatsByWeek")(function*(scope: AggregationScope, metric: Metric, originMs: number) {
    const p = plain(metric)
    const closed = Math.floor(Math.min(scope.asOfMs, scope.windowsClosedBy ?? scope.asOfMs))
    const shards = yield* onShards(scope,
      `aggregating metric "${metric.key}" of "${scope.pilotId}" by exposure week`,
      // the SQL stores' integer division truncates toward zero, as intDiv does
      ch`SELECT variant, intDiv(first_ts - ${Math.floor(originMs)}, ${WEEK_MS}) AS week, ${MOMENTS}
        FROM (${perUnit(scope, p)})${p.window === undefined ? ch`` : ch` WHERE first_ts + ${p.window.days * DAY_MS} <= ${closed}`}
        GROUP BY variant, week`,
      Schema.Struct({ variant: Schema.String, week: Schema.Number, ...MomentColumns })
    )
    const weeks = new Map<number, Record<string, VariantStats>>()
    for (const g of grouped(shards, (r) => `${r.week}\u0000${r.variant}`).sort((a, b) => byteOrder(a.first.variant, b.first.variant))) {
      const week = num(g.first.week)
      const byVariant = weeks.get(week) ?? {}
      byVariant[g.first.variant] = momentsOf(metric, g.moments)
      weeks.set(week, byVariant)
    }
    return [...weeks.entries()].sort(([a], [b]) => a - b).map(([week, stats]) => ({ week, stats }))
  })

  const metricStatsOverTime = Effect.fn("ClickHouseAggregation.metricStatsOverTime")(function*(scope: AggregationScope, metric: Metric, moments: ReadonlyArray<number>) {
    if (moments.length === 0) return []
    const p = plain(metric)
    const units = unitArrays(table, scope, { types: metricTypes(p) })
    const at = moments.map((t) => Math.floor(t))
    const perMoment = ch`SELECT position - 1 AS k, unit_id, ${unitAt(ch`moment`, scope, units.events, p)}
      FROM (${units.sql}) ARRAY JOIN ${chArray(at)} AS moment, arrayEnumerate(${chArray(at)}) AS position`
    if (scope.clustered === true) {
      const shards = yield* onShards(scope, `aggregating metric "${metric.key}" of "${scope.pilotId}" over time per cluster`,
        ch`SELECT k, variant, cluster, ${clusterColumns(p)} FROM (${perMoment}) WHERE analysed AND has_value AND cluster != '' GROUP BY k, variant, cluster`,
        Schema.Struct({ k: Schema.Number, ...ClusterPart.fields }))
      const parts = shards.flat()
      return at.map((_, k) => clusterMoments(parts.filter((r) => num(r.k) === k)))
    }
    const shards = yield* onShards(scope,
      `aggregating metric "${metric.key}" of "${scope.pilotId}" over time`,
      ch`SELECT k, variant, ${MOMENTS} FROM (${perMoment}) WHERE analysed AND has_value GROUP BY k, variant`,
      Schema.Struct({ k: Schema.Number, variant: Schema.String, ...MomentColumns })
    )
    const groups = grouped(shards, (r) => `${r.k}\u0000${r.variant}`).sort((a, b) => byteOrder(a.first.variant, b.first.variant))
    return at.map((_, k) => {
      const out: Record<string, VariantStats> = {}
      for (const g of groups) if (num(g.first.k) === k) out[g.first.variant] = momentsOf(metric, g.moments)
      return out
    })
  })

  const metricStatsBySegment = Effect.fn("ClickHouseAggregation.metricStatsBySegment")(function*(scope: AggregationScope, metric: Metric, attribute: string) {
    const shards = yield* onShards(scope,
      `aggregating metric "${metric.key}" of "${scope.pilotId}" by segment ${attribute}`,
      ch`SELECT variant, segment, has_segment, ${MOMENTS} FROM (${perUnit(scope, plain(metric), { attribute })}) GROUP BY variant, has_segment, segment`,
      Schema.Struct({ variant: Schema.String, segment: Schema.String, has_segment: Schema.Number, ...MomentColumns })
    )
    const values = new Map<string | null, Record<string, VariantStats>>()
    const groups = grouped(shards, (r) => `${num(r.has_segment)}\u0000${num(r.has_segment) === 1 ? r.segment : ""}\u0000${r.variant}`)
    // as the SQL stores order: by value (NULL first on SQLite), then variant
    groups.sort((a, b) => byteOrder(a.first.variant, b.first.variant))
    for (const g of groups) {
      const value = num(g.first.has_segment) === 1 ? g.first.segment : null
      const byVariant = values.get(value) ?? {}
      byVariant[g.first.variant] = momentsOf(metric, g.moments)
      values.set(value, byVariant)
    }
    return [...values.entries()].map(([value, stats]) => ({ value, stats }))
  })

  const unitValues = Effect.fn("ClickHouseAggregation.unitValues")(function*(scope: AggregationScope, metric: Metric) {
    const shards = yield* onShards(scope,
      `reading unit values of "${metric.key}"`,
      ch`SELECT variant, unit_id, y FROM (${perUnit(scope, plain(metric))}) WHERE isNotNull(y)`,
      Schema.Struct({ variant: Schema.String, unit_id: Schema.String, y: Schema.Number })
    )
    const rows = shards.flat().sort((a, b) => byteOrder(a.variant, b.variant) || byteOrder(a.unit_id, b.unit_id))
    const byVariant: Record<string, Array<number>> = {}
    for (const r of rows) (byVariant[r.variant] ??= []).push(num(r.y))
    return Object.fromEntries(Object.entries(byVariant).map(([variant, ys]) => [variant, Float64Array.from(ys)]))
  })

  const scoredUnits = Effect.fn("ClickHouseAggregation.scoredUnits")(function*(scope: AggregationScope, diagnostic: ScoredDiagnostic, limit: number) {
    const w = diagnostic.window.days * DAY_MS
    const units = unitArrays(table, scope, { types: [diagnostic.outcome], scored: diagnostic.score })
    const asOf = ch`${Math.floor(scope.asOfMs)}`
    // the score: the value of the first score event in the window (by time, then event id)
    const scored = ch`SELECT unit_id, variant,
        arraySort(${within(ch`sc`, asOf, ch`first_ts`, ch`first_ts + ${w}`)}) AS scores,
        scores[1].3 AS score, length(${within(units.events(diagnostic.outcome), asOf, ch`first_ts`, ch`first_ts + ${w}`)}) > 0 AS outcome
      FROM (SELECT unit_id, sc, ${units.events(diagnostic.outcome)}, ${unitAt(asOf, scope, units.events)} FROM (${units.sql}) WHERE analysed)
      WHERE length(scores) > 0`
    const counts = yield* onShards(scope,
      `counting the scores of "${diagnostic.key}"`,
      ch`SELECT variant, count() AS units FROM (${scored}) GROUP BY variant`,
      Schema.Struct({ variant: Schema.String, units: Schema.Number })
    )
    const firsts = yield* onShards(scope,
      `reading the scores of "${diagnostic.key}"`,
      ch`SELECT variant, unit_id, score, outcome FROM (${scored}) ORDER BY variant, unit_id LIMIT ${Math.max(0, Math.floor(limit))} BY variant`,
      Schema.Struct({ variant: Schema.String, unit_id: Schema.String, score: Num, outcome: Schema.Number })
    )
    const total = new Map<string, number>()
    for (const r of counts.flat()) total.set(r.variant, (total.get(r.variant) ?? 0) + num(r.units))
    const rows = firsts.flat().sort((a, b) => byteOrder(a.variant, b.variant) || byteOrder(a.unit_id, b.unit_id))
    const byVariant = new Map<string, { units: number; scores: Array<number>; outcomes: Array<number> }>()
    for (const r of rows) {
      const arm = byVariant.get(r.variant) ?? { units: total.get(r.variant) ?? 0, scores: [], outcomes: [] }
      if (arm.scores.length >= limit) continue
      arm.scores.push(num(r.score))
      arm.outcomes.push(num(r.outcome))
      byVariant.set(r.variant, arm)
    }
    return Object.fromEntries([...byVariant].map(([variant, a]) => [variant, { units: a.units, scores: Float64Array.from(a.scores), outcomes: Uint8Array.from(a.outcomes) }]))
  })

  const exposures = Effect.fn("ClickHouseAggregation.exposures")(function*(scope: AggregationScope) {
    const source = eventSource(table, scope)
    const units = unitArrays(table, scope, { types: [] })
    const asOf = ch`${Math.floor(scope.asOfMs)}`
    // per variant, the units seen in it alone, and those of them analysed (consenting, when consent is required)
    const single = ch`SELECT variant, cluster, analysed AS consented, single FROM (
        SELECT unit_id, ${unitAt(asOf, scope, units.events)}, arrayUniq(arrayMap(e -> e.2, ex)) = 1 AS single FROM (${units.sql}))
      WHERE single`
    const byVariant = yield* onShards(scope,
      `counting the exposed units of "${scope.pilotId}"`,
      ch`SELECT variant, count() AS all, countIf(consented) AS n,
          ${scope.clustered === true ? ch`groupUniqArrayIf(cluster, consented AND cluster != '')` : ch`emptyArrayString()`} AS clusters
        FROM (${single}) GROUP BY variant`,
      Schema.Struct({ variant: Schema.String, all: Schema.Number, n: Schema.Number, clusters: Schema.Array(Schema.String) })
    )
    const exposed = yield* onShards(scope,
      `counting the exposures of "${scope.pilotId}"`,
      ch`SELECT uniqExact(unit_id) AS units, count() AS events, min(ts_ms) AS first, max(ts_ms) AS last, countIf(isNotNull(expected_variant)) AS mismatched
        FROM ${source.from} WHERE ${source.where} AND type = ${EXPOSURE} AND ts_ms <= ${Math.floor(scope.asOfMs)}`,
      Schema.Struct({ units: Schema.Number, events: Schema.Number, first: Schema.Number, last: Schema.Number, mismatched: Schema.Number })
    )
    const unitsByVariant: Record<string, number> = {}
    const clusterSets = new Map<string, Set<string>>()
    let analysedTotal = 0
    let singleVariant = 0
    for (const r of byVariant.flat().sort((a, b) => byteOrder(a.variant, b.variant))) {
      const n = num(r.n)
      if (n > 0) unitsByVariant[r.variant] = (unitsByVariant[r.variant] ?? 0) + n
      analysedTotal += n
      singleVariant += num(r.all)
      const set = clusterSets.get(r.variant) ?? new Set<string>()
      for (const c of r.clusters) set.add(c)
      clusterSets.set(r.variant, set)
    }
    const shardsWithExposures = exposed.flat().filter((r) => num(r.events) > 0)
    const summary: ExposureSummary = {
      units: unitsByVariant,
      multiVariantUnits: shardsWithExposures.reduce((s, r) => s + num(r.units), 0) - singleVariant,
      withoutConsent: singleVariant - analysedTotal,
      assignmentMismatches: shardsWithExposures.reduce((s, r) => s + num(r.mismatched), 0),
      ...(scope.clustered === true
        ? { clusters: Object.fromEntries([...clusterSets].filter(([, set]) => set.size > 0).map(([v, set]) => [v, set.size])) }
        : {}),
      ...(shardsWithExposures.length === 0
        ? {}
        : {
          firstExposureMs: Math.min(...shardsWithExposures.map((r) => num(r.first))),
          lastExposureMs: Math.max(...shardsWithExposures.map((r) => num(r.last)))
        })
    }
    return summary
  })

  // the moments and the cohorts are two shard-local queries here (array-per-unit reads are cheap)
  const metricHistory = Effect.fn("ClickHouseAggregation.metricHistory")(function*(scope: AggregationScope, metric: Metric, moments: ReadonlyArray<number>, weeks?: HistoryWeeks) {
    return {
      atMoments: yield* metricStatsOverTime(scope, metric, moments),
      weeks: weeks === undefined ? [] : yield* metricStatsByWeek({ ...scope, windowsClosedBy: weeks.windowsClosedBy }, metric, weeks.originMs)
    }
  })

  return {
    metricStats,
    metricStatsOverTime,
    metricHistory,
    metricStatsByWeek,
    metricStatsBySegment,
    unitValues,
    scoredUnits,
    exposures,
    currentStatistics: Effect.void,
    // every query reads the shards' tables directly: there is nothing to collect first
    withExposedUnits: (_scope, effect) => effect
  } satisfies AggregationShape
})
