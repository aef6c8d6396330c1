/**
 * Quantile differences against the committed generator fixtures/quantile.py (numpy's type-7
 * quantile, scipy's exact binomial coverage of the order statistics; its output:
 * fixtures/quantile.json), and statpsych's published `ci.median2` examples as printed there.
 * Tolerances: 1e-10 relative (the same closed forms; the binomial CDF through @stdlib's incomplete
 * beta vs scipy's), statpsych's figures to their 7 printed digits.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { binomialCdf, compareQuantiles, quantileStandardError, sampleQuantile } from "../src/index.js"

interface Case {
  name: string
  q: number
  treatment: Array<number>
  control: Array<number>
  quantileTreatment: number
  quantileControl: number
  standardErrorTreatment: number
  standardErrorControl: number
  estimate: number
  standardError: number
  lower: number
  upper: number
  pValue: number
  pLess: number
  pGreater: number
}
const ref = JSON.parse(readFileSync(new URL("./fixtures/quantile.json", import.meta.url), "utf8")) as { cases: Array<Case> }
const close = (a: number, b: number, rel = 1e-10) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)))
const sorted = (xs: ReadonlyArray<number>) => Float64Array.from(xs).sort()

describe("compareQuantiles (order-statistic SE, Bonett & Price generalized)", () => {
  for (const c of ref.cases) {
    it(c.name, () => {
      const t = sorted(c.treatment)
      const k = sorted(c.control)
      close(sampleQuantile(t, c.q), c.quantileTreatment)
      close(sampleQuantile(k, c.q), c.quantileControl)
      close(quantileStandardError(t, c.q), c.standardErrorTreatment)
      close(quantileStandardError(k, c.q), c.standardErrorControl)
      const r = compareQuantiles(t, k, c.q)
      expect(r.method).toBe("quantile-difference")
      close(r.estimate, c.estimate)
      close(r.standardError!, c.standardError)
      close(r.ci.lower, c.lower)
      close(r.ci.upper, c.upper)
      close(r.pValue, c.pValue)
      close(compareQuantiles(t, k, c.q, 0.05, "less").pValue, c.pLess)
      close(compareQuantiles(t, k, c.q, 0.05, "greater").pValue, c.pGreater)
    })
  }

  it("statpsych's published ci.median2 values (group 1 − group 2), to the digits printed", () => {
    const [one, two] = ref.cases
    const a = compareQuantiles(sorted(one!.treatment), sorted(one!.control), 0.5)
    expect(a.estimate).toBe(-8.5)
    expect(a.standardError!).toBeCloseTo(4.316291, 6)
    expect(a.ci.lower).toBeCloseTo(-16.95977, 5)
    expect(a.ci.upper).toBeCloseTo(-0.04022524, 7)
    const b = compareQuantiles(sorted(two!.treatment), sorted(two!.control), 0.5)
    expect(b.estimate).toBe(-85)
    expect(b.standardError!).toBeCloseTo(37.11502, 5)
    expect(b.ci.lower).toBeCloseTo(-157.7441, 4)
    expect(b.ci.upper).toBeCloseTo(-12.25589, 5)
  })

  it("the binomial CDF through the incomplete beta, and degenerate arms with coded reasons", () => {
    expect(binomialCdf(-1, 10, 0.3)).toBe(0)
    expect(binomialCdf(10, 10, 0.3)).toBe(1)
    close(binomialCdf(3, 10, 0.3), 0.6496107184000002, 1e-12) // scipy.stats.binom.cdf(3, 10, 0.3)
    expect(compareQuantiles(sorted([1, 2, 3]), sorted(ref.cases[0]!.control), 0.5).reason).toBe("too-few-units")
    const flat = new Float64Array(50).fill(7)
    expect(compareQuantiles(flat, flat, 0.9)).toMatchObject({ reason: "zero-variance", standardError: 0, pValue: 1 })
  })
})
