/**
 * A/A false-positive rate at a fixed horizon: 4 000 simulated A/A pilots per metric, analysed by
 * `compareMetric` on a non-sequential plan. The share with p < 0.05 must lie in [4 %, 6 %]
 * (± 2.05 Monte Carlo SE at the nominal 5 %: SE = √(0.05·0.95/4000) = 0.34 points). The same
 * holds for a one-sided plan (`sides: 1`): its p is one-sided, on the metric's good side. Quantile
 * metrics of a log-normal handle time: the p50 at 500 and the p90 at 2 000 units per arm in the same
 * band; the p90 at 200 per arm only at most 6 % (the order-statistic SE is conservative in a small
 * arm's tail).
 */
import { describe, expect, it } from "vitest"
import { aaBinomial, aaLognormal, aaQuantile, nominalSe, pct, showRate, table } from "./Simulation.js"

const PILOTS = 4000

describe("A/A false-positive rate at a fixed horizon", () => {
  it("binomial metric, p = 0.08, n = 2 000 per arm: 4 % ≤ share of p < 0.05 ≤ 6 %", () => {
    const r = aaBinomial({ pilots: PILOTS, seed: 101, p: 0.08, n: 2000 })
    console.log(table("A/A, binomial (p = 0.08, n = 2 000 per arm, fixed horizon)", [
      ["method", r.method],
      ["false-positive rate", showRate(r)],
      ["nominal", `5.00% (MC SE at nominal ${pct(nominalSe(0.05, PILOTS))})`]
    ]))
    expect(r.rate).toBeGreaterThanOrEqual(0.04)
    expect(r.rate).toBeLessThanOrEqual(0.06)
  })

  it("skewed duration, log-normal median 12 min, σ = 0.9, n = 500 per arm: 4 % ≤ share ≤ 6 %", () => {
    const r = aaLognormal({ pilots: PILOTS, seed: 202, median: 12, sigma: 0.9, n: 500 })
    console.log(table("A/A, log-normal handle time (median 12 min, σ = 0.9, n = 500 per arm, fixed horizon)", [
      ["method", r.method],
      ["false-positive rate", showRate(r)],
      ["nominal", `5.00% (MC SE at nominal ${pct(nominalSe(0.05, PILOTS))})`]
    ]))
    expect(r.rate).toBeGreaterThanOrEqual(0.04)
    expect(r.rate).toBeLessThanOrEqual(0.06)
  })

  for (const [label, run] of [
    ["binomial metric, p = 0.08, n = 2 000 per arm", () => aaBinomial({ pilots: PILOTS, seed: 111, p: 0.08, n: 2000, sides: 1 })],
    ["skewed duration, log-normal median 12 min, σ = 0.9, n = 500 per arm (decrease-good)", () => aaLognormal({ pilots: PILOTS, seed: 212, median: 12, sigma: 0.9, n: 500, sides: 1 })]
  ] as const) {
    it(`one-sided plan, ${label}: 4 % ≤ share of one-sided p < 0.05 ≤ 6 %`, () => {
      const r = run()
      console.log(table(`A/A, one-sided plan: ${label}`, [
        ["method", r.method],
        ["false-positive rate", showRate(r)],
        ["nominal", `5.00% (MC SE at nominal ${pct(nominalSe(0.05, PILOTS))})`]
      ]))
      expect(r.rate).toBeGreaterThanOrEqual(0.04)
      expect(r.rate).toBeLessThanOrEqual(0.06)
    })
  }

  for (const [label, quantile, n, seed, band] of [
    ["p50, n = 500 per arm", 0.5, 500, 231, true],
    ["p90, n = 2 000 per arm", 0.9, 2000, 232, true],
    ["p90, n = 200 per arm", 0.9, 200, 233, false]
  ] as const) {
    it(`quantile metric, ${label}, log-normal median 12 min, σ = 0.9: ${band ? "4 % ≤ share ≤ 6 %" : "share ≤ 6 % (conservative)"}`, () => {
      const r = aaQuantile({ pilots: PILOTS, seed, quantile, median: 12, sigma: 0.9, n })
      console.log(table(`A/A, quantile of a log-normal handle time: ${label}`, [
        ["method", r.method],
        ["false-positive rate", showRate(r)],
        ["nominal", `5.00% (MC SE at nominal ${pct(nominalSe(0.05, PILOTS))})`]
      ]))
      if (band) expect(r.rate).toBeGreaterThanOrEqual(0.04)
      expect(r.rate).toBeLessThanOrEqual(0.06)
    })
  }
})
