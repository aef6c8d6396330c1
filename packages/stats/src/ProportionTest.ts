/**
 * Tests and intervals for binomial metrics: two-proportion z-test, Wilson and Newcombe
 * intervals, and the automatic choice between the z-test and Fisher's exact test.
 */
import { normalQuantile } from "./Distributions.js"
import { fisherExact } from "./FisherExact.js"
import { normalComparison } from "./EstimateComparison.js"
import { type Alternative, degenerateComparison, type Comparison, type Interval, type ProportionStats } from "./Types.js"

const rate = (s: ProportionStats): number => (s.n > 0 ? s.conversions / s.n : 0)

/**
 * Two-proportion z-test, treatment − control. Convention: the test statistic uses the pooled
 * SE √(p̂(1 − p̂)(1/n_T + 1/n_C)) with p̂ = (x_T + x_C)/(n_T + n_C) (the null has equal rates);
 * the CI uses the unpooled (Wald) SE √(p_T(1 − p_T)/n_T + p_C(1 − p_C)/n_C); p two-sided,
 * no continuity correction; `alternative` "greater"/"less" gives the one-sided p (statsmodels'
 * "larger"/"smaller") and the one-sided Wald bound. Degenerate: an empty arm → "too-few-units"; no conversions at all
 * → "no-conversions"; every unit converted → "all-converted".
 * Reference: Agresti (2013), Categorical Data Analysis, §3.1; statsmodels proportions_ztest.
 */
export const twoProportionZTest = (
  treatment: ProportionStats,
  control: ProportionStats,
  alpha = 0.05,
  alternative: Alternative = "two-sided"
): Comparison => {
  const method = "z-test"
  const pt = rate(treatment)
  const pc = rate(control)
  const estimate = pt - pc
  if (treatment.n < 1 || control.n < 1) return degenerateComparison(method, estimate, "too-few-units")
  const pooled = (treatment.conversions + control.conversions) / (treatment.n + control.n)
  if (pooled === 0) return degenerateComparison(method, estimate, "no-conversions")
  if (pooled === 1) return degenerateComparison(method, estimate, "all-converted")
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / treatment.n + 1 / control.n))
  const se = Math.sqrt((pt * (1 - pt)) / treatment.n + (pc * (1 - pc)) / control.n)
  return normalComparison(method, estimate, se, alpha, sePooled, alternative)
}

/**
 * Wilson score interval for one proportion at confidence 1 − alpha:
 * (p + z²/2n ± z√(p(1 − p)/n + z²/4n²)) / (1 + z²/n), z = Φ⁻¹(1 − α/2). For n = 0 returns [0, 1].
 * Reference: Wilson (1927), JASA 22:209–212; statsmodels proportion_confint(method="wilson").
 */
export const wilsonInterval = (s: ProportionStats, alpha = 0.05): Interval => {
  if (s.n <= 0) return { lower: 0, upper: 1 }
  const z = normalQuantile(1 - alpha / 2)
  const p = s.conversions / s.n
  const z2n = (z * z) / s.n
  const center = (p + z2n / 2) / (1 + z2n)
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / s.n + (z * z) / (4 * s.n * s.n))
  return { lower: Math.max(0, center - half), upper: Math.min(1, center + half) }
}

/**
 * Newcombe's hybrid score interval for p_T − p_C (method 10): with Wilson limits (l_T, u_T),
 * (l_C, u_C), lower = Δ − √((p_T − l_T)² + (u_C − p_C)²), upper = Δ + √((u_T − p_T)² + (p_C − l_C)²).
 * Well-behaved at 0 and n conversions. Reference: Newcombe (1998), Stat Med 17:873–890.
 */
export const newcombeInterval = (treatment: ProportionStats, control: ProportionStats, alpha = 0.05): Interval => {
  const pt = rate(treatment)
  const pc = rate(control)
  const t = wilsonInterval(treatment, alpha)
  const c = wilsonInterval(control, alpha)
  const d = pt - pc
  return {
    lower: d - Math.sqrt((pt - t.lower) ** 2 + (c.upper - pc) ** 2),
    upper: d + Math.sqrt((t.upper - pt) ** 2 + (pc - c.lower) ** 2)
  }
}

/** Smallest expected cell count of the 2×2 table (conversions, non-conversions) × (arms). */
export const minExpectedCount = (treatment: ProportionStats, control: ProportionStats): number => {
  const total = treatment.n + control.n
  if (total === 0) return 0
  const conv = treatment.conversions + control.conversions
  const minRow = Math.min(treatment.n, control.n)
  const minCol = Math.min(conv, total - conv)
  return (minRow * minCol) / total
}

/**
 * Compares two proportions, choosing the method by Cochran's rule: if any expected cell count
 * of the 2×2 table is below 5, Fisher's exact test (two-sided, scipy convention) with the
 * Newcombe interval; otherwise the two-proportion z-test (pooled SE for the test, unpooled
 * Wald CI). `method` in the result names the choice. One-sided (`alternative`): Fisher's
 * one-sided p with the Newcombe bound at 2α (the one-sided 1 − α bound), or the one-sided z-test.
 * Reference: Cochran (1954), Biometrics 10:417–451.
 */
export const compareProportions = (
  treatment: ProportionStats,
  control: ProportionStats,
  alpha = 0.05,
  alternative: Alternative = "two-sided"
): Comparison => {
  if (minExpectedCount(treatment, control) < 5) {
    const estimate = rate(treatment) - rate(control)
    if (treatment.n < 1 || control.n < 1) return degenerateComparison("fisher-exact", estimate, "too-few-units")
    const newcombe = newcombeInterval(treatment, control, alternative === "two-sided" ? alpha : 2 * alpha)
    const ci = alternative === "two-sided"
      ? newcombe
      : alternative === "greater"
      ? { lower: newcombe.lower, upper: Infinity }
      : { lower: -Infinity, upper: newcombe.upper }
    const conv = treatment.conversions + control.conversions
    const fisher = fisherExact(treatment, control, alternative)
    const base = { method: "fisher-exact", estimate, ci, pValue: fisher.pValue }
    if (conv === 0) return { ...base, reason: "no-conversions" }
    if (conv === treatment.n + control.n) return { ...base, reason: "all-converted" }
    return base
  }
  return twoProportionZTest(treatment, control, alpha, alternative)
}
