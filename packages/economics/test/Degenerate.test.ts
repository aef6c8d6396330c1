import { describe, expect, it } from "vitest"
import {
  breakEvenEffect,
  cashFlows,
  type EconomicsModel,
  evaluate,
  monteCarlo,
  npvNormalApproximation,
  validateModel
} from "../src/index.js"
import { handEffects, handModel, numbersIn, ok } from "./fixtures/Models.js"

const distributions = { converted: { estimate: 0.02, standardError: 0.01 }, handle_minutes: { estimate: -1, standardError: 0.5 } }

/** Runs every model-level function; none may throw, and an ok result may hold no NaN. */
const runAll = (model: EconomicsModel) => {
  const results = [
    cashFlows(model, handEffects),
    evaluate(model, handEffects),
    breakEvenEffect(model, "converted", handEffects),
    monteCarlo(model, distributions, { seed: 3, draws: 300 }),
    npvNormalApproximation(model, distributions)
  ]
  for (const r of results) if (r.ok) expect(numbersIn(r).every(Number.isFinite)).toBe(true)
  return results
}

describe("degenerate inputs return coded reasons, never NaN, never throw", () => {
  it("zero volume: costs only, no IRR, no payback, no break-even", () => {
    const model = { ...handModel, unitsPerMonth: 0 }
    runAll(model)
    const result = ok(evaluate(model, handEffects))
    expect(result.npv).toBeLessThan(0)
    expect(result.irr).toMatchObject({ ok: false, reason: "NO_SIGN_CHANGE" })
    expect(result.payback).toMatchObject({ ok: false, reason: "NOT_WITHIN_HORIZON" })
    expect(result.breakEven["converted"]).toMatchObject({ ok: false, reason: "NO_SENSITIVITY" })
    expect(result.table.notes.map((n) => n.code)).toContain("ZERO_VOLUME")
    const mc = ok(monteCarlo(model, distributions, { seed: 1, draws: 100 }))
    expect(mc.probabilityNpvPositive).toBe(0)
    expect(mc.probabilityPaybackWithinTarget).toBe(0)
  })

  it("zero horizon is not allowed: INVALID_HORIZON from every function", () => {
    for (const horizonMonths of [0, -3, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      for (const r of runAll({ ...handModel, horizonMonths })) {
        expect(r).toMatchObject({ ok: false, reason: "INVALID_MODEL", issues: [{ code: "INVALID_HORIZON", path: "horizonMonths" }] })
      }
    }
  })

  it("no value drivers: benefits are zero and the reason says so", () => {
    const model = { ...handModel, drivers: [] }
    runAll(model)
    const table = ok(cashFlows(model, handEffects))
    expect(table.totals.benefit).toBe(0)
    expect(table.notes.map((n) => n.code)).toEqual(expect.arrayContaining(["NO_VALUE_DRIVERS", "EFFECT_NOT_VALUED"]))
    expect(breakEvenEffect(model, "converted", {})).toMatchObject({ ok: false, reason: "METRIC_NOT_VALUED" })
    expect(ok(evaluate(model, {})).breakEven).toEqual({})
  })

  it("no costs: ROI undefined with NO_COSTS, payback at 0", () => {
    const model = { ...handModel, costs: [] }
    runAll(model)
    const result = ok(evaluate(model, handEffects))
    expect(result.roi).toMatchObject({ ok: false, reason: "NO_COSTS" })
    expect(ok(result.payback).months).toBe(0)
  })

  it("lists every invalid field with its code and path", () => {
    const bad: EconomicsModel = {
      ...handModel,
      annualDiscountRate: -1,
      contingency: -0.1,
      targetPaybackMonths: Number.NaN,
      unitsPerMonth: -5,
      rampMonths: -1,
      drivers: [...handModel.drivers, { metric: "converted", valuePerUnit: -3, direction: "increase" }],
      costs: [{ item: "refund", oneTime: -10 }, { item: "license", monthly: Number.POSITIVE_INFINITY }]
    }
    expect(validateModel(bad).map((i) => `${i.code} ${i.path}`)).toEqual([
      "INVALID_DISCOUNT_RATE annualDiscountRate",
      "INVALID_CONTINGENCY contingency",
      "INVALID_TARGET_PAYBACK targetPaybackMonths",
      "INVALID_VOLUME unitsPerMonth",
      "INVALID_RAMP rampMonths",
      "INVALID_COST costs[0].oneTime",
      "INVALID_COST costs[1].monthly",
      "INVALID_VALUE drivers[2].valuePerUnit",
      "DUPLICATE_DRIVER drivers[2].metric"
    ])
    for (const r of runAll(bad)) expect(r.ok).toBe(false)
    expect(validateModel(handModel)).toEqual([])
  })

  it("a non-finite effect is an INVALID_EFFECT, not a NaN table", () => {
    expect(cashFlows(handModel, { converted: Number.NaN })).toMatchObject({ ok: false, issues: [{ code: "INVALID_EFFECT", path: "effects.converted" }] })
    expect(evaluate(handModel, { converted: Number.POSITIVE_INFINITY }).ok).toBe(false)
  })

  it("a missing distribution fixes that effect at 0 and says so", () => {
    const mc = ok(monteCarlo(handModel, { converted: distributions.converted }, { seed: 1, draws: 100 }))
    expect(mc.notes.map((n) => n.code)).toContain("DISTRIBUTION_MISSING")
  })
})
