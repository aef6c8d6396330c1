/**
 * Cochran's Q across segments against statsmodels' combine_effects, from the committed generator
 * fixtures/heterogeneity.py (its output: fixtures/heterogeneity.json). Tolerance 1e-10 relative
 * (closed forms; the χ² tail through @stdlib vs scipy); I² compared after truncation at 0.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { cochranQ } from "../src/index.js"

interface Case {
  name: string
  estimates: Array<number>
  variances: Array<number>
  q: number
  df: number
  pValue: number
  pooled: number
  pooledStandardError: number
  i2: number
}
const ref = JSON.parse(readFileSync(new URL("./fixtures/heterogeneity.json", import.meta.url), "utf8")) as { cases: Array<Case> }
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(b)))

describe("cochranQ (statsmodels combine_effects)", () => {
  for (const c of ref.cases) {
    it(c.name, () => {
      const h = cochranQ(c.estimates.map((estimate, i) => ({ estimate, variance: c.variances[i]! })))
      close(h.q, c.q)
      expect(h.df).toBe(c.df)
      close(h.pValue, c.pValue)
      close(h.pooled, c.pooled)
      close(h.pooledStandardError, c.pooledStandardError)
      close(h.i2, Math.max(0, c.i2))
    })
  }

  it("one usable segment is no test", () => {
    expect(cochranQ([{ estimate: 1, variance: 1 }, { estimate: 2, variance: 0 }])).toMatchObject({ reason: "too-few-units", pValue: 1 })
  })
})
