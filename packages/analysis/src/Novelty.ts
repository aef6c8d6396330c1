/**
 * The novelty check of a primary metric: does the effect fade as the pilot goes on? The units
 * first exposed in each week form a cohort; each cohort's treatment is compared with its control
 * by the metric's own fixed-horizon method (`compareFixed`), and the weekly estimates are
 * regressed on the week by weighted least squares, weights 1/variance, tested by Knapp–Hartung's
 * t on k − 2 df (stats' `weightedTrend`). When the whole pilot's effect is on the metric's good side, the trend is
 * tested one-sided towards zero (a falling lift for an "increase" metric, a rising one for a
 * "decrease" metric) at the plan's α: a significant slope there is `decaying`, a warning on the
 * decision, never a verdict by itself. Cohorts, not calendar days: a unit's outcome is counted
 * over its own window, so weeks compare like with like (the store leaves out units whose window
 * has not closed). Weeks whose comparison is degenerate are left out; fewer than three usable
 * weeks give no check. Reference: novelty and primacy effects in Kohavi, Tang & Xu (2020),
 * *Trustworthy Online Controlled Experiments*, ch. 23 (measuring long-term treatment effects).
 */
import type { Metric, Novelty, NoveltyWeek } from "@pilotproof/domain"
import { type VariantStats, weightedTrend } from "@pilotproof/stats"
import { compareFixed, summarize } from "./CompareMetric.js"
import type { TestLevel } from "./FixedComparison.js"

/** One exposure week's statistics per variant, as the store returns them. */
export interface WeekStats {
  readonly week: number
  /** The week's first day, ISO date. */
  readonly from: string
  readonly stats: Readonly<Record<string, VariantStats>>
}

/** Fewer usable weeks than this give no novelty check (a line through two points always fits). */
export const MIN_NOVELTY_WEEKS = 3

/**
 * The novelty check of `treatment` against `control` over `weeks`, given the whole pilot's
 * estimate; `undefined` with fewer than three usable weeks.
 */
export const noveltyOf = (
  metric: Metric,
  weeks: ReadonlyArray<WeekStats>,
  control: string,
  treatment: string,
  level: TestLevel,
  overallEstimate: number
): Novelty | undefined => {
  const rows: Array<NoveltyWeek> = []
  for (const w of weeks) {
    const t = w.stats[treatment]
    const c = w.stats[control]
    if (t === undefined || c === undefined) continue
    // each week at the plan's α two-sided: the interval shown, the SE the trend weighs by
    const fixed = compareFixed(metric, t, c, { alpha: level.alpha, sides: 2 })
    if (fixed.comparison.reason !== undefined || !(fixed.standardError > 0)) continue
    rows.push({
      week: w.week,
      from: w.from,
      control: summarize(control, c).n,
      treatment: summarize(treatment, t).n,
      estimate: fixed.comparison.estimate,
      ci: fixed.comparison.ci,
      standardError: fixed.standardError
    })
  }
  if (rows.length < MIN_NOVELTY_WEEKS) return undefined
  const favourable = metric.direction === "increase" ? overallEstimate > 0 : overallEstimate < 0
  const towardsDecay = metric.direction === "increase" ? "less" : "greater"
  const trend = weightedTrend(rows.map((r) => ({ x: r.week, estimate: r.estimate, variance: r.standardError ** 2 })), favourable ? towardsDecay : "two-sided")
  return {
    method: "weighted-trend",
    weeks: rows,
    slope: trend.slope,
    standardError: trend.standardError,
    pValue: trend.pValue,
    decaying: favourable && trend.reason === undefined && trend.pValue < level.alpha,
    ...(trend.reason === undefined ? {} : { degenerate: trend.reason })
  }
}
