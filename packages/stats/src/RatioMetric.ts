/**
 * Ratio metrics ΣX/ΣY per arm (e.g. handle minutes per conversation when the unit is the
 * customer) compared by the delta method.
 */
import { sampleCovariance, sampleVariance } from "./Moments.js"
import { normalComparison } from "./EstimateComparison.js"
import { type Alternative, degenerateComparison, UNBOUNDED, type Comparison, type RatioStats } from "./Types.js"

/** An arm's ratio R = ΣX/ΣY and the delta-method variance of R. */
export interface RatioEstimate {
  readonly ratio: number
  readonly variance: number
}

/**
 * R = x̄/ȳ; Var(R) ≈ (1/n)·(s_x²/ȳ² − 2 x̄ s_xy/ȳ³ + x̄² s_y²/ȳ⁴) with n − 1 sample moments.
 * Returns `undefined` when ΣY = 0. Reference: Deng, Knoblich & Lu (2018), KDD, §3.
 */
export const ratioEstimate = (s: RatioStats): RatioEstimate | undefined => {
  if (s.sumY === 0 || s.n < 1) return undefined
  const xbar = s.sumX / s.n
  const ybar = s.sumY / s.n
  const vx = sampleVariance(s.n, s.sumX, s.sumX2)
  const vy = sampleVariance(s.n, s.sumY, s.sumY2)
  const cxy = sampleCovariance(s.n, s.sumX, s.sumY, s.sumXY)
  const r = xbar / ybar
  const variance = Math.max(0, (vx - 2 * r * cxy + r * r * vy) / (ybar * ybar) / s.n)
  return { ratio: r, variance }
}

/**
 * Difference of ratio metrics R_T − R_C with the delta-method variance per arm (covariance term
 * included), independent arms; z-test, two-sided p, normal CI Δ ± z_{1−α/2}·se (one-sided forms
 * for `alternative`).
 * Degenerate: n < 2 → "too-few-units"; ΣY = 0 in an arm → "zero-denominator"; se = 0 →
 * "zero-variance". Reference: Deng, Knoblich & Lu (2018), "Applying the Delta Method in Metric
 * Analytics", KDD.
 */
export const compareRatios = (treatment: RatioStats, control: RatioStats, alpha = 0.05, alternative: Alternative = "two-sided"): Comparison => {
  const method = "delta-ratio"
  if (treatment.n < 2 || control.n < 2) return degenerateComparison(method, 0, "too-few-units")
  const t = ratioEstimate(treatment)
  const c = ratioEstimate(control)
  if (t === undefined || c === undefined) return degenerateComparison(method, 0, "zero-denominator")
  const estimate = t.ratio - c.ratio
  const se = Math.sqrt(t.variance + c.variance)
  if (!(se > 0)) return degenerateComparison(method, estimate, "zero-variance", UNBOUNDED, se)
  return normalComparison(method, estimate, se, alpha, se, alternative)
}
