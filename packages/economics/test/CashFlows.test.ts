import { describe, expect, it } from "vitest"
import { cashFlows, evaluate, monthlyRate, npv } from "../src/index.js"
import { exampleEffects, exampleModel, handEffects, handModel, ok, reference } from "./fixtures/Models.js"

/*
 * The hand-computed table. Model: 6 months, monthly rate exactly 1 % (annual 1.01^12 − 1),
 * contingency 10 % (k = 1.1), 1000 units/month ramped linearly over 2 months, one-time 20 000,
 * monthly 2 000, per unit 1. Values: converted 500 (increase), handle_minutes 2 (decrease).
 * Effects: converted +0.02, handle_minutes −1 → u = 500·0.02 + 2·1 = 12 per unit.
 *
 * t  volume  benefit   cost                      net      cumulative   1.01^−t       disc. net      cum. disc.
 * 0     0        0    1.1·20000        = 22000  −22000    −22000       1             −22000         −22000
 * 1   500     6000    1.1·(2000+500)   =  2750    3250    −18750       0.9900990099    3217.821782  −18782.178218
 * 2  1000    12000    1.1·(2000+1000)  =  3300    8700    −10050       0.9802960494    8528.575630  −10253.602588
 * 3  1000    12000                        3300    8700     −1350       0.9705901479    8444.134287   −1809.468301
 * 4  1000    12000                        3300    8700      7350       0.9609803445    8360.528997    6551.060696
 * 5  1000    12000                        3300    8700     16050       0.9514656876    8277.751482   14828.812178
 * 6  1000    12000                        3300    8700     24750       0.9420452353    8195.793547   23024.605725
 *
 * NPV = 23 024.605725.  Σ benefit = 66 000, Σ cost = 41 250 → ROI = 24 750 / 41 250 = 0.6.
 * Payback: cum₃ = −1350 < 0 ≤ cum₄ → 3 + 1350 / 8700 = 3.155172.
 * Discounted payback: 3 + 1809.468301 / 8360.528997 = 3.216430.
 */
const HAND_ROWS = [
  { month: 0, volume: 0, benefit: 0, cost: 22000, net: -22000, cumulative: -22000, cumulativeDiscounted: -22000 },
  { month: 1, volume: 500, benefit: 6000, cost: 2750, net: 3250, cumulative: -18750, cumulativeDiscounted: -18782.178218 },
  { month: 2, volume: 1000, benefit: 12000, cost: 3300, net: 8700, cumulative: -10050, cumulativeDiscounted: -10253.602588 },
  { month: 3, volume: 1000, benefit: 12000, cost: 3300, net: 8700, cumulative: -1350, cumulativeDiscounted: -1809.468301 },
  { month: 4, volume: 1000, benefit: 12000, cost: 3300, net: 8700, cumulative: 7350, cumulativeDiscounted: 6551.060696 },
  { month: 5, volume: 1000, benefit: 12000, cost: 3300, net: 8700, cumulative: 16050, cumulativeDiscounted: 14828.812178 },
  { month: 6, volume: 1000, benefit: 12000, cost: 3300, net: 8700, cumulative: 24750, cumulativeDiscounted: 23024.605725 }
]

describe("cashFlows: the hand-computed 6-month table", () => {
  const table = ok(cashFlows(handModel, handEffects))

  it("converts the annual rate to exactly 1 % a month", () => {
    expect(table.monthlyRate).toBeCloseTo(0.01, 14)
    expect(monthlyRate(0.16)).toBeCloseTo(Math.pow(1.16, 1 / 12) - 1, 15)
  })

  it("matches every row of the hand table", () => {
    expect(table.benefitPerUnit).toBeCloseTo(12, 12)
    expect(table.rows).toHaveLength(7)
    HAND_ROWS.forEach((expected, t) => {
      const row = table.rows[t]!
      expect(row.month).toBe(expected.month)
      expect(row.volume).toBeCloseTo(expected.volume, 9)
      expect(row.benefit).toBeCloseTo(expected.benefit, 6)
      expect(row.cost).toBeCloseTo(expected.cost, 6)
      expect(row.net).toBeCloseTo(expected.net, 6)
      expect(row.cumulative).toBeCloseTo(expected.cumulative, 6)
      expect(row.cumulativeDiscounted).toBeCloseTo(expected.cumulativeDiscounted, 5)
    })
  })

  it("gives the hand NPV, ROI and paybacks", () => {
    const result = ok(evaluate(handModel, handEffects))
    expect(result.npv).toBeCloseTo(23024.605725, 5)
    expect(npv(table.rows.map((r) => r.net), handModel.annualDiscountRate)).toBeCloseTo(23024.605725, 5)
    const roi = ok(result.roi)
    expect(roi.simple).toBeCloseTo(0.6, 12)
    expect(ok(result.payback).months).toBeCloseTo(3 + 1350 / 8700, 12)
    expect(ok(result.discountedPayback).months).toBeCloseTo(3 + 1809.468301 / 8360.528997, 8)
    expect(result.paybackWithinTarget).toBe(true) // 3.16 ≤ 4
  })

  it("agrees with the scipy reference (fixtures/generate.py) to 1e-9 relative", () => {
    const ref = reference.hand
    const result = ok(evaluate(handModel, handEffects))
    expect(result.npv).toBeCloseTo(ref.npv, 6)
    const roi = ok(result.roi)
    expect(roi.simple).toBeCloseTo(ref.roi, 12)
    expect(roi.discounted).toBeCloseTo(ref.roiDiscounted, 12)
    expect(ok(result.payback).months).toBeCloseTo(ref.payback!, 10)
    expect(ok(result.discountedPayback).months).toBeCloseTo(ref.discountedPayback!, 10)
    const irr = ok(result.irr)
    expect(irr.monthly).toBeCloseTo(ref.irrMonthly, 10)
    expect(irr.annual).toBeCloseTo(ref.irrAnnual, 8)
  })
})

describe("cashFlows: conventions", () => {
  it("adds contingency to every cost line: doubling contingency share doubles the reserve", () => {
    const none = ok(cashFlows({ ...handModel, contingency: 0 }, handEffects))
    const some = ok(cashFlows({ ...handModel, contingency: 0.2 }, handEffects))
    none.rows.forEach((row, t) => expect(some.rows[t]!.cost).toBeCloseTo(row.cost * 1.2, 9))
    expect(none.rows[0]!.cost).toBe(20000)
  })

  it("without a ramp every month runs at full volume", () => {
    const table = ok(cashFlows({ ...handModel, rampMonths: 0 }, handEffects))
    expect(table.rows.slice(1).every((r) => r.volume === 1000)).toBe(true)
    const { rampMonths: _, ...withoutRamp } = handModel
    expect(ok(cashFlows(withoutRamp, handEffects)).rows).toEqual(table.rows)
  })

  it("ramps volume, benefits and per-unit costs linearly: month t at min(1, t/R)", () => {
    const table = ok(cashFlows({ ...handModel, rampMonths: 4 }, handEffects))
    expect(table.rows.map((r) => r.volume)).toEqual([0, 250, 500, 750, 1000, 1000, 1000])
    expect(table.rows[1]!.cost).toBeCloseTo(1.1 * (2000 + 250), 9)
  })

  it("applies the direction: a decrease in a decrease-is-good metric earns value", () => {
    const better = ok(cashFlows(handModel, { handle_minutes: -1 }))
    const worse = ok(cashFlows(handModel, { handle_minutes: 1 }))
    expect(better.benefitPerUnit).toBe(2)
    expect(worse.benefitPerUnit).toBe(-2)
  })

  it("notes a valued metric without an effect and an effect without a value", () => {
    const table = ok(cashFlows(handModel, { converted: 0.02, csat: 0.3 }))
    expect(table.notes.map((n) => n.code).sort()).toEqual(["EFFECT_MISSING", "EFFECT_NOT_VALUED"])
    expect(table.benefitPerUnit).toBeCloseTo(10, 12)
  })
})

describe("evaluate: the architecture's example pilot against scipy", () => {
  it("matches NPV, IRR, ROI and paybacks", () => {
    const ref = reference.example
    const result = ok(evaluate(exampleModel, exampleEffects))
    expect(result.npv / ref.npv).toBeCloseTo(1, 11)
    expect(ok(result.irr).monthly).toBeCloseTo(ref.irrMonthly, 10)
    expect(ok(result.roi).simple).toBeCloseTo(ref.roi, 11)
    expect(ok(result.roi).discounted).toBeCloseTo(ref.roiDiscounted, 11)
    expect(ok(result.payback).months).toBeCloseTo(ref.payback!, 10)
    expect(ok(result.discountedPayback).months).toBeCloseTo(ref.discountedPayback!, 10)
    result.table.rows.forEach((row, t) => expect(row.net).toBeCloseTo(ref.net[t]!, 6))
  })
})
