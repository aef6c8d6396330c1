/**
 * Relative lift (treatment/control − 1) with confidence intervals by the delta method and by
 * Fieller's theorem, from each arm's mean and the standard error of that mean (independent arms).
 */
import { normalQuantile, normalSf } from "./Distributions.js"
import { meanOf, varianceOf } from "./Moments.js"
import type { DegenerateReason, Interval, MeanStats, ProportionStats } from "./Types.js"
import { UNBOUNDED } from "./Types.js"

/** An arm's estimated mean and the standard error of that mean. */
export interface ArmEstimate {
  readonly mean: number
  readonly standardError: number
}

/** Relative lift result. */
export interface RelativeLift {
  /** "delta" or "fieller". */
  readonly method: string
  /** m_T/m_C − 1. */
  readonly estimate: number
  readonly ci: Interval
  /** Two-sided p-value of the delta-method z test of lift = 0 (delta only). */
  readonly pValue?: number
  readonly standardError?: number
  readonly reason?: DegenerateReason
}

/** Mean and SE s/√n of a continuous arm. */
export const armFromMean = (s: MeanStats): ArmEstimate => ({
  mean: meanOf(s),
  standardError: s.n > 0 ? Math.sqrt(varianceOf(s) / s.n) : 0
})

/** Rate and SE √(p(1 − p)/n) of a binomial arm. */
export const armFromProportion = (s: ProportionStats): ArmEstimate => {
  const p = s.n > 0 ? s.conversions / s.n : 0
  return { mean: p, standardError: s.n > 0 ? Math.sqrt((p * (1 - p)) / s.n) : 0 }
}

/**
 * Relative lift by the delta method: L = m_T/m_C − 1,
 * Var(L) ≈ se_T²/m_C² + m_T²·se_C²/m_C⁴ (independent arms, first-order Taylor expansion),
 * CI = L ± z_{1−α/2}·√Var(L) (normal), p two-sided for L = 0. Control mean 0 → "zero-denominator".
 * Reference: Deng, Knoblich & Lu (2018), "Applying the Delta Method in Metric Analytics", KDD.
 */
export const relativeLiftDelta = (treatment: ArmEstimate, control: ArmEstimate, alpha = 0.05): RelativeLift => {
  const method = "delta"
  if (control.mean === 0) return { method, estimate: 0, ci: UNBOUNDED, pValue: 1, reason: "zero-denominator" }
  const mc = control.mean
  const estimate = treatment.mean / mc - 1
  const v = treatment.standardError ** 2 / (mc * mc) + (treatment.mean ** 2 * control.standardError ** 2) / mc ** 4
  const se = Math.sqrt(v)
  if (!(se > 0)) return { method, estimate, ci: UNBOUNDED, pValue: 1, reason: "zero-variance", ...(se === 0 ? { standardError: 0 } : {}) }
  const z = normalQuantile(1 - alpha / 2)
  return {
    method,
    estimate,
    ci: { lower: estimate - z * se, upper: estimate + z * se },
    pValue: Math.min(1, 2 * normalSf(Math.abs(estimate / se))),
    standardError: se
  }
}

/**
 * Relative lift by Fieller's theorem: the set of ρ with (m_T − ρ m_C)² ≤ z²(se_T² + ρ² se_C²),
 * z = z_{1−α/2}, minus 1. It is a bounded interval only when the control mean is significantly
 * different from 0 (m_C² > z² se_C²); otherwise the set is unbounded and the result carries
 * reason "unbounded-ci" with ci = [−∞, ∞].
 * Reference: Fieller (1954), J R Stat Soc B 16:175–185; Franz (2007), arXiv:0710.2024.
 */
export const relativeLiftFieller = (treatment: ArmEstimate, control: ArmEstimate, alpha = 0.05): RelativeLift => {
  const method = "fieller"
  const z = normalQuantile(1 - alpha / 2)
  const z2 = z * z
  const mt = treatment.mean
  const mc = control.mean
  const vt = treatment.standardError ** 2
  const vc = control.standardError ** 2
  const estimate = mc !== 0 ? mt / mc - 1 : 0
  const a = mc * mc - z2 * vc
  if (!(a > 0) || mc === 0) return { method, estimate, ci: UNBOUNDED, reason: "unbounded-ci" }
  const b = mt * mc
  const c = mt * mt - z2 * vt
  const disc = b * b - a * c
  // disc = z²(mc² vt + mt² vc − z² vc vt) ≥ 0 when a > 0
  const root = Math.sqrt(Math.max(0, disc))
  return { method, estimate, ci: { lower: (b - root) / a - 1, upper: (b + root) / a - 1 } }
}
