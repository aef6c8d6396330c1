/**
 * One metric's analysis from per-variant sufficient statistics: each treatment against the
 * control by the method for the metric type (binomial, mean with or without CUPED, duration,
 * ratio; per-cluster totals of any type in a cluster-randomized pilot), then the sequential step
 * when the plan is sequential. A one-sided plan (`sides` 1)
 * reports one-sided p-values on each metric's good side and the interval whose ends are one-sided
 * (1 − α) bounds (FixedComparison's `intervalAlpha`). Pure: the engine loads the
 * statistics from the database, the validity suite from simulations in memory.
 */
import type { Metric, MetricAnalysis, MetricComparison, VariantSummary } from "@pilotproof/domain"
import { type MeanStats, type RatioStats, sampleQuantile, type VariantStats } from "@pilotproof/stats"
import type { AnalysisPlan } from "./AnalysisPlan.js"
import { compareBinomial } from "./BinomialComparison.js"
import { compareClusters } from "./ClusterComparison.js"
import type { FixedComparison, TestLevel } from "./FixedComparison.js"
import { compareMean, type MeanArm } from "./MeanComparison.js"
import { ascending, compareQuantileMetric } from "./QuantileComparison.js"
import { compareRatio } from "./RatioComparison.js"
import { applySequential } from "./SequentialStep.js"

const NO_MOMENTS: MeanStats = { n: 0, sum: 0, sumSquares: 0 }
const NO_RATIO: RatioStats = { n: 0, sumX: 0, sumY: 0, sumX2: 0, sumY2: 0, sumXY: 0 }

/** Units and the mean (rate, mean, or Σx/Σy) of one variant; durations add their open units. */
export const summarize = (variant: string, s: VariantStats | undefined): VariantSummary => {
  if (s === undefined) return { variant, n: 0, mean: 0 }
  if (s._tag === "Ratio") return { variant, n: s.moments.n, mean: s.moments.sumY === 0 ? 0 : s.moments.sumX / s.moments.sumY }
  if (s._tag === "Clusters") {
    const m = s.moments
    return { variant, n: s.units, mean: m.sumY === 0 ? 0 : m.sumX / m.sumY, ...(s.open > 0 ? { open: s.open } : {}), clusters: m.n }
  }
  const m = s.moments
  return { variant, n: m.n, mean: m.n === 0 ? 0 : m.sum / m.n, ...(s._tag === "Duration" ? { open: s.open } : {}) }
}

const meanArm = (s: VariantStats | undefined): MeanArm =>
  s === undefined || s._tag === "Ratio" || s._tag === "Clusters" ? { moments: NO_MOMENTS } : s._tag === "Moments" && s.covariate !== undefined ? { moments: s.moments, covariate: s.covariate } : { moments: s.moments }

const ratioArm = (s: VariantStats | undefined): RatioStats => (s?._tag === "Ratio" ? s.moments : NO_RATIO)

const clusterArm = (s: VariantStats | undefined): RatioStats => (s?._tag === "Clusters" ? s.moments : NO_RATIO)

const proportionArm = (s: VariantStats | undefined) => ({ n: s?.moments.n ?? 0, conversions: s?._tag === "Moments" ? s.moments.sum : 0 })

/**
 * The fixed-horizon comparison of one treatment, by the metric's type (the novelty check and the
 * segments run it per week and per value). A quantile metric is compared on `unitValues`, ascending.
 */
export const compareFixed = (
  metric: Metric,
  treatment: VariantStats | undefined,
  control: VariantStats | undefined,
  level: TestLevel,
  unitValues?: { readonly treatment: ArrayLike<number>; readonly control: ArrayLike<number> }
): FixedComparison => {
  // a cluster-randomized pilot's statistics are per cluster, whatever the metric type
  if (treatment?._tag === "Clusters" || control?._tag === "Clusters") return compareClusters(metric, clusterArm(treatment), clusterArm(control), level)
  switch (metric.type) {
    case "quantile":
      // the values arrive ascending (compareMetric sorts each arm once)
      return compareQuantileMetric(metric, unitValues?.treatment ?? [], unitValues?.control ?? [], level)
    case "binomial":
      return compareBinomial(metric, proportionArm(treatment), proportionArm(control), level)
    case "ratio":
      return compareRatio(metric, ratioArm(treatment), ratioArm(control), level)
    case "mean":
      return compareMean(metric, meanArm(treatment), meanArm(control), level)
    case "duration":
      return compareMean(metric, meanArm(treatment), meanArm(control), level, unitValues)
  }
}

/**
 * Compares every treatment with the control for one metric. `unitValues` (per variant) enables
 * the Mann–Whitney check on durations (pass nothing to skip it) and is what a quantile metric is
 * compared on (without them its comparison is degenerate, too few units).
 */
export const compareMetric = (
  metric: Metric,
  stats: Readonly<Record<string, VariantStats>>,
  control: string,
  treatments: ReadonlyArray<string>,
  plan: AnalysisPlan,
  unitValues?: Readonly<Record<string, ArrayLike<number>>>
): MetricAnalysis => {
  // a quantile metric is read from each arm's values in ascending order: sorted here, once
  const values = metric.type === "quantile" && unitValues !== undefined
    ? Object.fromEntries(Object.entries(unitValues).map(([v, xs]) => [v, ascending(xs)]))
    : unitValues
  const variants = [control, ...treatments].map((v) => {
    const summary = summarize(v, stats[v])
    // a quantile metric's summary is its quantile
    if (metric.type !== "quantile") return summary
    const xs = values?.[v]
    return { ...summary, mean: xs === undefined || xs.length === 0 ? 0 : sampleQuantile(xs, metric.quantile) }
  })
  const controlMean = variants[0]!.mean
  const comparisons = treatments.map((variant, i): MetricComparison => {
    const pair = values?.[variant] !== undefined && values[control] !== undefined
      ? { treatment: values[variant]!, control: values[control]! }
      : undefined
    const fixed = compareFixed(metric, stats[variant], stats[control], plan, pair)
    const units = variants[0]!.n + variants[i + 1]!.n
    const inference = applySequential(fixed, plan, controlMean, metric.direction, units)
    return {
      variant,
      baseline: { variant: control, value: controlMean },
      absolute: inference.absolute,
      relative: inference.relative,
      pValue: inference.pValue,
      method: inference.method,
      why: plan.sides === 1
        ? `${inference.why}; one-sided plan: p for a${metric.direction === "increase" ? "n increase" : " decrease"}, each interval end a one-sided ${+(100 * (1 - plan.alpha)).toPrecision(6)} % bound`
        : inference.why,
      standardError: fixed.standardError,
      probabilityToBeat: fixed.probabilityToBeat,
      ...(fixed.varianceReduction === undefined ? {} : { varianceReduction: fixed.varianceReduction }),
      ...(fixed.robustness === undefined ? {} : { robustness: fixed.robustness }),
      ...(fixed.nonInferiority === undefined ? {} : { nonInferiority: fixed.nonInferiority }),
      ...(fixed.comparison.reason === undefined ? {} : { degenerate: fixed.comparison.reason })
    }
  })
  return {
    key: metric.key,
    name: metric.name ?? metric.key,
    role: metric.role,
    type: metric.type,
    direction: metric.direction,
    ...(metric.unit === undefined ? {} : { unit: metric.unit }),
    ...(metric.margin === undefined ? {} : { margin: metric.margin }),
    variants,
    comparisons
  }
}
