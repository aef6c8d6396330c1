import { describe, expect, it } from "vitest"
import { type CumulativeBand, compareActuals, monteCarlo } from "../src/index.js"
import { exampleDistributions, exampleModel, ok } from "./fixtures/Models.js"

const band = (month: number, p5: number, p50: number, p95: number): CumulativeBand => ({ month, p5, p50, p95, mean: p50 })
// Month 0 outlay −1000; the forecast recovers about 300 a month.
const bands = [band(0, -1000, -1000, -1000), band(1, -900, -700, -500), band(2, -700, -400, -100), band(3, -500, -100, 300), band(4, -300, 200, 700)]

describe("compareActuals", () => {
  it("accumulates actual net beside the band and flags months below the 5th percentile", () => {
    // One-time spend booked in month 1: cum −1000+100 = −900, −900+200 = −700 … then a bad month.
    const result = ok(compareActuals(bands, [
      { month: 1, cost: 1100, benefit: 200 }, // net −900 → cum −900 (= p5, not below)
      { month: 2, cost: 100, benefit: 250 }, // +150 → −750 < −700 → below
      { month: 3, cost: 100, benefit: 500 }, // +400 → −350 ≥ −500
      { month: 4, cost: 100, benefit: 600 } // +500 → 150
    ]))
    expect(result.rows.map((r) => r.cumulative)).toEqual([-900, -750, -350, 150])
    expect(result.rows.map((r) => r.belowForecastP5)).toEqual([false, true, false, false])
    expect(result.monthsBelowForecastP5).toEqual([2])
    expect(result.rows[3]!.forecast).toEqual(bands[4])
    // crosses in month 4: 3 + 350/500
    expect(ok(result.realizedPayback).months).toBeCloseTo(3.7, 12)
  })

  it("accepts unsorted months, flags above the 95th percentile, and notes months past the forecast", () => {
    const result = ok(compareActuals(bands.slice(0, 2), [{ month: 2, cost: 0, benefit: 10 }, { month: 1, cost: 0, benefit: 0 }]))
    expect(result.rows.map((r) => r.month)).toEqual([1, 2])
    expect(result.rows[0]!.aboveForecastP95).toBe(true)
    expect(result.rows[1]!.forecast).toBeUndefined()
    expect(result.notes.map((n) => n.code)).toEqual(["BEYOND_FORECAST"])
    expect(ok(result.realizedPayback).months).toBe(0)
  })

  it("reports not yet paid back, and no months", () => {
    const notYet = ok(compareActuals(bands, [{ month: 1, cost: 1000, benefit: 10 }]))
    expect(notYet.realizedPayback).toMatchObject({ ok: false, reason: "NOT_WITHIN_HORIZON" })
    const none = ok(compareActuals(bands, []))
    expect(none.rows).toEqual([])
    expect(none.realizedPayback).toMatchObject({ ok: false, reason: "NO_MONTHS" })
  })

  it("rejects gaps, duplicates, bad months and non-finite money with a coded reason", () => {
    for (const actuals of [
      [{ month: 1, cost: 1, benefit: 1 }, { month: 3, cost: 1, benefit: 1 }],
      [{ month: 1, cost: 1, benefit: 1 }, { month: 1, cost: 1, benefit: 1 }],
      [{ month: 2, cost: 1, benefit: 1 }],
      [{ month: 1.5, cost: 1, benefit: 1 }],
      [{ month: 1, cost: Number.NaN, benefit: 1 }]
    ]) {
      expect(compareActuals(bands, actuals)).toMatchObject({ ok: false, reason: "INVALID_ACTUALS" })
    }
  })

  it("works on Monte Carlo bands: actuals equal to the forecast median are never flagged", () => {
    const mc = ok(monteCarlo(exampleModel, exampleDistributions, { seed: 5, draws: 2000 }))
    const actuals = mc.bands.slice(1).map((b) => ({ month: b.month, cost: 0, benefit: b.p50 - mc.bands[b.month - 1]!.p50 }))
    actuals[0] = { month: 1, cost: 0, benefit: mc.bands[1]!.p50 } // month 1 carries the month-0 outlay
    const result = ok(compareActuals(mc.bands, actuals))
    result.rows.forEach((r, i) => expect(r.cumulative).toBeCloseTo(mc.bands[i + 1]!.p50, 4))
    expect(result.monthsBelowForecastP5).toEqual([])
  })
})
