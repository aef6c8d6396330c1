/**
 * A scoring model's diagnostics against scikit-learn and scipy, from the committed generator
 * fixtures/scoring.py (its output: fixtures/scoring.json): the AUC (roc_auc_score, and scipy's
 * Mann–Whitney U/(mn)), DeLong's standard error (its brute-force definition over every pair),
 * the Brier score (brier_score_loss), the reliability table (calibration_curve, uniform bins) and
 * the top-decile lift. Tolerance 1e-12 relative: sums of a few thousand doubles on both sides.
 */
import fc from "fast-check"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { aucDeLong, brierScore, normalQuantile, reliabilityTable, topDecileLift } from "../src/index.js"

interface Case {
  name: string
  scores: Array<number>
  outcomes: Array<number>
  auc: number
  aucMannWhitney: number
  aucBrute: number
  standardError: number
  brier: number
  reliability: { observedRate: Array<number>; meanPredicted: Array<number>; units: Array<number> }
  topDecile: { topUnits: number; topRate: number; overallRate: number; lift: number }
}
const ref = JSON.parse(readFileSync(new URL("./fixtures/scoring.json", import.meta.url), "utf8")) as { cases: Array<Case> }
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)))

describe("scoring diagnostics (scikit-learn 1.2, scipy)", () => {
  for (const c of ref.cases) {
    it(c.name, () => {
      const auc = aucDeLong(c.scores, c.outcomes)
      expect(auc.reason).toBeUndefined()
      close(auc.auc, c.auc)
      close(auc.auc, c.aucMannWhitney)
      close(auc.auc, c.aucBrute)
      close(auc.standardError, c.standardError)
      const z = normalQuantile(0.975)
      close(auc.ci.lower, Math.max(0, c.auc - z * c.standardError))
      close(auc.ci.upper, Math.min(1, c.auc + z * c.standardError))
      expect(auc.positives + auc.negatives).toBe(c.scores.length)

      close(brierScore(c.scores, c.outcomes), c.brier)

      const table = reliabilityTable(c.scores, c.outcomes)
      expect(table.map((b) => b.units)).toEqual(c.reliability.units)
      table.forEach((b, i) => {
        close(b.observedRate, c.reliability.observedRate[i]!)
        close(b.meanPredicted, c.reliability.meanPredicted[i]!)
      })

      const lift = topDecileLift(c.scores, c.outcomes)
      expect(lift.topUnits).toBe(c.topDecile.topUnits)
      close(lift.topRate, c.topDecile.topRate)
      close(lift.overallRate, c.topDecile.overallRate)
      close(lift.lift, c.topDecile.lift)
    })
  }

  it("perfect separation: AUC 1 with no spread; reversed scores: AUC 0", () => {
    const scores = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9]
    const outcomes = [0, 0, 0, 1, 1, 1]
    expect(aucDeLong(scores, outcomes)).toMatchObject({ auc: 1, standardError: 0, ci: { lower: 1, upper: 1 } })
    expect(aucDeLong(scores.map((s) => -s), outcomes)).toMatchObject({ auc: 0, standardError: 0 })
  })

  it("undefined or invalid input gives a coded reason, not a number", () => {
    expect(aucDeLong([0.2, 0.4], [0, 0]).reason).toBe("no-conversions")
    expect(aucDeLong([0.2, 0.4], [1, 1]).reason).toBe("all-converted")
    expect(aucDeLong([0.2, 0.4], [1]).reason).toBe("invalid-input")
    expect(aucDeLong([0.2, Number.NaN], [1, 0]).reason).toBe("invalid-input")
    expect(aucDeLong([0.2, 0.4], [1, 2]).reason).toBe("invalid-input")
    expect(brierScore([1.2], [1])).toBeNaN()
    expect(brierScore([], [])).toBeNaN()
    expect(reliabilityTable([0.5, -0.1], [1, 0])).toEqual([])
    expect(topDecileLift([0.3, 0.2], [0, 0]).lift).toBeNaN()
  })

  it("AUC is the share of (positive, negative) pairs the scores order right, ties counted half (property)", () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { minLength: 2, maxLength: 60 }),
      (units) => {
        const scores = units.map(([s]) => s / 20)
        const outcomes = units.map(([, y]) => (y ? 1 : 0))
        const pos = scores.filter((_, i) => outcomes[i] === 1)
        const neg = scores.filter((_, i) => outcomes[i] === 0)
        const result = aucDeLong(scores, outcomes)
        if (pos.length === 0 || neg.length === 0) return result.reason !== undefined
        let pairs = 0
        for (const p of pos) for (const q of neg) pairs += p > q ? 1 : p === q ? 0.5 : 0
        return Math.abs(result.auc - pairs / (pos.length * neg.length)) < 1e-12 && result.ci.lower <= result.auc && result.auc <= result.ci.upper
      }
    ))
  })
})
