/**
 * What each metric type's method returns before the sequential step: the fixed-horizon
 * comparison with its method and the reason it was chosen, and the figures read beside it.
 */
import type { FixedMethod, NonInferiorityResult, RelativeEffect } from "@pilotproof/domain"
import { type Comparison, type Interval, normalPosterior, normalQuantile, type RelativeLift } from "@pilotproof/stats"

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

/** Relative lift Δ/μ_C with the interval of Δ divided by μ_C (control mean treated as known). */
export const relativeFromAbsolute = (comparison: Comparison, controlMean: number, se: number, alpha: number): RelativeEffect => {
  if (controlMean === 0) return { estimate: 0, ci: { lower: -Infinity, upper: Infinity }, method: "absolute/control (zero control mean)" }
  const z = normalQuantile(1 - alpha / 2)
  const k = 1 / Math.abs(controlMean)
  return {
    estimate: comparison.estimate / controlMean,
    ci: { lower: (comparison.estimate - z * se) * k, upper: (comparison.estimate + z * se) * k },
    method: "absolute/control"
  }
}
