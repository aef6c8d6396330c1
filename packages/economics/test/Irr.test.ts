import { describe, expect, it } from "vitest"
import { annualRate, irr, npvAtMonthlyRate } from "../src/index.js"
import { ok, reference } from "./fixtures/Models.js"

describe("irr", () => {
  it("finds the IRR of [−1000, 300, 400, 500] computed by scipy brentq", () => {
    const { flows, irrPerPeriod, irrAnnualized, npvAt10PercentPerPeriod } = reference.simpleIrr
    const result = ok(irr(flows))
    expect(result.monthly).toBeCloseTo(irrPerPeriod, 11) // 0.0889634
    expect(result.annual).toBeCloseTo(irrAnnualized, 9)
    expect(result.annual).toBeCloseTo(annualRate(result.monthly), 14)
    expect(result.multipleRootsPossible).toBe(false)
    expect(npvAtMonthlyRate(flows, result.monthly)).toBeCloseTo(0, 8)
    expect(npvAtMonthlyRate(flows, 0.1)).toBeCloseTo(npvAt10PercentPerPeriod, 10)
  })

  it("finds a zero IRR and a negative IRR", () => {
    expect(ok(irr([-100, 50, 50])).monthly).toBeCloseTo(0, 12)
    // −100 + 90/(1+m) = 0 → m = −0.1
    expect(ok(irr([-100, 90])).monthly).toBeCloseTo(-0.1, 12)
  })

  it("has no IRR when the flows never change sign", () => {
    expect(irr([-100, -10, -5])).toMatchObject({ ok: false, reason: "NO_SIGN_CHANGE" })
    expect(irr([0, 10, 5])).toMatchObject({ ok: false, reason: "NO_SIGN_CHANGE" })
    expect(irr([])).toMatchObject({ ok: false, reason: "NO_SIGN_CHANGE" })
  })

  it("reports no root when NPV keeps its sign over all rates despite a sign change", () => {
    // −100 + 300/(1+m) − 250/(1+m)² < 0 for every m > −1 (discriminant of −100x²… is negative).
    expect(irr([-100, 300, -250])).toMatchObject({ ok: false, reason: "NO_ROOT_IN_RANGE" })
  })

  it("flags possible multiple IRRs and returns the one nearest zero", () => {
    // −100 + 230x − 132x² = 0 → x = 1/1.1 or 1/1.2 → m = 10 % or 20 %.
    const result = ok(irr([-100, 230, -132]))
    expect(result.multipleRootsPossible).toBe(true)
    expect(result.monthly).toBeCloseTo(0.1, 10)
  })

  it("survives horizons long enough to overflow at the low end of the rate grid", () => {
    const flows = [-1e6, ...Array.from({ length: 600 }, () => 2e4)]
    const result = ok(irr(flows))
    expect(npvAtMonthlyRate(flows, result.monthly)).toBeCloseTo(0, 4)
    expect(result.monthly).toBeCloseTo(0.02, 3)
  })

  it("rejects non-finite flows with a reason", () => {
    expect(irr([-100, Number.NaN])).toMatchObject({ ok: false, reason: "NON_FINITE_FLOWS" })
  })
})
