/**
 * Sample size and minimum detectable effect for two equal arms, two-sided tests, normal
 * approximation (the closed forms of statsmodels' NormalIndPower / the textbook formulas).
 */
import { normalQuantile } from "./Distributions.js"

/** Common planning inputs. */
export interface PlanOptions {
  /** Family-wise two-sided significance level before correction (default 0.05). */
  readonly alpha?: number
  /** Power 1 − β (default 0.8). */
  readonly power?: number
  /** Number of metrics in the family the alpha is shared by (Bonferroni; default 1). */
  readonly comparisons?: number
}

/**
 * Bonferroni convention: each of m comparisons in a family (the success metrics, or the
 * guardrails, each family counted separately) is tested two-sided at α/m.
 * Reference: Dunn (1961), JASA 56:52–64.
 */
export const bonferroniAlpha = (alpha: number, comparisons: number): number => alpha / Math.max(1, comparisons)

const zSum = (o: PlanOptions): number => {
  const a = bonferroniAlpha(o.alpha ?? 0.05, o.comparisons ?? 1)
  return normalQuantile(1 - a / 2) + normalQuantile(o.power ?? 0.8)
}

/**
 * Units per arm to detect an absolute change `mde` from `baseline` rate:
 * n = ⌈(z_{1−α'/2} + z_{1−β})² (p₁(1 − p₁) + p₂(1 − p₂)) / δ²⌉, p₂ = p₁ + δ, α' = α/m.
 * (Unpooled-variance form, as in Fleiss et al. 2003 §4.2 without continuity correction.)
 */
export const sampleSizeProportions = (baseline: number, mde: number, options: PlanOptions = {}): number => {
  const p2 = baseline + mde
  const z = zSum(options)
  return Math.ceil((z * z * (baseline * (1 - baseline) + p2 * (1 - p2))) / (mde * mde))
}

/**
 * Units per arm to detect an absolute difference `mde` in means with common SD `sd`:
 * n = ⌈2σ²(z_{1−α'/2} + z_{1−β})² / δ²⌉, α' = α/m. Reference: Chow, Shao & Wang (2008), §3.2.
 */
export const sampleSizeMeans = (sd: number, mde: number, options: PlanOptions = {}): number => {
  const z = zSum(options)
  return Math.ceil((2 * sd * sd * z * z) / (mde * mde))
}

/** Minimum detectable absolute difference in means with n per arm: δ = (z_{1−α'/2} + z_{1−β})·σ·√(2/n). */
export const mdeMeans = (sd: number, n: number, options: PlanOptions = {}): number => zSum(options) * sd * Math.sqrt(2 / n)

/**
 * Minimum detectable absolute increase δ over `baseline` with n per arm: the root of
 * n·δ² = (z_{1−α'/2} + z_{1−β})² (p₁(1 − p₁) + (p₁ + δ)(1 − p₁ − δ)) in (0, 1 − p₁], by bisection
 * to 1e−12 (iterative). Infinity when even δ = 1 − p₁ is not detectable.
 */
export const mdeProportions = (baseline: number, n: number, options: PlanOptions = {}): number => {
  const z2 = zSum(options) ** 2
  const f = (d: number): number => n * d * d - z2 * (baseline * (1 - baseline) + (baseline + d) * (1 - baseline - d))
  let lo = 0
  let hi = 1 - baseline
  if (f(hi) < 0) return Infinity
  for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2
    if (f(mid) < 0) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}
