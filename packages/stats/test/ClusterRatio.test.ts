/**
 * Cluster-randomized comparisons against statsmodels and scipy, from the committed generator
 * fixtures/cluster.py (its output: fixtures/cluster.json): per arm statsmodels' cluster-robust
 * variance of the mean per deal (OLS with cov_type="cluster"), the t reference by scipy.
 * Tolerance 1e-9 relative (the same estimator from per-cluster totals here and deal-level rows
 * there, in double precision).
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { compareClusterRatios, nonInferiorityClusters, type RatioStats } from "../src/index.js"

interface Case {
  name: string
  treatment: RatioStats
  control: RatioStats
  estimate: number
  standardError: number
  df: number
  pValue: number
  ci95: [number, number]
  pGreater: number
  pLess: number
  ci90: [number, number]
  nonInferiority: { margin: number; alpha: number; increase: { pValue: number; bound: number }; decrease: { pValue: number; bound: number } }
}

const ref = JSON.parse(readFileSync(new URL("./fixtures/cluster.json", import.meta.url), "utf8")) as { cases: Array<Case> }

const close = (actual: number, expected: number, rel = 1e-9) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)))

describe("compareClusterRatios (statsmodels cluster-robust SE, scipy t)", () => {
  for (const c of ref.cases) {
    it(c.name, () => {
      const two = compareClusterRatios(c.treatment, c.control, 0.05)
      expect(two.method).toBe("cluster-t")
      expect(two.reason).toBeUndefined()
      close(two.estimate, c.estimate)
      close(two.standardError!, c.standardError)
      expect(two.df).toBe(c.df)
      close(two.pValue, c.pValue)
      close(two.ci.lower, c.ci95[0])
      close(two.ci.upper, c.ci95[1])
      close(compareClusterRatios(c.treatment, c.control, 0.05, "greater").pValue, c.pGreater)
      close(compareClusterRatios(c.treatment, c.control, 0.05, "less").pValue, c.pLess)
      const at10 = compareClusterRatios(c.treatment, c.control, 0.1)
      close(at10.ci.lower, c.ci90[0])
      close(at10.ci.upper, c.ci90[1])
      for (const direction of ["increase", "decrease"] as const) {
        const ni = nonInferiorityClusters(c.treatment, c.control, { margin: c.nonInferiority.margin, direction, alpha: c.nonInferiority.alpha })
        close(ni.pValue, c.nonInferiority[direction].pValue)
        close(ni.bound, c.nonInferiority[direction].bound)
        expect(ni.df).toBe(c.df)
      }
    })
  }

  it("swapping the arms negates the estimate and keeps p", () => {
    const c = ref.cases[0]!
    const ab = compareClusterRatios(c.treatment, c.control)
    const ba = compareClusterRatios(c.control, c.treatment)
    close(ba.estimate, -ab.estimate)
    close(ba.pValue, ab.pValue)
  })

  it("degenerate arms return coded reasons", () => {
    const one: RatioStats = { n: 1, sumX: 3, sumY: 10, sumX2: 9, sumY2: 100, sumXY: 30 }
    const empty: RatioStats = { n: 3, sumX: 0, sumY: 0, sumX2: 0, sumY2: 0, sumXY: 0 }
    // three clusters with the same rate 0.3 per deal: no variance between clusters
    const flat: RatioStats = { n: 3, sumX: 9, sumY: 30, sumX2: 27, sumY2: 300, sumXY: 90 }
    const c = ref.cases[0]!
    expect(compareClusterRatios(one, c.control).reason).toBe("too-few-units")
    expect(compareClusterRatios(empty, c.control).reason).toBe("zero-denominator")
    const zero = compareClusterRatios(flat, flat)
    expect(zero.reason).toBe("zero-variance")
    expect(zero.standardError).toBe(0)
    expect(zero.pValue).toBe(1)
    expect(nonInferiorityClusters(one, c.control, { margin: 0.1, direction: "increase" }).reason).toBe("too-few-units")
  })
})
