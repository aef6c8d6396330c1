/**
 * Two-arm comparisons built from an estimate and its standard error: a normal (Wald) one and a
 * Student-t one; each test module adds only how it gets the estimate, SE and df.
 */
import { normalQuantile, normalSf, studentTQuantile, studentTSf } from "./Distributions.js"
import type { Comparison } from "./Types.js"

/**
 * A comparison from a normally distributed estimate: the Wald interval
 * estimate ± z_{1−α/2}·se and the two-sided p-value 2(1 − Φ(|estimate / testSe|)). `testSe` is
 * the standard error under the null when it differs from the interval's (the pooled SE of the
 * two-proportion z-test); otherwise the same SE serves both.
 */
export const normalComparison = (method: string, estimate: number, se: number, alpha: number, testSe = se): Comparison => {
  const z = estimate / testSe
  const q = normalQuantile(1 - alpha / 2)
  return {
    method,
    estimate,
    ci: { lower: estimate - q * se, upper: estimate + q * se },
    pValue: Math.min(1, 2 * normalSf(Math.abs(z))),
    statistic: z,
    standardError: se
  }
}

/**
 * The same from a Student-t distributed estimate with `df` degrees of freedom (Welch, CUPED):
 * estimate ± t_{1−α/2, df}·se, p = 2(1 − T_df(|estimate / se|)).
 */
export const studentComparison = (method: string, estimate: number, se: number, df: number, alpha: number): Comparison => {
  const t = estimate / se
  const q = studentTQuantile(1 - alpha / 2, df)
  return {
    method,
    estimate,
    ci: { lower: estimate - q * se, upper: estimate + q * se },
    pValue: Math.min(1, 2 * studentTSf(Math.abs(t), df)),
    statistic: t,
    df,
    standardError: se
  }
}
