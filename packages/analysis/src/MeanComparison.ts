/**
 * Mean metrics (a value per unit) and durations (time per unit): Welch's t-test with
 * Welch–Satterthwaite degrees of freedom, or CUPED-adjusted Welch when the metric has a
 * pre-exposure covariate (the relative lift then divides the adjusted effect by the control
 * mean); otherwise the delta-method relative lift with Fieller's interval beside it. Durations
 * add a Mann–Whitney test on the unit values, robust to skew. Guardrails get a non-inferiority
 * test against their margin at the one-sided level of the interval's ends (α/2 two-sided, α
 * one-sided). A one-sided plan's p-values (Welch, CUPED, Mann–Whitney) are one-sided.
 */
import type { Metric } from "@pilotproof/domain"
import {
  armFromMean,
  type CovariateStats,
  cuped,
  mannWhitney,
  type MeanStats,
  nonInferiorityMeans,
  relativeLiftDelta,
  relativeLiftFieller,
  welchTest
} from "@pilotproof/stats"
import {
  alternativeFor,
  deltaWithFieller,
  type FixedComparison,
  intervalAlpha,
  nonInferiorityReport,
  posteriorBeat,
  relativeFromAbsolute,
  standardErrorOf,
  type TestLevel,
  withAlternative
} from "./FixedComparison.js"

/** One arm of a mean or duration metric; `covariate` when the metric has one and it was aggregated. */
export interface MeanArm {
  readonly moments: MeanStats
  readonly covariate?: CovariateStats
}

export const compareMean = (
  metric: Extract<Metric, { readonly type: "mean" | "duration" }>,
  treatment: MeanArm,
  control: MeanArm,
  level: TestLevel,
  unitValues?: { readonly treatment: ArrayLike<number>; readonly control: ArrayLike<number> }
): FixedComparison => {
  const alpha = intervalAlpha(level)
  const alternative = alternativeFor(level, metric.direction)
  const tm = treatment.moments
  const cm = control.moments
  const controlMean = cm.n === 0 ? 0 : cm.sum / cm.n
  const nonInferiority = metric.role === "guardrail" && metric.margin !== undefined
    ? nonInferiorityMeans(tm, cm, { margin: metric.margin, direction: metric.direction, alpha: alpha / 2 })
    : undefined
  const shared = {
    ...(nonInferiority === undefined
      ? {}
      : { nonInferiority: nonInferiorityReport(metric.margin!, nonInferiority) }),
    ...(metric.type === "duration" && unitValues !== undefined
      ? (({ method, pValue }) => ({ robustness: { method, pValue } }))(mannWhitney(unitValues.treatment, unitValues.control, "auto", alternative))
      : {})
  }

  if (metric.type === "mean" && metric.covariate !== undefined && treatment.covariate !== undefined && control.covariate !== undefined) {
    const t = { ...treatment.covariate, n: tm.n, sumY: tm.sum, sumY2: tm.sumSquares }
    const c = { ...control.covariate, n: cm.n, sumY: cm.sum, sumY2: cm.sumSquares }
    const adjusted = withAlternative(cuped(t, c, alpha), level, () => cuped(t, c, level.alpha, alternative).pValue)
    const se = standardErrorOf(adjusted, alpha)
    return {
      method: "cuped-welch-t",
      why: `CUPED on the pre-exposure covariate (θ = ${adjusted.theta.toPrecision(3)}): Welch's t-test on adjusted values`,
      comparison: adjusted,
      standardError: se,
      probabilityToBeat: posteriorBeat(adjusted.estimate, se, metric.direction),
      relative: relativeFromAbsolute(adjusted, controlMean, se, alpha),
      varianceReduction: adjusted.varianceReduction,
      ...shared
    }
  }

  const comparison = withAlternative(welchTest(tm, cm, alpha), level, () => welchTest(tm, cm, level.alpha, alternative).pValue)
  const se = standardErrorOf(comparison, alpha)
  return {
    method: "welch-t",
    why: metric.type === "duration"
      ? "time per unit: Welch's t-test on the mean (Mann–Whitney beside it, robust to skew)"
      : "a mean per unit: Welch's t-test with Welch–Satterthwaite degrees of freedom",
    comparison,
    standardError: se,
    probabilityToBeat: posteriorBeat(comparison.estimate, se, metric.direction),
    relative: deltaWithFieller(
      relativeLiftDelta(armFromMean(tm), armFromMean(cm), alpha),
      relativeLiftFieller(armFromMean(tm), armFromMean(cm), alpha)
    ),
    ...shared
  }
}
