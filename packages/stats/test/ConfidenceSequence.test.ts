/**
 * The asymptotic confidence sequence against GrowthBook's published test values and the paper's
 * formulas, from the committed generator fixtures/confidence_sequence.py (its output:
 * fixtures/confidence_sequence.json).
 * Tolerances: gbstats' values are rounded to 5 decimals there, so |ours − theirs| ≤ 5e-6; the
 * formula cases 1e-12 relative (the same closed forms in double precision).
 */
import fc from "fast-check"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { asymptoticConfidenceSequence, confidenceSequenceRho, sequentialPower } from "../src/index.js"

interface Fixture {
  gbstats: Array<{
    case: string
    estimate: number
    variance: number
    n: number
    alpha: number
    tuning: number
    expected: { estimate: number; lower: number; upper: number; stddev: number; pValue: number }
  }>
  plans: Array<{ delta: number; varianceSum: number; n: number; alpha: number; tuning: number; power: number }>
  formula: Array<{ estimate: number; variance: number; n: number; alpha: number; tuning: number; rho: number; lower: number; upper: number; pValue: number }>
}
const ref = JSON.parse(readFileSync(new URL("./fixtures/confidence_sequence.json", import.meta.url), "utf8")) as Fixture

const close = (actual: number, expected: number, rel: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1e-300, Math.abs(expected)))

describe("asymptotic confidence sequences (Waudby-Smith et al.; gbstats' sequential method)", () => {
  it.each(ref.gbstats.map((c) => [c.case, c] as const))("matches gbstats' published values: %s", (_, c) => {
    const r = asymptoticConfidenceSequence(c.estimate, c.variance, c.n, { alpha: c.alpha, tuning: c.tuning })
    expect(r.method).toBe("asymptotic-cs")
    const within = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(5e-6)
    within(r.estimate, c.expected.estimate)
    within(r.ci.lower, c.expected.lower)
    within(r.ci.upper, c.expected.upper)
    within(r.standardError!, c.expected.stddev)
    within(r.pValue, c.expected.pValue)
  })

  it("matches the paper's formulas (eqs. 9, 155, 161) to 1e-12", () => {
    for (const c of ref.formula) {
      close(confidenceSequenceRho(c.alpha, c.tuning), c.rho, 1e-12)
      const r = asymptoticConfidenceSequence(c.estimate, c.variance, c.n, { alpha: c.alpha, tuning: c.tuning })
      close(r.ci.lower, c.lower, 1e-12)
      close(r.ci.upper, c.upper, 1e-12)
      close(r.pValue, c.pValue, 1e-12)
    }
  })

  it("p < α exactly when the sequence excludes 0, and the sequence is tightest near N*", () => {
    fc.assert(fc.property(
      fc.double({ min: -2, max: 2, noNaN: true }),
      fc.double({ min: 1e-6, max: 1, noNaN: true }),
      fc.integer({ min: 2, max: 1_000_000 }),
      fc.constantFrom(0.01, 0.05, 0.1),
      (d, v, n, alpha) => {
        const r = asymptoticConfidenceSequence(d, v, n, { alpha, tuning: 5000 })
        const excludes = r.ci.lower > 0 || r.ci.upper < 0
        // away from the boundary the two statements agree (at it, rounding decides)
        const margin = Math.min(Math.abs(r.ci.lower), Math.abs(r.ci.upper)) / (r.ci.upper - r.ci.lower)
        if (margin > 1e-9) expect(r.pValue < alpha).toBe(excludes)
      }
    ))
    // with the per-unit variance held, the width × √n is smallest at n = N*
    const scaled = (n: number, tuning: number) => {
      const r = asymptoticConfidenceSequence(0, 4 / n, n, { tuning })
      return (r.ci.upper - r.ci.lower) * Math.sqrt(n)
    }
    expect(scaled(5000, 5000)).toBeLessThan(scaled(5000, 500))
    expect(scaled(5000, 5000)).toBeLessThan(scaled(5000, 50_000))
  })

  it("is wider than the fixed-horizon interval, and degenerate inputs carry coded reasons", () => {
    const r = asymptoticConfidenceSequence(0.01, 0.0001, 10_000, { tuning: 10_000 })
    expect(r.ci.upper - r.ci.lower).toBeGreaterThan(2 * 1.959963984540054 * 0.01)
    expect(asymptoticConfidenceSequence(0.01, 0, 100).reason).toBe("zero-variance")
    expect(asymptoticConfidenceSequence(0.01, 0, 100).standardError).toBe(0)
    expect(asymptoticConfidenceSequence(0.01, 0.1, 1).reason).toBe("too-few-units")
    expect(asymptoticConfidenceSequence(0.01, 0.1, 100, { tuning: 0 }).reason).toBe("invalid-input")
    expect(asymptoticConfidenceSequence(Number.NaN, 0.1, 100).reason).toBe("invalid-input")
    expect(asymptoticConfidenceSequence(0.01, Infinity, 100).reason).toBe("invalid-input")
  })

  it("plans: the last-look power of the sequence after 2n units (sequentialPower with confidenceSequenceTuning)", () => {
    for (const c of ref.plans) {
      const power = sequentialPower(c.delta, c.varianceSum, c.n, c.delta ** 2, { alpha: c.alpha, confidenceSequenceTuning: c.tuning })
      close(power, c.power, 1e-10)
    }
  })
})
