/**
 * Two-arm comparisons built from an estimate and its standard error: a normal (Wald) one and a
 * Student-t one; each test module adds only how it gets the estimate, SE and df.
 */
import { normalQuantile, normalSf, studentTQuantile, studentTSf } from "./Distributions.js"
import type { Alternative, Comparison, Interval } from "./Types.js"

/**
 * The interval and p-value of a test statistic `stat` for `alternative`: two-sided
 * estimate ± q_{1−α/2}·se with p = 2·sf(|stat|); "greater" [estimate − q_{1−α}·se, ∞) with
 * p = sf(stat); "less" (−∞, estimate + q_{1−α}·se] with p = sf(−stat).
 */
const byAlternative = (
  estimate: number,
  se: number,
  stat: number,
  alpha: number,
  alternative: Alternative,
  quantile: (p: number) => number,
  sf: (x: number) => number
): { readonly ci: Interval; readonly pValue: number } => {
  if (alternative === "two-sided") {
    const q = quantile(1 - alpha / 2)
    return { ci: { lower: estimate - q * se, upper: estimate + q * se }, pValue: Math.min(1, 2 * sf(Math.abs(stat))) }
  }
  const q = quantile(1 - alpha)
  return alternative === "greater"
    ? { ci: { lower: estimate - q * se, upper: Infinity }, pValue: sf(stat) }
    : { ci: { lower: -Infinity, upper: estimate + q * se }, pValue: sf(-stat) }
}

/**
 * A comparison from a normally distributed estimate: the Wald interval
 * estimate ± z_{1−α/2}·se and the two-sided p-value 2(1 − Φ(|estimate / testSe|)), or their
 * one-sided forms for `alternative`. `testSe` is the standard error under the null when it
 * differs from the interval's (the pooled SE of the two-proportion z-test); otherwise the same
 * SE serves both.
 */
export const normalComparison = (
  method: string,
  estimate: number,
  se: number,
  alpha: number,
  testSe = se,
  alternative: Alternative = "two-sided"
): Comparison => {
  const z = estimate / testSe
  return { method, estimate, ...byAlternative(estimate, se, z, alpha, alternative, normalQuantile, normalSf), statistic: z, standardError: se }
}

/**
 * The same from a Student-t distributed estimate with `df` degrees of freedom (Welch, CUPED):
 * estimate ± t_{1−α/2, df}·se, p = 2(1 − T_df(|estimate / se|)), or the one-sided forms.
 */
export const studentComparison = (
  method: string,
  estimate: number,
  se: number,
  df: number,
  alpha: number,
  alternative: Alternative = "two-sided"
): Comparison => {
  const t = estimate / se
  return {
    method,
    estimate,
    ...byAlternative(estimate, se, t, alpha, alternative, (p) => studentTQuantile(p, df), (x) => studentTSf(x, df)),
    statistic: t,
    df,
    standardError: se
  }
}
