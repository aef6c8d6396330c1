import { describe, expect, it } from "vitest"
import { breakEvenEffect, cashFlows } from "../src/index.js"
import { exampleModel, handModel, ok, reference } from "./fixtures/Models.js"

describe("breakEvenEffect", () => {
  it("matches scipy brentq on the example pilot and gives NPV = 0", () => {
    const result = ok(breakEvenEffect(exampleModel, "converted", { handle_minutes: -0.5 }))
    expect(result.effect).toBeCloseTo(reference.example.breakEvenConverted, 12)
    const table = ok(cashFlows(exampleModel, { converted: result.effect, handle_minutes: -0.5 }))
    expect(Math.abs(table.totals.discountedNet)).toBeLessThan(1e-6)
  })

  it("is negative for a decrease-is-good metric and ignores the metric's own entry", () => {
    const a = ok(breakEvenEffect(handModel, "handle_minutes", { converted: 0 }))
    const b = ok(breakEvenEffect(handModel, "handle_minutes", { converted: 0, handle_minutes: 99 }))
    expect(a.effect).toBeLessThan(0)
    expect(b.effect).toBe(a.effect)
    expect(a.npvPerUnitEffect).toBeLessThan(0)
  })

  it("hand check: 6-month model, converted alone", () => {
    // NPV(e) = NPV_costs + 500 · e · PV(volume); PV(volume) = 500·1.01⁻¹ + 1000·Σ_{t=2..6} 1.01⁻ᵗ
    const pvVolume = 500 / 1.01 + 1000 * [2, 3, 4, 5, 6].reduce((s, t) => s + Math.pow(1.01, -t), 0)
    const costs = ok(cashFlows(handModel, {})).totals.discountedNet
    const result = ok(breakEvenEffect(handModel, "converted", {}))
    expect(result.effect).toBeCloseTo(-costs / (500 * pvVolume), 12)
  })

  it("returns coded reasons instead of numbers it cannot have", () => {
    expect(breakEvenEffect(handModel, "csat", {})).toMatchObject({ ok: false, reason: "METRIC_NOT_VALUED" })
    expect(breakEvenEffect({ ...handModel, unitsPerMonth: 0 }, "converted", {})).toMatchObject({ ok: false, reason: "NO_SENSITIVITY" })
    expect(breakEvenEffect({ ...handModel, horizonMonths: 0 }, "converted", {})).toMatchObject({ ok: false, reason: "INVALID_MODEL" })
  })
})
