/**
 * Does an effect differ between segments (operator tenure, region, lead source)? Given each
 * segment's effect estimate y_i with its variance v_i (independent segments: disjoint units),
 * Cochran's Q = Σ w_i (y_i − ȳ)², w_i = 1/v_i, ȳ = Σ w_i y_i / Σ w_i (the inverse-variance mean),
 * is χ² with k − 1 degrees of freedom when the effect is the same in every segment: the
 * interaction (subgroup) test of a meta-analysis. I² = max(0, (Q − (k − 1))/Q) is the share of the
 * spread beyond chance. This is statsmodels' `combine_effects(y, v)`: `.q`, `.test_homogeneity()`,
 * `.mean_effect_fe`, `.sd_eff_w_fe` (its `.i2` is not truncated at 0). References: Cochran (1954),
 * Biometrics 10:101; Higgins & Thompson (2002), Statistics in Medicine 21:1539.
 */
import { chiSquareSf } from "./Distributions.js"
import type { DegenerateReason } from "./Types.js"

export interface SegmentEffect {
  readonly estimate: number
  /** The estimate's variance (se²), > 0. */
  readonly variance: number
}

export interface Heterogeneity {
  readonly q: number
  /** k − 1 for k usable segments. */
  readonly df: number
  readonly pValue: number
  /** The inverse-variance (fixed-effect) mean of the segments' effects and its SE. */
  readonly pooled: number
  readonly pooledStandardError: number
  readonly i2: number
  readonly reason?: DegenerateReason
}

/**
 * Cochran's Q across `segments` (see the module comment). Segments without a positive finite
 * variance are left out; fewer than two usable → "too-few-units" with p = 1.
 */
export const cochranQ = (segments: ReadonlyArray<SegmentEffect>): Heterogeneity => {
  const usable = segments.filter((s) => s.variance > 0 && Number.isFinite(s.variance) && Number.isFinite(s.estimate))
  if (usable.length < 2) return { q: 0, df: 0, pValue: 1, pooled: 0, pooledStandardError: Infinity, i2: 0, reason: "too-few-units" }
  let sw = 0
  let swy = 0
  for (const s of usable) {
    sw += 1 / s.variance
    swy += s.estimate / s.variance
  }
  const pooled = swy / sw
  let q = 0
  for (const s of usable) q += (s.estimate - pooled) ** 2 / s.variance
  const df = usable.length - 1
  return { q, df, pValue: chiSquareSf(q, df), pooled, pooledStandardError: 1 / Math.sqrt(sw), i2: q > 0 ? Math.max(0, (q - df) / q) : 0 }
}
