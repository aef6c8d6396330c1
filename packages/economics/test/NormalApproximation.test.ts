import { describe, expect, it } from "vitest"
import { npvNormalApproximation } from "../src/index.js"
import { normalCdf } from "@pilotproof/stats"
import { exampleDistributions, exampleModel, handModel, ok, reference } from "./fixtures/Models.js"

describe("normalCdf (delegates to @stdlib)", () => {
  it("matches scipy.stats.norm.cdf at the centre, the 97.5 % point and the far tail", () => {
    expect(normalCdf(0)).toBe(0.5)
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 14)
    // scipy: norm.cdf(-10) = 7.61985302416047e-24; relative precision kept in the tail
    expect(normalCdf(-10) / 7.61985302416047e-24).toBeCloseTo(1, 12)
    for (let x = -8; x <= 8; x += 0.37) expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 14)
  })
})

describe("npvNormalApproximation", () => {
  it("matches scipy: mean, sd, P(NPV > 0) = Φ(mean/sd), expected loss", () => {
    const ref = reference.example.normal
    const result = ok(npvNormalApproximation(exampleModel, exampleDistributions))
    expect(result.mean / ref.mean).toBeCloseTo(1, 11)
    expect(result.sd / ref.sd).toBeCloseTo(1, 11)
    expect(result.probabilityNpvPositive).toBeCloseTo(ref.probabilityNpvPositive, 12)
    expect(result.expectedLoss / ref.expectedLoss).toBeCloseTo(1, 10)
  })

  it("P(payback ≤ target) is 0 or 1 without uncertainty, and monotone in the target", () => {
    const exact = { converted: { estimate: 0.02, standardError: 0 }, handle_minutes: { estimate: -1, standardError: 0 } }
    // hand model: payback 3.155 months
    expect(ok(npvNormalApproximation({ ...handModel, targetPaybackMonths: 3.2 }, exact)).probabilityPaybackWithinTarget).toBe(1)
    expect(ok(npvNormalApproximation({ ...handModel, targetPaybackMonths: 3.1 }, exact)).probabilityPaybackWithinTarget).toBe(0)
    const ps = [6, 9, 12, 18, 36].map((target) =>
      ok(npvNormalApproximation({ ...exampleModel, targetPaybackMonths: target }, exampleDistributions)).probabilityPaybackWithinTarget
    )
    for (let i = 1; i < ps.length; i++) expect(ps[i]!).toBeGreaterThanOrEqual(ps[i - 1]!)
    // With target = horizon, paying back within the horizon ⇔ undiscounted total ≥ 0, which is less demanding than NPV > 0.
    const npvPositive = ok(npvNormalApproximation(exampleModel, exampleDistributions)).probabilityNpvPositive
    expect(ps[4]!).toBeGreaterThanOrEqual(npvPositive)
  })

  it("with zero sd gives a 0/1 probability and a note, never NaN", () => {
    const result = ok(npvNormalApproximation({ ...handModel, unitsPerMonth: 0 }, { converted: { estimate: 0.02, standardError: 0.01 } }))
    expect(result.sd).toBe(0)
    expect(result.probabilityNpvPositive).toBe(0)
    // NPV is the costs alone: −22 000 − 1.1 · 2 000 · Σ_{t=1..6} 1.01⁻ᵗ, lost for sure.
    const annuity = [1, 2, 3, 4, 5, 6].reduce((s, t) => s + Math.pow(1.01, -t), 0)
    expect(result.mean).toBeCloseTo(-(22000 + 2200 * annuity), 6)
    expect(result.expectedLoss).toBeCloseTo(22000 + 2200 * annuity, 6)
    expect(result.notes.map((n) => n.code)).toEqual(expect.arrayContaining(["ZERO_VOLUME", "ZERO_VARIANCE"]))
  })
})
