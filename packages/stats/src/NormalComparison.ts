/**
 * A two-arm comparison from a normally distributed estimate: the Wald interval
 * estimate ± z_{1−α/2}·se and the two-sided p-value 2(1 − Φ(|estimate / testSe|)). `testSe` is
 * the standard error under the null when it differs from the interval's (the pooled SE of the
 * two-proportion z-test); otherwise the same SE serves both.
 */
import { normalQuantile, normalSf } from "./Distributions.js"
import type { Comparison } from "./Types.js"

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
