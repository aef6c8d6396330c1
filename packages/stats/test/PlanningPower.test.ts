/**
 * The planner's power and sample sizes against statsmodels' NormalIndPower (fixed horizon) and an
 * independent scipy evaluation of the always-valid test's last-look power, from the committed
 * generator fixtures/plan_power.py (its output: fixtures/plan_power.json).
 * Tolerances: power 1e-10 absolute (both sides evaluate Φ in double precision); sample sizes
 * exact (statsmodels' continuous n, rounded up); the sequential MDE 1e-9 relative (bisection vs brentq).
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import {
  powerMeans,
  powerProportions,
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
