/**
 * The novelty check: per-week comparisons by the metric's own method, their weighted trend, and
 * when it counts as decaying. The trend itself is checked against statsmodels in
 * packages/stats/test/Trend.test.ts; here the weeks feed it exactly what `compareFixed` says.
 */
import { type Metric } from "@pilotproof/domain"
import { compareProportions, type VariantStats, weightedTrend } from "@pilotproof/stats"
import { describe, expect, it } from "vitest"
import { noveltyOf, type WeekStats } from "../src/index.js"

const metric = (direction: "increase" | "decrease"): Metric =>
  ({ key: "converted", role: "primary", type: "binomial", event: "deal_won", direction, window: { days: 14 } }) as unknown as Metric

const arm = (n: number, conversions: number): VariantStats => ({ _tag: "Moments", moments: { n, sum: conversions, sumSquares: conversions } })

/** Weeks of 1 000 units per arm: control 8 %, treatment conversions as given. */
const weeksOf = (treatment: ReadonlyArray<number>): Array<WeekStats> =>
  treatment.map((t, week) => ({ week, from: `2026-03-${String(2 + 7 * week).padStart(2, "0")}`, stats: { control: arm(1000, 80), bot: arm(1000, t) } }))

const level = { alpha: 0.05, sides: 2 as const }

describe("noveltyOf", () => {
  it("compares each week by the metric's method and weighs the trend by the weeks' variances", () => {
    const weeks = weeksOf([160, 135, 118, 104, 95])
    const n = noveltyOf(metric("increase"), weeks, "control", "bot", level, 0.035)!
    expect(n.weeks.map((w) => [w.week, w.control, w.treatment])).toEqual([[0, 1000, 1000], [1, 1000, 1000], [2, 1000, 1000], [3, 1000, 1000], [4, 1000, 1000]])
    const byWeek = weeks.map((w) => compareProportions({ n: 1000, conversions: (w.stats["bot"]!.moments as { sum: number }).sum }, { n: 1000, conversions: 80 }, 0.05))
    n.weeks.forEach((w, i) => {
      expect(w.estimate).toBeCloseTo(byWeek[i]!.estimate, 12)
      expect(w.ci).toEqual(byWeek[i]!.ci)
    })
    const trend = weightedTrend(n.weeks.map((w) => ({ x: w.week, estimate: w.estimate, variance: w.standardError ** 2 })), "less")
    expect(n.slope).toBe(trend.slope)
    expect(n.pValue).toBe(trend.pValue)
    expect(n.slope).toBeLessThan(0)
    expect(n.decaying).toBe(true)
  })

  it("a steady effect is not decaying; a decrease-good metric decays when its effect rises towards 0", () => {
    expect(noveltyOf(metric("increase"), weeksOf([120, 118, 123, 119]), "control", "bot", level, 0.04)!.decaying).toBe(false)
    // fewer conversions are good here: the treatment starts well below control and drifts back up
    const rising = noveltyOf(metric("decrease"), weeksOf([20, 35, 50, 62, 75]), "control", "bot", level, -0.03)!
    expect(rising.slope).toBeGreaterThan(0)
    expect(rising.decaying).toBe(true)
  })

  it("an unfavourable effect is tested two-sided and never called decaying; fewer than three usable weeks give no check", () => {
    const worse = noveltyOf(metric("increase"), weeksOf([75, 60, 45, 30]), "control", "bot", level, -0.03)!
    expect(worse.decaying).toBe(false)
    const twoSided = weightedTrend(worse.weeks.map((w) => ({ x: w.week, estimate: w.estimate, variance: w.standardError ** 2 })))
    expect(worse.pValue).toBe(twoSided.pValue)
    expect(noveltyOf(metric("increase"), weeksOf([160, 120]), "control", "bot", level, 0.05)).toBeUndefined()
    // a week missing an arm is left out
    const gappy = weeksOf([160, 140, 120]).map((w, i) => (i === 1 ? { ...w, stats: { control: w.stats["control"]! } } : w))
    expect(noveltyOf(metric("increase"), gappy, "control", "bot", level, 0.05)).toBeUndefined()
  })
})
