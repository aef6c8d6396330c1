/**
 * The planner's power and sample sizes against statsmodels' NormalIndPower (fixed horizon) and an
 * independent scipy evaluation of the always-valid test's last-look power, from the committed
 * generator fixtures/plan_power.py (its output: fixtures/plan_power.json).
 * Tolerances: power 1e-10 absolute (both sides evaluate Φ in double precision); sample sizes
 * exact (statsmodels' continuous n, rounded up); the sequential MDE 1e-9 relative (bisection vs brentq);
 * the cluster-level t's power against TTestIndPower (scipy's noncentral t) 1e-9 absolute.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import {
  clusterPower,
  powerMeans,
  powerProportions,
  powerTwoSided,
  sampleSizeMeans,
  sampleSizeProportions,
  sequentialMde,
  sequentialPower,
  sequentialSampleSize
} from "../src/index.js"

interface Fixed {
  kind: "proportion" | "mean"
  a: number
  delta: number
  n: number
  alpha: number
  comparisons: number
  target: number
  power: number
  nContinuous: number
}
interface Sequential {
  delta: number
  varianceSum: number
  tau2: number
  alpha: number
  target: number
  n: number
  power: number
  nNeeded: number
  mdeAtN: number
}
const reference = JSON.parse(readFileSync(new URL("./fixtures/plan_power.json", import.meta.url), "utf8")) as {
  fixed: Array<Fixed>
  sequential: Array<Sequential>
}

describe("fixed-horizon power and sample size vs statsmodels NormalIndPower", () => {
  it.each(reference.fixed.map((c, i) => [i, c] as const))("case %i", (_i, c) => {
    const options = { alpha: c.alpha, comparisons: c.comparisons, power: c.target }
    const power = c.kind === "proportion" ? powerProportions(c.a, c.delta, c.n, options) : powerMeans(c.a, c.delta, c.n, options)
    expect(Math.abs(power - c.power)).toBeLessThan(1e-10)
    const n = c.kind === "proportion" ? sampleSizeProportions(c.a, c.delta, options) : sampleSizeMeans(c.a, Math.abs(c.delta), options)
    expect(n).toBe(Math.ceil(c.nContinuous))
  })
})

describe("always-valid (mSPRT) last-look power, sample size and MDE vs scipy", () => {
  it.each(reference.sequential.map((c, i) => [i, c] as const))("case %i", (_i, c) => {
    const options = { alpha: c.alpha, power: c.target }
    expect(Math.abs(sequentialPower(c.delta, c.varianceSum, c.n, c.tau2, options) - c.power)).toBeLessThan(1e-10)
    expect(sequentialSampleSize(c.delta, c.varianceSum, c.tau2, options)).toBe(c.nNeeded)
    const mde = sequentialMde(c.varianceSum, c.n, c.tau2, options)
    expect(Math.abs(mde - c.mdeAtN) / c.mdeAtN).toBeLessThan(1e-9)
  })
})

interface ClusterCase {
  baseline: number
  delta: number
  clusterSize: number
  icc: number
  alpha: number
  target: number
  varianceSum: number
  designEffect: number
  nIndependent: number
  clustersPerArm: number
  tPower: number
  tPowerOneSided: number
}

describe("cluster-randomized plans (statsmodels NormalIndPower × design effect, TTestIndPower on cluster means)", () => {
  const cases = (JSON.parse(readFileSync(new URL("./fixtures/plan_power.json", import.meta.url), "utf8")) as { clusters: Array<ClusterCase> }).clusters
  for (const c of cases) {
    it(`p ${c.baseline}, δ ${c.delta}, ${c.clustersPerArm} clusters of ${c.clusterSize}, ICC ${c.icc}`, () => {
      // the individually randomized size, as statsmodels solves it (rounded up)
      expect(sampleSizeProportions(c.baseline, c.delta, { alpha: c.alpha, power: c.target })).toBe(Math.ceil(c.nIndependent))
      // the cluster-level t's power: scipy's noncentral t vs Simpson's rule over the normal, 1e-9 absolute
      const two = clusterPower(c.delta, c.varianceSum, c.clusterSize, c.icc, c.clustersPerArm, { alpha: c.alpha })
      const one = clusterPower(c.delta, c.varianceSum, c.clusterSize, c.icc, c.clustersPerArm, { alpha: c.alpha, sides: 1 })
      expect(Math.abs(two - c.tPower)).toBeLessThan(1e-9)
      expect(Math.abs(one - c.tPowerOneSided)).toBeLessThan(1e-9)
    })
  }

  it("with many clusters the t power tends to the z power at n/DE units", () => {
    const c = cases[0]!
    const k = 2000
    const t = clusterPower(c.delta / 10, c.varianceSum, c.clusterSize, c.icc, k)
    const z = powerTwoSided(c.delta / 10, c.varianceSum, (k * c.clusterSize) / c.designEffect)
    expect(Math.abs(t - z)).toBeLessThan(2e-3)
  })
})
