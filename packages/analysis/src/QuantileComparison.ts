/**
 * Quantile metrics (p50, p90 of a duration or a per-unit value): the difference of the arms'
 * sample quantiles with the order-statistic standard error (stats' `compareQuantiles`, Bonett &
 * Price generalized from the median), from the per-unit values the store streams; z-test and
 * normal interval, one-sided on the metric's good side in a one-sided plan. The relative lift
 * divides by the control's quantile (treated as known). Guardrails get the non-inferiority bound
 * from the same estimate and SE (normal, at the interval's one-sided level). The values come in
 * ascending.
 */
import type { Metric } from "@pilotproof/domain"
import { compareQuantiles, nonInferiorityNormal, sampleQuantile } from "@pilotproof/stats"
import {
  type FixedComparison,
  nonInferiorityReport,
  posteriorBeat,
  relativeFromAbsolute,
  testAtLevel,
  type TestLevel
} from "./FixedComparison.js"

/** Ascending copies of per-unit values (the store streams them in unit order); `compareMetric` sorts each arm once. */
export const ascending = (values: ArrayLike<number>): Float64Array => Float64Array.from(values).sort()

export const compareQuantileMetric = (
  metric: Extract<Metric, { readonly type: "quantile" }>,
  treatment: ArrayLike<number>,
  control: ArrayLike<number>,
  level: TestLevel
): FixedComparison => {
  const q = metric.quantile
  const { alpha, comparison, standardError: se } = testAtLevel(level, metric.direction, (a, alternative) => compareQuantiles(treatment, control, q, a, alternative))
  const controlQuantile = control.length === 0 ? 0 : sampleQuantile(control, q)
  const nonInferiority = metric.role === "guardrail" && metric.margin !== undefined && comparison.reason === undefined
    ? nonInferiorityNormal("non-inferiority-quantile", comparison.estimate, se, { margin: metric.margin, direction: metric.direction, alpha: alpha / 2 })
    : undefined
  return {
    method: "quantile-difference",
    why: `the p${+(100 * q).toPrecision(4)} per arm: difference of sample quantiles with the order-statistic (Bonett–Price) standard error, z-test`,
    comparison,
    standardError: se,
    probabilityToBeat: posteriorBeat(comparison.estimate, se, metric.direction),
    relative: relativeFromAbsolute(comparison, controlQuantile, se, alpha),
    ...(nonInferiority === undefined ? {} : { nonInferiority: nonInferiorityReport(metric.margin!, nonInferiority) })
  }
}
