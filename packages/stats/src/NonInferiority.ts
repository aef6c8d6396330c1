/**
 * One-sided non-inferiority tests for guardrail metrics.
 */
import { normalQuantile, normalSf, studentTQuantile, studentTSf } from "./Distributions.js"
import { meanOf } from "./Moments.js"
import { clusterParts } from "./ClusterRatio.js"
import type { DegenerateReason, MeanStats, ProportionStats, RatioStats } from "./Types.js"
import { welchParts } from "./WelchTest.js"

/** Which direction of the metric is good. */
export type Direction = "increase" | "decrease"

/** Non-inferiority options. */
export interface NonInferiorityOptions {
  /** Largest tolerated harm, absolute, in the metric's units (≥ 0). */
  readonly margin: number
  /** "increase": higher is better (harm = decrease); "decrease": lower is better. */
  readonly direction: Direction
  /** One-sided significance level (default 0.05). */
  readonly alpha?: number
}

/** Result of a non-inferiority test. */
export interface NonInferiorityResult {
  readonly method: string
  /** Δ = treatment − control. */
  readonly estimate: number
  /** One-sided p-value of H₀: treatment worse than control by at least the margin. */
  readonly pValue: number
  /** The relevant one-sided (1 − α) bound: lower bound of Δ for "increase", upper for "decrease". */
  readonly bound: number
  /** bound > −margin ("increase") or bound < margin ("decrease"); equivalently p < α. */
  readonly nonInferior: boolean
  readonly statistic?: number
  readonly df?: number
  readonly reason?: DegenerateReason
}

const decide = (
  method: string,
  estimate: number,
  se: number,
  o: NonInferiorityOptions,
  sf: (x: number) => number,
  q: number,
  df?: number
): NonInferiorityResult => {
  // "increase": H₀ Δ ≤ −margin, t = (Δ + margin)/se, bound = Δ − q·se
  // "decrease": H₀ Δ ≥ margin,  t = (margin − Δ)/se, bound = Δ + q·se
  const stat = o.direction === "increase" ? (estimate + o.margin) / se : (o.margin - estimate) / se
  const bound = o.direction === "increase" ? estimate - q * se : estimate + q * se
  const nonInferior = o.direction === "increase" ? bound > -o.margin : bound < o.margin
  return { method, estimate, pValue: sf(stat), bound, nonInferior, statistic: stat, ...(df !== undefined ? { df } : {}) }
}

const sentinel = (method: string, estimate: number, o: NonInferiorityOptions, reason: DegenerateReason): NonInferiorityResult => ({
  method,
  estimate,
  pValue: 1,
  bound: o.direction === "increase" ? -Infinity : Infinity,
  nonInferior: false,
  reason
})

/**
 * Non-inferiority for a difference in means by Welch's t (unpooled variances,
 * Welch–Satterthwaite df): p = P(T_df > t) with t = (Δ + margin)/se ("increase") or
 * (margin − Δ)/se ("decrease"); bound = Δ ∓ t_{1−α,df}·se.
 * Reference: Wellek (2010), Testing Statistical Hypotheses of Equivalence and Noninferiority, ch. 2.
 */
export const nonInferiorityMeans = (treatment: MeanStats, control: MeanStats, options: NonInferiorityOptions): NonInferiorityResult => {
  const method = "non-inferiority-welch-t"
  const parts = welchParts(treatment, control)
  if (parts === undefined) return sentinel(method, meanOf(treatment) - meanOf(control), options, "too-few-units")
  if (!(parts.standardError > 0)) return sentinel(method, parts.estimate, options, "zero-variance")
  const q = studentTQuantile(1 - (options.alpha ?? 0.05), parts.df)
  return decide(method, parts.estimate, parts.standardError, options, (x) => studentTSf(x, parts.df), q, parts.df)
}

/**
 * Non-inferiority for a difference in proportions by the unpooled z-test:
 * se = √(p_T(1 − p_T)/n_T + p_C(1 − p_C)/n_C), p = 1 − Φ(z), bound = Δ ∓ z_{1−α}·se.
 * Reference: Blackwelder (1982), Control Clin Trials 3:345–353; Wellek (2010), ch. 6.
 */
export const nonInferiorityProportions = (
  treatment: ProportionStats,
  control: ProportionStats,
  options: NonInferiorityOptions
): NonInferiorityResult => {
  const method = "non-inferiority-z-unpooled"
  if (treatment.n < 1 || control.n < 1) return sentinel(method, 0, options, "too-few-units")
  const pt = treatment.conversions / treatment.n
  const pc = control.conversions / control.n
  const se = Math.sqrt((pt * (1 - pt)) / treatment.n + (pc * (1 - pc)) / control.n)
  if (!(se > 0)) {
    const conv = treatment.conversions + control.conversions
    return sentinel(method, pt - pc, options, conv === 0 ? "no-conversions" : conv === treatment.n + control.n ? "all-converted" : "zero-variance")
  }
  return decide(method, pt - pc, se, options, normalSf, normalQuantile(1 - (options.alpha ?? 0.05)))
}

/**
 * Non-inferiority for a cluster-randomized arm pair (see `compareClusterRatios`): the difference
 * of per-analysis-unit means with the cluster-robust SE, Student t with C_T + C_C − 2 df:
 * p = P(T_df > t), bound = Δ ∓ t_{1−α,df}·se. Reference: Donner & Klar (2000), ch. 6.
 */
export const nonInferiorityClusters = (treatment: RatioStats, control: RatioStats, options: NonInferiorityOptions): NonInferiorityResult => {
  const method = "non-inferiority-cluster-t"
  const parts = clusterParts(treatment, control)
  if (typeof parts === "string") return sentinel(method, 0, options, parts)
  if (!(parts.standardError > 0)) return sentinel(method, parts.estimate, options, "zero-variance")
  const q = studentTQuantile(1 - (options.alpha ?? 0.05), parts.df)
  return decide(method, parts.estimate, parts.standardError, options, (x) => studentTSf(x, parts.df), q, parts.df)
}

/**
 * Non-inferiority from any asymptotically normal estimate Δ with its SE (a quantile difference):
 * p = 1 − Φ(t), bound = Δ ∓ z_{1−α}·se, as the other tests with the normal reference. Degenerate:
 * se not positive → "zero-variance".
 */
export const nonInferiorityNormal = (method: string, estimate: number, se: number, options: NonInferiorityOptions): NonInferiorityResult =>
  se > 0 && Number.isFinite(se)
    ? decide(method, estimate, se, options, normalSf, normalQuantile(1 - (options.alpha ?? 0.05)))
    : sentinel(method, estimate, options, "zero-variance")
