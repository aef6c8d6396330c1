/**
 * What each metric type's method returns before the sequential step: the fixed-horizon
 * comparison with its method and the reason it was chosen, and the figures read beside it.
 */
import type { FixedMethod, NonInferiorityResult, RelativeEffect } from "@pilotproof/domain"
import {
  type Alternative,
  alternativeOf,
  type Comparison,
  type Interval,
  normalPosterior,
  normalQuantile,
  type RelativeLift,
  studentTQuantile
} from "@pilotproof/stats"

/** The level a metric is tested at: the plan's α and sides, and the metric's good direction. */
export interface TestLevel {
  readonly alpha: number
  readonly sides: 1 | 2
}

/**
 * The α of the interval reported: α for a two-sided plan; 2α for a one-sided one, so each end
 * of the two-sided (1 − 2α) interval is a one-sided (1 − α) bound — the good-side end decides a
 * win at one-sided α, the bad-side end harm, each by its own one-sided test.
 */
export const intervalAlpha = (level: TestLevel): number => (level.sides === 1 ? 2 * level.alpha : level.alpha)

/** The alternative of the metric's p-value: its good side in a one-sided plan, else two-sided. */
export const alternativeFor = (level: TestLevel, direction: "increase" | "decrease"): Alternative =>
  level.sides === 1 ? alternativeOf(direction) : "two-sided"

/**
 * A comparison whose interval was computed at `intervalAlpha` with the p-value of the metric's
 * alternative: in a one-sided plan, `oneSided()` is the test run again for that alternative
 * (a degenerate comparison keeps its p = 1).
 */
export const withAlternative = <C extends Comparison>(comparison: C, level: TestLevel, oneSided: () => number): C =>
  level.sides === 1 && comparison.reason === undefined ? { ...comparison, pValue: oneSided() } : comparison

/**
 * A metric's test at the plan's level: `run(α, alternative)` two-sided at `intervalAlpha` for the
 * interval and, in a one-sided plan, again on the metric's good side for the p-value
 * (`withAlternative`); with the interval's α and the comparison's standard error.
 */
export const testAtLevel = <C extends Comparison>(
  level: TestLevel,
  direction: "increase" | "decrease",
  run: (alpha: number, alternative: Alternative) => C
): { readonly alpha: number; readonly comparison: C; readonly standardError: number } => {
  const alpha = intervalAlpha(level)
  const comparison = withAlternative(run(alpha, "two-sided"), level, () => run(level.alpha, alternativeFor(level, direction)).pValue)
  return { alpha, comparison, standardError: standardErrorOf(comparison, alpha) }
}

/** A guardrail's non-inferiority test as the report carries it. */
export const nonInferiorityReport = (
  margin: number,
  r: { readonly bound: number; readonly pValue: number; readonly nonInferior: boolean }
): NonInferiorityResult => ({ margin, bound: r.bound, pValue: r.pValue, nonInferior: r.nonInferior })

export interface FixedComparison {
  readonly method: FixedMethod
  /** The rule that chose the method, in words. */
  readonly why: string
  readonly comparison: Comparison
  readonly standardError: number
  readonly probabilityToBeat: number
  readonly relative: RelativeEffect
  readonly varianceReduction?: number
  readonly robustness?: { readonly method: "mann-whitney-exact" | "mann-whitney-asymptotic"; readonly pValue: number }
  readonly nonInferiority?: NonInferiorityResult
}

/** The SE of an estimate from its two-sided (1 − α) normal interval. */
export const seFromCi = (ci: Interval, alpha: number): number => (ci.upper - ci.lower) / (2 * normalQuantile(1 - alpha / 2))

/**
 * The comparison's standard error, or the one implied by its interval when it reports none. A
 * degenerate comparison's interval stands, even where stats knows its SE is 0 (zero variance):
 * the analysis treats it as saying nothing (P(beat) ½, no economics driver), not as certainty.
 */
export const standardErrorOf = (comparison: Comparison, alpha: number): number =>
  comparison.reason === undefined ? comparison.standardError ?? seFromCi(comparison.ci, alpha) : seFromCi(comparison.ci, alpha)

/** P(the treatment is better) under a flat-prior normal model of the effect. */
export const posteriorBeat = (estimate: number, se: number, direction: "increase" | "decrease"): number => {
  if (!(se > 0)) return estimate === 0 ? 0.5 : (estimate > 0) === (direction === "increase") ? 1 : 0
  const p = normalPosterior(estimate, se).probabilityPositive
  return direction === "increase" ? p : 1 - p
}

/** The delta-method relative lift with Fieller's interval beside it. */
export const deltaWithFieller = (delta: RelativeLift, fieller: RelativeLift): RelativeEffect => ({
  estimate: delta.estimate,
  ci: delta.ci,
  method: "delta",
  fieller: { ...fieller.ci, bounded: fieller.reason !== "unbounded-ci" }
})

/**
 * Relative lift Δ/μ_C with the interval of Δ divided by μ_C (control mean treated as known), the
 * interval's quantile normal, or Student t on `df` degrees of freedom when given (the cluster-level t).
 */
export const relativeFromAbsolute = (comparison: Comparison, controlMean: number, se: number, alpha: number, df?: number): RelativeEffect => {
  if (controlMean === 0) return { estimate: 0, ci: { lower: -Infinity, upper: Infinity }, method: "absolute/control (zero control mean)" }
  const z = df === undefined ? normalQuantile(1 - alpha / 2) : studentTQuantile(1 - alpha / 2, df)
  const k = 1 / Math.abs(controlMean)
  return {
    estimate: comparison.estimate / controlMean,
    ci: { lower: (comparison.estimate - z * se) * k, upper: (comparison.estimate + z * se) * k },
    method: "absolute/control"
  }
}
