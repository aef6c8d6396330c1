/**
 * Peeking: A/A pilots looked at every day for 20 days. The always-valid sequential analysis
 * (the plan's `sequential: true`, mSPRT) may stop falsely at most α of the time; stopping at the
 * first daily fixed-horizon p < 0.05 does not hold α.
 * - binomial: 2 000 pilots, p = 0.08, +100 units per arm a day (2 000 per arm at day 20);
 * - log-normal duration: 2 000 pilots, median 12 min, σ = 0.9, +25 units per arm a day (500);
 * - a one-sided plan (`sides: 1`, the half-normal mixture) on the binomial pilots;
 * - the asymptotic confidence sequence (`sequentialMethod: asymptotic-cs`) on both metrics.
 */
import { describe, expect, it } from "vitest"
import { peeking, showRate, table } from "./Simulation.js"

const check = (title: string, r: ReturnType<typeof peeking>) => {
  console.log(table(title, [
    [`sequential plan (${r.sequentialMethod})`, showRate(r.sequential)],
    ["naive: fixed-horizon test every day", showRate(r.naive)],
    ["fixed-horizon test at day 20 only", showRate(r.finalLookOnly)]
  ]))
  expect(r.sequential.rate).toBeLessThanOrEqual(0.05 + 2 * r.sequential.se)
  expect(r.naive.rate).toBeGreaterThan(0.08)
}

describe("peeking: 20 daily looks at A/A pilots", () => {
  it("binomial: mSPRT stops falsely ≤ α + 2 SE; naive daily fixed-horizon testing > 8 %", () => {
    check(
      "Peeking, binomial (A/A, p = 0.08, +100 units per arm a day, 20 looks; false stop = first look with p < 0.05)",
      peeking({ pilots: 2000, seed: 303, metric: { p: 0.08 }, perDay: 100, looks: 20, mde: 0.2 })
    )
  })

  it("log-normal duration: mSPRT stops falsely ≤ α + 2 SE; naive daily fixed-horizon testing > 8 %", () => {
    check(
      "Peeking, log-normal duration (A/A, median 12 min, σ = 0.9, +25 units per arm a day, 20 looks)",
      peeking({ pilots: 2000, seed: 304, metric: { median: 12, sigma: 0.9 }, perDay: 25, looks: 20, mde: 0.1 })
    )
  })

  it("one-sided plan, binomial: the half-normal mSPRT stops falsely ≤ α + 2 SE; naive one-sided daily testing > 8 %", () => {
    check(
      "Peeking, binomial, one-sided plan (A/A, p = 0.08, +100 units per arm a day, 20 looks; false stop = first look with one-sided p < 0.05)",
      peeking({ pilots: 2000, seed: 305, metric: { p: 0.08 }, perDay: 100, looks: 20, mde: 0.2, sides: 1 })
    )
  })

  it("binomial, asymptotic confidence sequence (N* = 4 000, the units at day 20): stops falsely ≤ α + 2 SE", () => {
    check(
      "Peeking, binomial, asymptotic confidence sequence N* = 4 000 (A/A, p = 0.08, +100 units per arm a day, 20 looks)",
      peeking({ pilots: 2000, seed: 306, metric: { p: 0.08 }, perDay: 100, looks: 20, mde: 0.2, sequentialMethod: { _tag: "asymptotic-cs", tuning: 4000 } })
    )
  })

  it("log-normal duration, asymptotic confidence sequence (N* = 1 000): stops falsely ≤ α + 2 SE", () => {
    check(
      "Peeking, log-normal duration, asymptotic confidence sequence N* = 1 000 (A/A, median 12 min, σ = 0.9, +25 units per arm a day, 20 looks)",
      peeking({ pilots: 2000, seed: 307, metric: { median: 12, sigma: 0.9 }, perDay: 25, looks: 20, mde: 0.1, sequentialMethod: { _tag: "asymptotic-cs", tuning: 1000 } })
    )
  })
})
