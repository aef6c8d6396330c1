/**
 * Welch's unequal-variance t-test for a difference in means from sufficient statistics.
 */
import { studentComparison } from "./EstimateComparison.js"
import { meanOf, varianceOf } from "./Moments.js"
import { type Alternative, degenerateComparison, UNBOUNDED, type Comparison, type MeanStats } from "./Types.js"

/** Standard error and Welch–Satterthwaite degrees of freedom of x̄_T − x̄_C. */
export interface WelchParts {
  readonly estimate: number
  readonly standardError: number
  readonly df: number
}

/**
 * se = √(s_T²/n_T + s_C²/n_C); df = se⁴ / ((s_T²/n_T)²/(n_T − 1) + (s_C²/n_C)²/(n_C − 1))
 * (Welch–Satterthwaite; fractional df kept). Returns `undefined` when either arm has n < 2.
 */
export const welchParts = (treatment: MeanStats, control: MeanStats): WelchParts | undefined => {
  if (treatment.n < 2 || control.n < 2) return undefined
  const a = varianceOf(treatment) / treatment.n
  const b = varianceOf(control) / control.n
  const se2 = a + b
  // df in terms of the shares a/se², b/se² so tiny variances cannot underflow to 0/0
  const fa = se2 > 0 ? a / se2 : 0.5
  const fb = se2 > 0 ? b / se2 : 0.5
  const df = 1 / ((fa * fa) / (treatment.n - 1) + (fb * fb) / (control.n - 1))
  return { estimate: meanOf(treatment) - meanOf(control), standardError: Math.sqrt(se2), df }
}

/**
 * Welch's two-sample t-test, treatment − control. Convention: unpooled variances (n − 1
 * denominators), Welch–Satterthwaite df, two-sided p = 2·P(T_df > |t|), CI = Δ ± t_{1−α/2,df}·se.
 * Equals scipy.stats.ttest_ind(equal_var=False); `alternative` "greater"/"less" gives scipy's
 * one-sided p and the one-sided interval Δ − t_{1−α,df}·se (or Δ + …). Degenerate: n < 2 in an arm → "too-few-units";
 * both variances zero → "zero-variance" (p = 1, CI unbounded).
 * Reference: Welch (1947), Biometrika 34:28–35; Satterthwaite (1946).
 */
export const welchTest = (treatment: MeanStats, control: MeanStats, alpha = 0.05, alternative: Alternative = "two-sided"): Comparison => {
  const method = "welch-t"
  const parts = welchParts(treatment, control)
  if (parts === undefined) return degenerateComparison(method, meanOf(treatment) - meanOf(control), "too-few-units")
  const { estimate, standardError: se, df } = parts
  if (!(se > 0)) return degenerateComparison(method, estimate, "zero-variance", UNBOUNDED, se)
  return studentComparison(method, estimate, se, df, alpha, alternative)
}
