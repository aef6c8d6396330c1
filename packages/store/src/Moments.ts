/**
 * What the two implementations of `Aggregation` (SQL in the registry's database, ClickHouse)
 * share: the scope of a read, the service's shape, and how a row of moments becomes a variant's
 * sufficient statistics.
 */
import type { ExposureSummary, Metric, StorageError, WarehouseSource } from "@pilotproof/domain"
import { quantileValueMetric } from "@pilotproof/domain"
import type { VariantStats } from "@pilotproof/stats"
import type { Effect } from "effect"
import type { ExposedUnitsScope } from "./ExposedUnits.js"

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value))

export interface AggregationScope {
  readonly pilotId: string
  /** Events after this moment are ignored (analysis as the data stood then). */
  readonly asOfMs: number
  readonly consentRequired: boolean
  /**
   * A cluster-randomized pilot: statistics are per cluster (the `cluster_id` of a unit's
   * exposures), as `Clusters` stats, and the exposure summary counts clusters per variant.
   */
  readonly clustered?: boolean
  /**
   * `metricStatsByWeek` only: count the units whose metric window has closed by this moment
   * (default the as-of moment), e.g. the data's horizon when the export stops before it.
   */
  readonly windowsClosedBy?: number
  /**
   * The temporary table of this pilot's exposed units as of `asOfMs` (`ExposedUnits`), set by
   * `Aggregation.withExposedUnits` for the queries it runs: they read it instead of grouping the
   * exposures again.
   */
  readonly exposedUnits?: string
  /** A warehouse-native pilot: its events are the rows of this ClickHouse table, read in place. */
  readonly warehouse?: WarehouseSource
}

/** What a scoring diagnostic's pairs are read by: its score and outcome events and the window. */
export interface ScoredDiagnostic {
  readonly key: string
  readonly score: string
  readonly outcome: string
  readonly window: { readonly days: number }
}

/** One row of the moments a metric's statistics are read from (`metricStatsQuery`'s columns). */
export interface MomentsRow {
  readonly n: unknown
  readonly sy: unknown
  readonly syy: unknown
  readonly sx: unknown
  readonly sxx: unknown
  readonly sxy: unknown
  readonly missing: unknown
}

/** A variant's `VariantStats` from its row of moments, by the metric's type. */
export const statsOf = (metric: Metric, r: MomentsRow): VariantStats => {
  if (metric.type === "quantile") return statsOf(quantileValueMetric(metric), r)
  const moments = { n: num(r.n), sum: num(r.sy), sumSquares: num(r.syy) }
  if (metric.type === "ratio") {
    // y is the denominator and x the numerator in the per-unit query.
    return { _tag: "Ratio", moments: { n: num(r.n), sumX: num(r.sx), sumY: num(r.sy), sumX2: num(r.sxx), sumY2: num(r.syy), sumXY: num(r.sxy) } }
  }
  if (metric.type === "duration") return { _tag: "Duration", moments, open: num(r.missing) }
  return metric.type === "mean" && metric.covariate !== undefined
    ? { _tag: "Moments", moments, covariate: { sumX: num(r.sx), sumX2: num(r.sxx), sumXY: num(r.sxy) } }
    : { _tag: "Moments", moments }
}

/** A variant's `Clusters` stats from its row of `clusterStatsQuery`'s columns. */
export const clustersOf = (r: Omit<MomentsRow, "missing"> & { readonly units: unknown; readonly open: unknown }): VariantStats => ({
  _tag: "Clusters",
  moments: { n: num(r.n), sumX: num(r.sx), sumY: num(r.sy), sumX2: num(r.sxx), sumY2: num(r.syy), sumXY: num(r.sxy) },
  units: num(r.units),
  open: num(r.open)
})

/** A scoring diagnostic's pairs per variant (`Aggregation.scoredUnits`). */
export interface ScoredArm {
  readonly units: number
  readonly scores: Float64Array
  readonly outcomes: Uint8Array
}

/** The exposure-week cohorts a `metricHistory` read also returns: weeks from `originMs`, windows closed by `windowsClosedBy`. */
export interface HistoryWeeks {
  readonly originMs: number
  readonly windowsClosedBy: number
}

/** What `metricHistory` returns. */
export interface MetricHistory {
  readonly atMoments: Array<Record<string, VariantStats>>
  readonly weeks: Array<{ readonly week: number; readonly stats: Record<string, VariantStats> }>
}

/** The `Aggregation` service: events → per-variant sufficient statistics, wherever the events are. */
export interface AggregationShape {
  readonly metricStats: (scope: AggregationScope, metric: Metric) => Effect.Effect<Record<string, VariantStats>, StorageError>
  readonly metricStatsOverTime: (scope: AggregationScope, metric: Metric, moments: ReadonlyArray<number>) => Effect.Effect<Array<Record<string, VariantStats>>, StorageError>
  /**
   * One metric's history in one read: its per-variant stats as of each of `moments` (at or
   * before the scope's moment, as `metricStatsOverTime`) and, with `weeks`, its exposure-week
   * cohorts as of the scope's moment (as `metricStatsByWeek` with `windowsClosedBy`).
   */
  readonly metricHistory: (scope: AggregationScope, metric: Metric, moments: ReadonlyArray<number>, weeks?: HistoryWeeks) => Effect.Effect<MetricHistory, StorageError>
  readonly metricStatsByWeek: (scope: AggregationScope, metric: Metric, originMs: number) => Effect.Effect<Array<{ readonly week: number; readonly stats: Record<string, VariantStats> }>, StorageError>
  readonly metricStatsBySegment: (scope: AggregationScope, metric: Metric, attribute: string) => Effect.Effect<Array<{ readonly value: string | null; readonly stats: Record<string, VariantStats> }>, StorageError>
  readonly unitValues: (scope: AggregationScope, metric: Metric) => Effect.Effect<Record<string, Float64Array>, StorageError>
  readonly scoredUnits: (scope: AggregationScope, diagnostic: ScoredDiagnostic, limit: number) => Effect.Effect<Record<string, ScoredArm>, StorageError>
  readonly exposures: (scope: AggregationScope) => Effect.Effect<ExposureSummary, StorageError>
  /** Refreshes what the database plans the aggregation queries by, when it needs it. */
  readonly currentStatistics: Effect.Effect<void, StorageError>
  /** Runs `effect` with the pilot's exposed units as of the moment collected once for its reads. */
  readonly withExposedUnits: <A, E, R>(scope: ExposedUnitsScope, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StorageError, R>
}
