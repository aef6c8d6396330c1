/**
 * Sample-ratio mismatch (SRM): does the observed split of units match the planned weights?
 */
import { chiSquareSf } from "./Distributions.js"
import type { DegenerateReason } from "./Types.js"

/** Result of the SRM test. */
export interface SampleRatioResult {
  readonly statistic: number
  readonly df: number
  readonly pValue: number
  readonly expected: ReadonlyArray<number>
  readonly reason?: DegenerateReason
}

/**
 * Pearson χ² goodness-of-fit of observed unit counts against planned weights (normalized):
 * E_i = N·w_i/Σw, χ² = Σ (O_i − E_i)²/E_i, df = k − 1, p = P(χ²_{k−1} > χ²). Equals
 * scipy.stats.chisquare(observed, expected). The engine flags SRM at p < 0.001.
 * No units → "too-few-units"; fewer than two arms, a count that is negative or not finite, or a
 * weight that is not positive and finite → "invalid-input"; both with p = 1 (never NaN).
 * Reference: Fabijan et al. (2019), "Diagnosing Sample Ratio Mismatch in Online Controlled
 * Experiments", KDD; Pearson (1900).
 */
export const sampleRatioMismatch = (observed: ReadonlyArray<number>, weights: ReadonlyArray<number>): SampleRatioResult => {
  const k = observed.length
  const total = observed.reduce((a, b) => a + b, 0)
  const wsum = weights.reduce((a, b) => a + b, 0)
  const badCount = observed.some((o) => !Number.isFinite(o) || o < 0)
  if (k < 2 || weights.length !== k || badCount || weights.some((w) => !(w > 0 && Number.isFinite(w)))) {
    return { statistic: 0, df: Math.max(0, k - 1), pValue: 1, expected: observed.map(() => 0), reason: "invalid-input" }
  }
  const expected = weights.map((w) => (total * w) / wsum)
  if (total === 0) return { statistic: 0, df: k - 1, pValue: 1, expected, reason: "too-few-units" }
  let statistic = 0
  for (let i = 0; i < k; i++) statistic += (observed[i]! - expected[i]!) ** 2 / expected[i]!
  return { statistic, df: k - 1, pValue: chiSquareSf(statistic, k - 1), expected }
}
