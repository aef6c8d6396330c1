import { describe, expect, it } from "vitest"
import { paybackMonth } from "../src/index.js"
import { ok } from "./fixtures/Models.js"

describe("paybackMonth", () => {
  it("interpolates within the crossing month", () => {
    // cum −100, −40, +20: crosses in month 2, 40 of its 60 → 1 + 40/60.
    expect(ok(paybackMonth([-100, -40, 20])).months).toBeCloseTo(1 + 40 / 60, 14)
  })

  it("is an exact month when the cumulative hits 0", () => {
    expect(ok(paybackMonth([-100, -50, 0, 50])).months).toBe(2)
  })

  it("is 0 for a series never below 0", () => {
    expect(ok(paybackMonth([0, 10, 20])).months).toBe(0)
  })

  it("ignores an early crossing that does not last (cumulative ends below 0)", () => {
    expect(paybackMonth([-10, 5, -20])).toMatchObject({ ok: false, reason: "NOT_WITHIN_HORIZON" })
    // dips again, then recovers for good in month 4
    expect(ok(paybackMonth([-10, 5, -20, -5, 10])).months).toBeCloseTo(3 + 5 / 15, 14)
  })

  it("handles a dip after a non-negative start (no one-time cost, slow ramp)", () => {
    expect(ok(paybackMonth([0, -30, -20, 10])).months).toBeCloseTo(2 + 20 / 30, 14)
  })

  it("has no payback without months", () => {
    expect(paybackMonth([])).toMatchObject({ ok: false, reason: "NO_MONTHS" })
  })
})
