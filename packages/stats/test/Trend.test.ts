/**
 * The weighted trend of per-week effects against statsmodels' WLS (its default fit, the
 * Knapp–Hartung scale and t(k − 2)), from the committed generator
 * fixtures/trend.py (its output: fixtures/trend.json). Tolerance 1e-10 relative (closed forms in
 * double precision on both sides; the t tails through @stdlib vs scipy to ~1e-12).
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
  fixedScaleStandardError: number
  dispersion: number
  standardError: number
  df: number
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
      close(t.dispersion, c.dispersion)
      expect(t.df).toBe(c.df)
      close(t.standardError, c.fixedScaleStandardError * Math.sqrt(c.dispersion))
      close(t.pValue, c.pValue)
      close(weightedTrend(points, "less").pValue, c.pLess)
      close(weightedTrend(points, "greater").pValue, c.pGreater)
    })
  }

  it("degenerate series return coded reasons, p = 1", () => {
    expect(weightedTrend([{ x: 0, estimate: 1, variance: 1 }, { x: 1, estimate: 2, variance: 1 }]).reason).toBe("too-few-units")
    expect(weightedTrend([0, 0, 0].map((x) => ({ x, estimate: x, variance: 1 }))).reason).toBe("zero-variance")
    // on an exact line: the slope, but no spread to test it against
    const line = weightedTrend([0, 1, 2, 3].map((x) => ({ x, estimate: 2 - 0.5 * x, variance: 1 })))
    expect(line).toMatchObject({ reason: "zero-variance", slope: -0.5, pValue: 1 })
    // a point without a usable variance is left out
    expect(weightedTrend([{ x: 0, estimate: 1, variance: 0 }, { x: 1, estimate: 2, variance: 1 }, { x: 2, estimate: 2, variance: 1 }]).reason).toBe("too-few-units")
  })
})
