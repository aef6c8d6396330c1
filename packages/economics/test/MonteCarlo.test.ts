import { makeRandom } from "@pilotproof/stats"
import { describe, expect, it } from "vitest"
import { cashFlows, monteCarlo, npvNormalApproximation } from "../src/index.js"
import { exampleDistributions, exampleModel, handModel, ok } from "./fixtures/Models.js"

const type7 = (sorted: ReadonlyArray<number>, p: number): number => {
  const h = (sorted.length - 1) * p
  const lo = Math.floor(h)
  const hi = Math.min(lo + 1, sorted.length - 1)
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!)
}

describe("monteCarlo", () => {
  it("is reproducible: same seed → identical output; another seed → different output", () => {
    const a = monteCarlo(exampleModel, exampleDistributions, { seed: 42 })
    const b = monteCarlo(exampleModel, exampleDistributions, { seed: 42 })
    const c = monteCarlo(exampleModel, exampleDistributions, { seed: 43 })
    expect(a).toEqual(b)
    expect(ok(a).npv.mean).not.toBe(ok(c).npv.mean)
    expect(ok(a).bands).not.toEqual(ok(c).bands)
    expect(ok(a).draws).toBe(10_000)
  })

  it("agrees with the closed-form normal answer within 0.01 at 10 000 draws (linear case)", () => {
    const exact = ok(npvNormalApproximation(exampleModel, exampleDistributions))
    for (const seed of [1, 2, 3]) {
      const mc = ok(monteCarlo(exampleModel, exampleDistributions, { seed, draws: 10_000 }))
      expect(Math.abs(mc.probabilityNpvPositive - exact.probabilityNpvPositive)).toBeLessThan(0.01)
      expect(Math.abs(mc.probabilityPaybackWithinTarget - exact.probabilityPaybackWithinTarget)).toBeLessThan(0.015)
      // mean ± 4 Monte Carlo standard errors; sd within 5 %; expected loss (a tail mean, MC SE ≈ 2.5 % here) within 10 %.
      expect(Math.abs(mc.npv.mean - exact.mean)).toBeLessThan((4 * exact.sd) / Math.sqrt(10_000))
      expect(mc.npv.sd / exact.sd).toBeCloseTo(1, 1)
      expect(Math.abs(mc.expectedLoss / exact.expectedLoss - 1)).toBeLessThan(0.1)
      // median ≈ mean for a normal; 5th/95th ≈ mean ∓ 1.645 sd
      expect(Math.abs(mc.npv.p50 - exact.mean)).toBeLessThan(0.05 * exact.sd)
      expect(Math.abs(mc.npv.p5 - (exact.mean - 1.6449 * exact.sd))).toBeLessThan(0.06 * exact.sd)
      expect(Math.abs(mc.npv.p95 - (exact.mean + 1.6449 * exact.sd))).toBeLessThan(0.06 * exact.sd)
    }
  })

  it("bands equal per-month percentiles of brute-force simulated cash flows", () => {
    const draws = 501
    const seed = 7
    const mc = ok(monteCarlo(exampleModel, exampleDistributions, { seed, draws }))
    // Replay the same stream: one normal per uncertain metric per draw, in driver order.
    const random = makeRandom(seed)
    const perMonth: Array<Array<number>> = Array.from({ length: exampleModel.horizonMonths + 1 }, () => [])
    const npvs: Array<number> = []
    let paidBack = 0
    for (let i = 0; i < draws; i++) {
      const effects: Record<string, number> = {}
      for (const d of exampleModel.drivers) {
        const dist = exampleDistributions[d.metric]!
        effects[d.metric] = random.normal(dist.estimate, dist.standardError)
      }
      const table = ok(cashFlows(exampleModel, effects))
      table.rows.forEach((r, t) => perMonth[t]!.push(r.cumulative))
      npvs.push(table.totals.discountedNet)
      const firstPositive = table.rows.findIndex((r) => r.cumulative >= 0)
      // For this model the cumulative dips once then rises, so the first crossing is the payback.
      if (firstPositive >= 0 && firstPositive - 1 + -table.rows[firstPositive - 1]!.cumulative / table.rows[firstPositive]!.net <= 12) paidBack++
    }
    mc.bands.forEach((band, t) => {
      const sorted = [...perMonth[t]!].sort((a, b) => a - b)
      const scale = Math.max(1, Math.abs(sorted[0]!))
      expect(Math.abs(band.p5 - type7(sorted, 0.05)) / scale).toBeLessThan(1e-9)
      expect(Math.abs(band.p50 - type7(sorted, 0.5)) / scale).toBeLessThan(1e-9)
      expect(Math.abs(band.p95 - type7(sorted, 0.95)) / scale).toBeLessThan(1e-9)
      expect(band.p5).toBeLessThanOrEqual(band.p50)
      expect(band.p50).toBeLessThanOrEqual(band.p95)
    })
    expect(mc.probabilityNpvPositive).toBe(npvs.filter((v) => v > 0).length / draws)
    expect(mc.probabilityPaybackWithinTarget).toBe(paidBack / draws)
    expect(mc.expectedLoss).toBeCloseTo(npvs.reduce((s, v) => s + Math.max(0, -v), 0) / draws, 3)
    expect(mc.bands[0]!.p5).toBe(-(600000 + 150000) * 1.15)
  })

  it("with no uncertainty every draw is the point estimate", () => {
    const mc = ok(monteCarlo(handModel, { converted: { estimate: 0.02, standardError: 0 }, handle_minutes: { estimate: -1, standardError: 0 } }, { seed: 1, draws: 100 }))
    expect(mc.probabilityNpvPositive).toBe(1)
    expect(mc.npv.sd).toBe(0)
    expect(mc.npv.p5).toBeCloseTo(23024.605725, 5)
    expect(mc.notes.map((n) => n.code)).toContain("ZERO_VARIANCE")
  })

  // Speed is measured by `npm run bench`, not asserted here.
  it("runs the default 10 000 draws over the 36-month horizon", () => {
    const mc = ok(monteCarlo(exampleModel, exampleDistributions, { seed: 9 }))
    expect(mc.draws).toBe(10_000)
    expect(mc.bands).toHaveLength(exampleModel.horizonMonths + 1)
  })

  it("rejects bad options and distributions with coded issues", () => {
    expect(monteCarlo(exampleModel, exampleDistributions, { seed: 1, draws: 0 })).toMatchObject({ ok: false, reason: "INVALID_MODEL", issues: [{ code: "INVALID_OPTION" }] })
    expect(monteCarlo(exampleModel, { converted: { estimate: 0.01, standardError: -1 } }, { seed: 1 })).toMatchObject({ ok: false, issues: [{ code: "INVALID_DISTRIBUTION" }] })
  })
})
