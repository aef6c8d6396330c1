/**
 * The plain shapes every statistical function in `@pilotproof/stats` takes and returns.
 *
 * Inputs are immutable sufficient statistics per arm (computed by the store in SQL); outputs
 * are plain objects. A two-arm comparison is always treatment − control. A degenerate input
 * (zero variance, no conversions, too few units) never throws and never yields NaN: the result
 * carries a coded `reason`, `pValue = 1`, and an interval of `[-Infinity, Infinity]` unless a
 * narrower one is still valid.
 */

/** A binomial metric for one arm: `conversions` successes out of `n` units. */
export interface ProportionStats {
  readonly n: number
  readonly conversions: number
}

/** A continuous metric for one arm: n, Σx and Σx² over units. */
export interface MeanStats {
  readonly n: number
  readonly sum: number
  readonly sumSquares: number
}

/** A ratio metric ΣX/ΣY for one arm (numerator X, denominator Y per unit) with cross moments. */
export interface RatioStats {
  readonly n: number
  readonly sumX: number
  readonly sumY: number
  readonly sumX2: number
  readonly sumY2: number
  readonly sumXY: number
}

/** A CUPED metric for one arm: outcome Y and pre-period covariate X per unit, with cross moments. */
export interface CupedStats {
  readonly n: number
  readonly sumY: number
  readonly sumY2: number
  readonly sumX: number
  readonly sumX2: number
  readonly sumXY: number
}

/**
 * The alternative hypothesis of a two-arm test on Δ = treatment − control, scipy's convention
 * (`alternative=` of ttest_ind, mannwhitneyu, fisher_exact): "two-sided" Δ ≠ 0, "greater" Δ > 0,
 * "less" Δ < 0. A one-sided test reports a one-sided p-value and a one-sided (1 − α) interval,
 * open on the far side: [L, ∞) for "greater", (−∞, U] for "less".
 */
export type Alternative = "two-sided" | "greater" | "less"

/** The one-sided alternative on the good side of a metric: "greater" when higher is better. */
export const alternativeOf = (direction: "increase" | "decrease"): Alternative => (direction === "increase" ? "greater" : "less")

/** A closed interval; either end may be infinite. */
export interface Interval {
  readonly lower: number
  readonly upper: number
}

/** Why a result is a sentinel rather than a computed value. */
export type DegenerateReason =
  | "zero-variance"
  | "no-conversions"
  | "all-converted"
  | "too-few-units"
  | "unbounded-ci"
  | "zero-denominator"
  | "invalid-input"

/** Result of a two-arm comparison, effect = treatment − control. */
export interface Comparison {
  /** Method used, e.g. "welch-t", "z-test", "fisher-exact". */
  readonly method: string
  /** Absolute difference treatment − control (for ratio metrics: ratio difference). */
  readonly estimate: number
  /** Confidence interval of `estimate` at confidence 1 − alpha. */
  readonly ci: Interval
  /** p-value of the test's alternative (two-sided unless an `alternative` was given). */
  readonly pValue: number
  /** Test statistic (z or t) when the method has one. */
  readonly statistic?: number
  /** Degrees of freedom when the statistic is Student t. */
  readonly df?: number
  /** Standard error of `estimate` when the method has one. */
  readonly standardError?: number
  /** Present only when the input was degenerate. */
  readonly reason?: DegenerateReason
}

/** The whole real line: the interval reported when nothing can be said. */
export const UNBOUNDED: Interval = { lower: -Infinity, upper: Infinity }

/**
 * A sentinel comparison for degenerate input: p = 1, the given interval, the coded reason, and
 * the standard error when it is known (0 for zero variance: the data say so, it is not unknown).
 */
export const degenerateComparison = (
  method: string,
  estimate: number,
  reason: DegenerateReason,
  ci: Interval = UNBOUNDED,
  standardError?: number
): Comparison => ({
  method,
  estimate: Number.isFinite(estimate) ? estimate : 0,
  ci,
  pValue: 1,
  reason,
  ...(standardError !== undefined && Number.isFinite(standardError) && standardError >= 0 ? { standardError } : {})
})
