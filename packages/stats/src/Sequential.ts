/**
 * Always-valid inference for continuous monitoring: the mixture sequential probability ratio
 * test (mSPRT) with a normal mixing distribution, on the difference of two arms.
 */
import { normalCdf, normalQuantile } from "./Distributions.js"
import { meanOf, varianceOf } from "./Moments.js"
import { type Alternative, degenerateComparison, UNBOUNDED, type Comparison, type MeanStats, type ProportionStats } from "./Types.js"

/** Options of the mSPRT. */
export interface SequentialOptions {
  /** Overall type-I error held over all looks (the CI has coverage 1 − alpha at every look). */
  readonly alpha?: number
  /**
   * τ², variance of the normal mixing distribution on the effect, in squared metric units.
   * Tuning: set τ to the effect size you expect to matter (e.g. the plan's MDE, `τ² = mde²`);
   * the test is most powerful for effects near τ and stays valid for any τ.
   */
  readonly mixingVariance: number
  /** The null effect θ₀ (default 0). */
  readonly nullValue?: number
  /** The always-valid p-value at the previous look; the reported p is the running minimum. */
  readonly previousPValue?: number
  /**
   * "two-sided" (default): normal mixing over all effects. "greater" / "less": the mixture
   * restricted to effects on that side (a half-normal), for a pre-registered one-sided
   * hypothesis; the interval is then one-sided, [L, ∞) or (−∞, U].
   */
  readonly alternative?: Alternative
}

/**
 * ln Λ₊(x) for the half-normal mixture over θ > 0 at x = Δ̂ − θ₀: with the same v and τ² as the
 * two-sided mixture, ∫₀^∞ 2φ(θ/τ)/τ · exp((2θx − θ²)/(2v)) dθ
 *   = 2 · √(v/(v + τ²)) · exp(τ²x²/(2v(v + τ²))) · Φ(τx/√(v(v + τ²))),
 * increasing in x (its derivative is the mixture mean of θ/v · e^{…} > 0).
 */
const logHalfNormalLr = (x: number, v: number, tau2: number): number =>
  Math.log(2) + 0.5 * Math.log(v / (v + tau2)) + (tau2 * x * x) / (2 * v * (v + tau2)) +
  Math.log(normalCdf((Math.sqrt(tau2) * x) / Math.sqrt(v * (v + tau2))))

/**
 * The x* > 0 with Λ₊(x*) = 1/α, by bisection: Λ₊(0) = √(v/(v + τ²)) < 1, and Λ₊(x) ≥ Λ(x) for
 * x ≥ 0, so x* lies below the two-sided half-width `twoSidedHalf`.
 */
const oneSidedHalfWidth = (v: number, tau2: number, alpha: number, twoSidedHalf: number): number => {
  const target = Math.log(1 / alpha)
  let lo = 0
  let hi = twoSidedHalf
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2
    if (logHalfNormalLr(mid, v, tau2) < target) lo = mid
    else hi = mid
  }
  return hi
}

/** mSPRT comparison: a Comparison whose p and CI are always valid, plus the mixture likelihood ratio. */
export interface SequentialResult extends Comparison {
  readonly likelihoodRatio: number
}

/**
 * mSPRT on an estimate Δ̂ with variance v = Var(Δ̂) (normal approximation, v plug-in):
 * Λ = √(v/(v + τ²)) · exp(τ²(Δ̂ − θ₀)² / (2v(v + τ²))); always-valid p = min(1, 1/Λ) (and the
 * running minimum with `previousPValue`); the always-valid CI is {θ : Λ(θ) < 1/α}, i.e.
 * Δ̂ ± √( v(v + τ²)/τ² · (2 ln(1/α) + ln((v + τ²)/v)) ). With v = σ²/n this is Johari et al.'s
 * two-stream normal mSPRT. v = 0 → "zero-variance". One-sided (`alternative` "greater"): the
 * half-normal mixture Λ₊ (see `logHalfNormalLr`), p = min(1, 1/Λ₊(Δ̂ − θ₀)) and the always-valid
 * lower bound Δ̂ − x*, Λ₊(x*) = 1/α; "less" mirrors it (Λ₋(x) = Λ₊(−x), upper bound Δ̂ + x*).
 * Reference: Johari, Koomen, Pekelis & Walsh (2022), "Always Valid Inference: Continuous
 * Monitoring of A/B Tests", Operations Research 70(3):1806–1821 (arXiv:1512.04922).
 */
export const msprt = (estimate: number, variance: number, options: SequentialOptions): SequentialResult => {
  const method = "msprt-normal"
  const alpha = options.alpha ?? 0.05
  const tau2 = options.mixingVariance
  const theta0 = options.nullValue ?? 0
  if (!(variance > 0) || !(tau2 > 0)) {
    const known = variance === 0 ? 0 : undefined
    return { ...degenerateComparison(method, estimate, variance > 0 ? "invalid-input" : "zero-variance", UNBOUNDED, known), likelihoodRatio: 1 }
  }
  const v = variance
  // A variance so small beside τ² that τ²/v overflows (subnormal sums of squares) carries no
  // information the formulas can use: log((v + τ²)/v) is infinite and the half-width 0·∞.
  if (!Number.isFinite(tau2 / v)) {
    return { ...degenerateComparison(method, estimate, "zero-variance"), likelihoodRatio: 1 }
  }
  const d = estimate - theta0
  const alternative = options.alternative ?? "two-sided"
  const logLr = alternative === "two-sided"
    ? 0.5 * Math.log(v / (v + tau2)) + (tau2 * d * d) / (2 * v * (v + tau2))
    : logHalfNormalLr(alternative === "greater" ? d : -d, v, tau2)
  const likelihoodRatio = Math.exp(logLr)
  let p = Math.min(1, Math.exp(-logLr))
  if (options.previousPValue !== undefined) p = Math.min(p, options.previousPValue)
  const half = alwaysValidHalfWidth(v, tau2, alpha, 2)
  const oneSided = alternative === "two-sided" ? half : oneSidedHalfWidth(v, tau2, alpha, half)
  return {
    method,
    estimate,
    ci: alternative === "two-sided"
      ? { lower: estimate - half, upper: estimate + half }
      : alternative === "greater"
      ? { lower: estimate - oneSided, upper: Infinity }
      : { lower: -Infinity, upper: estimate + oneSided },
    pValue: p,
    statistic: d / Math.sqrt(v),
    standardError: Math.sqrt(v),
    likelihoodRatio
  }
}

/**
 * Half-width of mSPRT's always-valid interval at variance v (v, τ² > 0): two-sided
 * h = √(v(v + τ²)/τ² · (2 ln(1/α) + ln((v + τ²)/v))), or, `sides` 1, the one-sided x* of the
 * half-normal mixture (Λ₊(x*) = 1/α). The planner's sequential power reads the same widths.
 */
export const alwaysValidHalfWidth = (v: number, tau2: number, alpha: number, sides: 1 | 2): number => {
  const half = Math.sqrt(((v * (v + tau2)) / tau2) * (2 * Math.log(1 / alpha) + Math.log((v + tau2) / v)))
  return sides === 2 ? half : oneSidedHalfWidth(v, tau2, alpha, half)
}

/** mSPRT for a difference in means: Δ̂ = x̄_T − x̄_C, v = s_T²/n_T + s_C²/n_C. n < 2 → "too-few-units". */
export const sequentialMeans = (treatment: MeanStats, control: MeanStats, options: SequentialOptions): SequentialResult => {
  const estimate = meanOf(treatment) - meanOf(control)
  if (treatment.n < 2 || control.n < 2) {
    return { ...degenerateComparison("msprt-normal", estimate, "too-few-units"), likelihoodRatio: 1 }
  }
  return msprt(estimate, varianceOf(treatment) / treatment.n + varianceOf(control) / control.n, options)
}

/** mSPRT for a difference in proportions: v = p_T(1 − p_T)/n_T + p_C(1 − p_C)/n_C (unpooled). */
export const sequentialProportions = (
  treatment: ProportionStats,
  control: ProportionStats,
  options: SequentialOptions
): SequentialResult => {
  if (treatment.n < 1 || control.n < 1) {
    return { ...degenerateComparison("msprt-normal", 0, "too-few-units"), likelihoodRatio: 1 }
  }
  const pt = treatment.conversions / treatment.n
  const pc = control.conversions / control.n
  const v = (pt * (1 - pt)) / treatment.n + (pc * (1 - pc)) / control.n
  if (!(v > 0)) {
    const conv = treatment.conversions + control.conversions
    const reason = conv === 0 ? "no-conversions" : conv === treatment.n + control.n ? "all-converted" : "zero-variance"
    return { ...degenerateComparison("msprt-normal", pt - pc, reason), likelihoodRatio: 1 }
  }
  return msprt(pt - pc, v, options)
}

/** Fixed-horizon two-sided normal critical value, for comparing widths with the always-valid CI. */
export const fixedHorizonZ = (alpha: number): number => normalQuantile(1 - alpha / 2)

// ---------------------------------------------------------------------------------------------
// Asymptotic confidence sequences (Waudby-Smith et al.; GrowthBook's sequential method)

/** Options of the asymptotic confidence sequence. */
export interface ConfidenceSequenceOptions {
  /** Overall type-I error over all looks (default 0.05). */
  readonly alpha?: number
  /**
   * N*, the total sample size (both arms) at which the sequence is tightest: gbstats'
   * `sequential_tuning_parameter` (its default 5 000). Any N* keeps validity; set it near the
   * units the pilot expects to reach.
   */
  readonly tuning?: number
  /** The null effect θ₀ (default 0). */
  readonly nullValue?: number
}

/** ρ = √((−2 ln α + ln(−2 ln α + 1)) / N*): the mixing scale that makes the sequence tightest at N* (eq. 161). */
export const confidenceSequenceRho = (alpha: number, tuning: number): number =>
  Math.sqrt((-2 * Math.log(alpha) + Math.log(-2 * Math.log(alpha) + 1)) / tuning)

/**
 * Half-width of the two-sided asymptotic confidence sequence after n units (both arms) for an
 * estimate of variance v (the per-unit variance s² = v·n): with ρ from N*,
 * h = √(s²) · √(2(nρ² + 1) · ln(√(nρ² + 1)/α) / (nρ)²) (eq. 9).
 */
export const confidenceSequenceHalfWidth = (variance: number, n: number, alpha: number, tuning: number): number => {
  const rho = confidenceSequenceRho(alpha, tuning)
  const k = n * rho * rho + 1
  return Math.sqrt(variance * n) * Math.sqrt((2 * k * Math.log(Math.sqrt(k) / alpha)) / (n * rho) ** 2)
}

/**
 * The asymptotic confidence sequence of Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas for a
 * difference Δ̂ with variance v after n units in both arms: the interval Δ̂ ± h
 * (`confidenceSequenceHalfWidth`) holds at every look simultaneously with probability ≥ 1 − α as
 * n grows (an asymptotic guarantee, like the CLT behind a z-test). The always-valid p-value is
 * the smallest α whose sequence excludes θ₀, from the e-value
 * E = exp(ρ² n (Δ̂ − θ₀)² / (2v(nρ² + 1))) / √(nρ² + 1), p = min(1, 1/E) (eq. 155) — the same
 * formulas as GrowthBook's gbstats `SequentialTwoSidedTTest`. Degenerate: v ≤ 0 →
 * "zero-variance"; n < 2 → "too-few-units"; N* ≤ 0 or α outside (0, 1) → "invalid-input".
 * Reference: Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas, "Time-uniform central limit theory
 * and asymptotic confidence sequences" (arXiv:2103.06476v7), eqs. 9, 155 and 161.
 */
export const asymptoticConfidenceSequence = (
  estimate: number,
  variance: number,
  n: number,
  options: ConfidenceSequenceOptions = {}
): Comparison => {
  const method = "asymptotic-cs"
  const alpha = options.alpha ?? 0.05
  const tuning = options.tuning ?? 5000
  if (!(tuning > 0) || !(alpha > 0 && alpha < 1) || !Number.isFinite(estimate)) return degenerateComparison(method, estimate, "invalid-input")
  if (!(n >= 2)) return degenerateComparison(method, estimate, "too-few-units")
  if (!(variance > 0) || !Number.isFinite(variance * n)) return degenerateComparison(method, estimate, variance === 0 ? "zero-variance" : "invalid-input", UNBOUNDED, variance === 0 ? 0 : undefined)
  const half = confidenceSequenceHalfWidth(variance, n, alpha, tuning)
  const rho = confidenceSequenceRho(alpha, tuning)
  const k = n * rho * rho + 1
  const d = estimate - (options.nullValue ?? 0)
  const logE = (rho * rho * n * d * d) / (2 * variance * k) - 0.5 * Math.log(k)
  return {
    method,
    estimate,
    ci: { lower: estimate - half, upper: estimate + half },
    pValue: Math.min(1, Math.exp(-logE)),
    statistic: d / Math.sqrt(variance),
    standardError: Math.sqrt(variance)
  }
}
