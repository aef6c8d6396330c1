/**
 * Power at the planned sample size: the size `sampleSizeProportions` plans for a baseline of 8 %
 * and a 20 % relative MDE (8 % → 9.6 %) at α = 0.05, power 0.8; 4 000 pilots with exactly that
 * true lift. The share that rejects (p < 0.05, estimate up) must be within 3 points of 0.8. The same
 * for the sizes the planner gives a one-sided plan and a sequential one (read at its last look,
 * the power the planner promises), and for a cluster-randomized plan's managers: the share of
 * pilots the cluster-level t rejects within 3 points of the planner's `clusterPower`.
 */
import { clusterPower, sampleSizeProportions, sequentialSampleSize } from "@pilotproof/stats"
import { describe, expect, it } from "vitest"
import { aaClusters, power, showRate, table } from "./Simulation.js"

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

  it("sequential plan (mSPRT, τ = the MDE), binomial 0.08 → +20 %: last-look power within 3 points of 0.8 at the sequential planned size", () => {
    const baseline = 0.08
    const delta = baseline * 0.2
    const vsum = baseline * (1 - baseline) + (baseline + delta) * (1 - baseline - delta)
    const n = sequentialSampleSize(delta, vsum, delta * delta, { alpha: 0.05, power: 0.8 })
    const r = power({ pilots: 4000, seed: 406, baseline, delta, n, sequential: true })
    console.log(table("Power, sequential plan at its last look (baseline 0.08, true lift +20 %, mSPRT, α = 0.05)", [
      ["planned n per arm (sequentialSampleSize)", String(n)],
      ["nominal power", "80.00%"],
      ["simulated power", showRate(r)]
    ]))
    expect(Math.abs(r.rate - 0.8)).toBeLessThanOrEqual(0.03)
  })

  it("cluster-randomized plan, 18 managers of 100 deals per arm, ICC 0.03, 0.2 → 0.28: power within 3 points of clusterPower", () => {
    const planned = clusterPower(0.08, 0.2 * 0.8 + 0.28 * 0.72, 100, 0.03, 18)
    const r = aaClusters({ pilots: 4000, seed: 407, clustersPerArm: 18, icc: 0.03, meanSize: 100, p: 0.2, treatmentP: 0.28, equalSizes: true })
    console.log(table("Power, cluster-randomized (18 managers of 100 deals per arm, ICC 0.03, won 0.2 → 0.28)", [
      ["planned power (clusterPower: noncentral t, 34 df)", `${(100 * planned).toFixed(2)}%`],
      ["simulated power (cluster-t)", showRate(r.cluster)]
    ]))
    expect(Math.abs(r.cluster.rate - planned)).toBeLessThanOrEqual(0.03)
  })
})
