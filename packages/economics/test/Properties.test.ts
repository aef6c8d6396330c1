import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  breakEvenEffect,
  cashFlows,
  type CostLine,
  type EconomicsModel,
  evaluate,
  monteCarlo,
  npvNormalApproximation,
  paybackMonth
} from "../src/index.js"
import { numbersIn, ok } from "./fixtures/Models.js"

const money = (max: number) => fc.double({ min: 0, max, noNaN: true, noDefaultInfinity: true })

const costLine: fc.Arbitrary<CostLine> = fc.record(
  { item: fc.constant("line"), oneTime: money(1e6), monthly: money(1e5), perUnit: money(10) },
  { requiredKeys: ["item"] }
)

const model: fc.Arbitrary<EconomicsModel> = fc.record({
  horizonMonths: fc.integer({ min: 1, max: 60 }),
  annualDiscountRate: fc.double({ min: -0.5, max: 1, noNaN: true }),
  contingency: fc.double({ min: 0, max: 0.5, noNaN: true }),
  targetPaybackMonths: fc.integer({ min: 0, max: 36 }),
  // 0 or a real volume: subnormal volumes only test floating-point underflow.
  unitsPerMonth: fc.oneof(fc.constant(0), fc.double({ min: 1, max: 1e4, noNaN: true })),
  rampMonths: fc.integer({ min: 0, max: 6 }),
  drivers: fc.constant([
    { metric: "converted", valuePerUnit: 12000, direction: "increase" as const },
    { metric: "handle_minutes", valuePerUnit: 15, direction: "decrease" as const }
  ]),
  costs: fc.array(costLine, { minLength: 1, maxLength: 4 })
})

const effects = fc.record({
  converted: fc.double({ min: -0.05, max: 0.05, noNaN: true }),
  handle_minutes: fc.double({ min: -5, max: 5, noNaN: true })
})

const distributions = fc.record({
  converted: fc.record({ estimate: fc.double({ min: -0.05, max: 0.05, noNaN: true }), standardError: fc.double({ min: 0, max: 0.02, noNaN: true }) }),
  handle_minutes: fc.record({ estimate: fc.double({ min: -5, max: 5, noNaN: true }), standardError: fc.double({ min: 0, max: 2, noNaN: true }) })
})

const npvOf = (m: EconomicsModel, e: Record<string, number>) => ok(cashFlows(m, e)).totals.discountedNet

describe("properties", () => {
  it("NPV decreases when any part of any cost rises", () => {
    fc.assert(
      fc.property(model, effects, fc.nat(3), fc.constantFrom("oneTime", "monthly", "perUnit"), fc.double({ min: 1, max: 1e5, noNaN: true }), (m, e, i, part, bump) => {
        const index = i % m.costs.length
        const line = m.costs[index]!
        const raised = { ...m, costs: m.costs.map((c, j) => (j === index ? { ...line, [part]: (line[part] ?? 0) + bump } : c)) }
        const before = npvOf(m, e)
        const after = npvOf(raised, e)
        // per-unit costs cannot bite without volume
        if (part === "perUnit" && m.unitsPerMonth === 0) expect(after).toBe(before)
        else expect(after).toBeLessThan(before)
      })
    )
  })

  it("the break-even effect gives NPV ≈ 0", () => {
    fc.assert(
      fc.property(model, effects, fc.constantFrom("converted", "handle_minutes"), (m, e, metric) => {
        const result = breakEvenEffect(m, metric, e)
        if (!result.ok) {
          expect(result.reason).toBe("NO_SENSITIVITY")
          return
        }
        const value = npvOf(m, { ...e, [metric]: result.effect })
        const scale = Math.max(1, ok(cashFlows(m, e)).totals.discountedCost, Math.abs(npvOf(m, e)))
        expect(Math.abs(value) / scale).toBeLessThan(1e-9)
      })
    )
  })

  it("probabilities lie in [0, 1] and nothing is NaN", () => {
    fc.assert(
      fc.property(model, distributions, fc.integer({ min: 1, max: 2 ** 31 }), (m, d, seed) => {
        const mc = ok(monteCarlo(m, d, { seed, draws: 200 }))
        const normal = ok(npvNormalApproximation(m, d))
        for (const p of [mc.probabilityNpvPositive, mc.probabilityPaybackWithinTarget, normal.probabilityNpvPositive, normal.probabilityPaybackWithinTarget]) {
          expect(p).toBeGreaterThanOrEqual(0)
          expect(p).toBeLessThanOrEqual(1)
        }
        expect(numbersIn(mc).every(Number.isFinite)).toBe(true)
        expect(numbersIn(normal).every(Number.isFinite)).toBe(true)
      }),
      { numRuns: 200 }
    )
  })

  it("payback, simple and discounted, is within [0, horizon] or undefined with a reason", () => {
    fc.assert(
      fc.property(model, effects, (m, e) => {
        const result = ok(evaluate(m, e))
        for (const p of [result.payback, result.discountedPayback]) {
          if (p.ok) {
            expect(p.months).toBeGreaterThanOrEqual(0)
            expect(p.months).toBeLessThanOrEqual(m.horizonMonths)
          } else {
            expect(p.reason).toBe("NOT_WITHIN_HORIZON")
          }
        }
        expect(numbersIn(result).every(Number.isFinite)).toBe(true)
      })
    )
  })

  it("payback of any cumulative series lies in [0, last month] or has a reason", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 }), (cum) => {
        const p = paybackMonth(cum)
        if (p.ok) {
          expect(p.months).toBeGreaterThanOrEqual(0)
          expect(p.months).toBeLessThanOrEqual(cum.length - 1)
        } else expect(cum[cum.length - 1]!).toBeLessThan(0)
      })
    )
  })

  it("NPV is linear in each effect (what the Monte Carlo and break-even rely on)", () => {
    fc.assert(
      fc.property(model, effects, fc.double({ min: -0.05, max: 0.05, noNaN: true }), (m, e, extra) => {
        const a = npvOf(m, e)
        const b = npvOf(m, { ...e, converted: e.converted + extra })
        const c = npvOf(m, { ...e, converted: e.converted + 2 * extra })
        const scale = Math.max(1, Math.abs(a), Math.abs(b), Math.abs(c))
        expect(Math.abs(c - 2 * b + a) / scale).toBeLessThan(1e-9)
      })
    )
  })
})
