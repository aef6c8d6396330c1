/**
 * The novelty check's error rates: 4 000 simulated pilots per case, six weekly cohorts of 1 000
 * units per arm, a binomial primary at 8 % in control. With a steady lift (or none) the share
 * flagged as fading must stay at most 5 % + 2 MC SE (the trend is tested one-sided at α = 0.05,
 * only when the effect is favourable); with a lift that keeps 80 % or 60 % of itself each week the
 * share flagged is the check's power, printed for docs/validity.md.
 */
import { describe, expect, it } from "vitest"
import { nominalSe, noveltyFlags, showRate, table } from "./Simulation.js"

const PILOTS = 4000

describe("the novelty check", () => {
  it("flags a steady effect, or none, as fading at most α of the time", () => {
    const steady = noveltyFlags({ pilots: PILOTS, seed: 601, weeks: 6, perWeek: 1000, p: 0.08, lift: 0.5, fade: 1 })
    const none = noveltyFlags({ pilots: PILOTS, seed: 602, weeks: 6, perWeek: 1000, p: 0.08, lift: 0, fade: 1 })
    console.log(table("Novelty check, six weekly cohorts of 1 000 units per arm, rate 0.08: flagged as fading", [
      ["steady lift +50 %", showRate(steady)],
      ["no effect (A/A)", showRate(none)]
    ]))
    for (const r of [steady, none]) expect(r.rate).toBeLessThanOrEqual(0.05 + 2 * nominalSe(0.05, PILOTS))
  })

  it("flags a fading lift (+50 %, keeping 80 % or 60 % of itself a week) as its power allows", () => {
    const slow = noveltyFlags({ pilots: PILOTS, seed: 603, weeks: 6, perWeek: 1000, p: 0.08, lift: 0.5, fade: 0.8 })
    const fast = noveltyFlags({ pilots: PILOTS, seed: 604, weeks: 6, perWeek: 1000, p: 0.08, lift: 0.5, fade: 0.6 })
    console.log(table("Novelty check, six weekly cohorts of 1 000 units per arm, rate 0.08, lift +50 % at first: flagged as fading", [
      ["lift × 0.8 a week", showRate(slow)],
      ["lift × 0.6 a week", showRate(fast)]
    ]))
    expect(fast.rate).toBeGreaterThan(slow.rate)
    expect(slow.rate).toBeGreaterThan(0.3)
  })
})
