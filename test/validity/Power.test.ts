/**
 * Power at the planned sample size: the size `sampleSizeProportions` plans for a baseline of 8 %
 * and a 20 % relative MDE (8 % → 9.6 %) at α = 0.05, power 0.8; 4 000 pilots with exactly that
 * true lift. The share that rejects (p < 0.05, estimate up) must be within 3 points of 0.8.
 */
import { sampleSizeProportions } from "@pilotproof/stats"
import { describe, expect, it } from "vitest"
import { power, showRate, table } from "./Simulation.js"

describe("power at the planned sample size", () => {
  it("binomial 0.08 → +20 %: simulated power within 3 points of 0.8", () => {
    const baseline = 0.08
    const delta = baseline * 0.2
    const n = sampleSizeProportions(baseline, delta, { alpha: 0.05, power: 0.8 })
    const r = power({ pilots: 4000, seed: 404, baseline, delta, n })
    console.log(table("Power (baseline 0.08, true lift +20 % = +0.016, fixed horizon, α = 0.05)", [
      ["planned n per arm (sampleSizeProportions)", String(n)],
      ["nominal power", "80.00%"],
      ["simulated power", showRate(r)]
    ]))
    expect(Math.abs(r.rate - 0.8)).toBeLessThanOrEqual(0.03)
  })

  it("one-sided plan, binomial 0.08 → +20 %: simulated power within 3 points of 0.8 at the one-sided planned size", () => {
    const baseline = 0.08
    const delta = baseline * 0.2
    const n = sampleSizeProportions(baseline, delta, { alpha: 0.05, power: 0.8, sides: 1 })
    const r = power({ pilots: 4000, seed: 405, baseline, delta, n, sides: 1 })
    console.log(table("Power, one-sided plan (baseline 0.08, true lift +20 % = +0.016, fixed horizon, one-sided α = 0.05)", [
      ["planned n per arm (sampleSizeProportions, sides 1)", String(n)],
      ["two-sided planned n, for comparison", String(sampleSizeProportions(baseline, delta, { alpha: 0.05, power: 0.8 }))],
      ["nominal power", "80.00%"],
      ["simulated power", showRate(r)]
    ]))
    expect(Math.abs(r.rate - 0.8)).toBeLessThanOrEqual(0.03)
  })
})
