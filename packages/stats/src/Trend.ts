/**
 * The trend of an effect over time: per-period estimates (the effect among the units first exposed
 * in each week) with their known variances, regressed on the period index by weighted least
 * squares with weights 1/variance and the scale fixed at 1 (the variances come from each period's
 * own test, they are not re-estimated from the residuals): slope = Σw(x − x̄_w)(y − ȳ_w) /
 * Σw(x − x̄_w)², se = 1/√(Σw(x − x̄_w)²), z = slope/se against the normal. This is statsmodels'
 * `WLS(y, [1, x], weights = 1/v).fit(cov_type="fixed scale")`. Reference: Hedges & Olkin (1985),
 * *Statistical Methods for Meta-Analysis*, ch. 8 (fixed-effect meta-regression).
 */
import { normalCdf, normalSf } from "./Distributions.js"
import type { Alternative, DegenerateReason } from "./Types.js"

export interface TrendPoint {
  /** The period index (week 0, 1, …; gaps allowed). */
  readonly x: number
  readonly estimate: number
  /** The estimate's variance (se²), > 0. */
  readonly variance: number
}

export interface Trend {
  /** Change of the estimate per period. */
  readonly slope: number
  readonly intercept: number
  readonly standardError: number
  readonly statistic: number
  /** For `alternative`: two-sided, "less" (a falling trend) or "greater". */
  readonly pValue: number
  readonly reason?: DegenerateReason
}

/**
 * The weighted trend of `points` (see the module comment). Degenerate: fewer than 3 points with a
 * positive finite variance → "too-few-units" (two points always fit a line exactly); all at one
 * period → "zero-variance". Both return slope 0, p = 1.
 */
export const weightedTrend = (points: ReadonlyArray<TrendPoint>, alternative: Alternative = "two-sided"): Trend => {
  const usable = points.filter((p) => p.variance > 0 && Number.isFinite(p.variance) && Number.isFinite(p.estimate) && Number.isFinite(p.x))
  const none = (reason: DegenerateReason): Trend => ({ slope: 0, intercept: 0, standardError: Infinity, statistic: 0, pValue: 1, reason })
  if (usable.length < 3) return none("too-few-units")
  let sw = 0
  let swx = 0
  let swy = 0
  for (const p of usable) {
    const w = 1 / p.variance
    sw += w
    swx += w * p.x
    swy += w * p.estimate
  }
  const xbar = swx / sw
  const ybar = swy / sw
  let sxx = 0
  let sxy = 0
  for (const p of usable) {
    const w = 1 / p.variance
    sxx += w * (p.x - xbar) ** 2
    sxy += w * (p.x - xbar) * (p.estimate - ybar)
  }
  if (!(sxx > 0)) return none("zero-variance")
  const slope = sxy / sxx
  const standardError = 1 / Math.sqrt(sxx)
  const statistic = slope / standardError
  const pValue = alternative === "less"
    ? normalCdf(statistic)
    : alternative === "greater"
    ? normalSf(statistic)
    : Math.min(1, 2 * normalSf(Math.abs(statistic)))
  return { slope, intercept: ybar - slope * xbar, standardError, statistic, pValue }
}
