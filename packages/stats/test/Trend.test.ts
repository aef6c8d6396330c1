/**
 * The weighted trend of per-week effects against statsmodels' WLS with fixed scale, from the
 * committed generator fixtures/trend.py (its output: fixtures/trend.json). Tolerance 1e-10
 * relative (closed forms in double precision on both sides).
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { weightedTrend } from "../src/index.js"

interface Case {
  name: string
  weeks: Array<number>
  estimates: Array<number>
  variances: Array<number>
  intercept: number
  slope: number
  standardError: number
  pValue: number
  pLess: number
  pGreater: number
}
const ref = JSON.parse(readFileSync(new URL("./fixtures/trend.json", import.meta.url), "utf8")) as { cases: Array<Case> }
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-10 * Math.max(1e-3, Math.abs(b)))

describe("weightedTrend (statsmodels WLS, cov_type='fixed scale')", () => {
  for (const c of ref.cases) {
    it(c.name, () => {
      const points = c.weeks.map((x, i) => ({ x, estimate: c.estimates[i]!, variance: c.variances[i]! }))
      const t = weightedTrend(points)
      close(t.slope, c.slope)
      close(t.intercept, c.intercept)
      close(t.standardError, c.standardError)
      close(t.pValue, c.pValue)
      close(weightedTrend(points, "less").pValue, c.pLess)
      close(weightedTrend(points, "greater").pValue, c.pGreater)
    })
  }

  it("degenerate series return coded reasons, p = 1", () => {
    expect(weightedTrend([{ x: 0, estimate: 1, variance: 1 }, { x: 1, estimate: 2, variance: 1 }]).reason).toBe("too-few-units")
    expect(weightedTrend([0, 0, 0].map((x) => ({ x, estimate: x, variance: 1 }))).reason).toBe("zero-variance")
    // a point without a usable variance is left out
    expect(weightedTrend([{ x: 0, estimate: 1, variance: 0 }, { x: 1, estimate: 2, variance: 1 }, { x: 2, estimate: 2, variance: 1 }]).reason).toBe("too-few-units")
  })
})
