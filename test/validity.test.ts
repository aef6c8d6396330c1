/**
 * The validity suite, small: runs in `npm test` in a few seconds. The full-size figures come from
 * `npm run validity` (test/validity/*.test.ts) and are recorded in docs/validity.md.
 *
 * The seeds are fixed, so each figure is deterministic: the test fails only if the code changes
 * what the engine computes. The acceptance bands are still statistical statements about the
 * engine, sized with the Monte Carlo SE at the nominal rate:
 * - A/A binomial, 2 000 pilots: SE = √(0.05·0.95/2000) = 0.49 points, so [4 %, 6 %] is ± 2.05 SE;
 *   a test that really rejected 7 % of A/A pilots would land inside with probability ≈ 4 %.
 * - A/A log-normal, 4 000 pilots: SE = 0.34 points, [4 %, 6 %] is ± 2.9 SE.
 * - Peeking, 300 pilots × 10 daily looks of 60 units per arm: the always-valid rate must stay ≤ 5 % + 2 SE, the naive
 *   rate (≈ 19 % in theory for 10 looks) above 8 %, about 4 SE away (SE ≈ 2.2 points).
 * - The same for a one-sided plan (one-sided p on the metric's good side, half-normal mSPRT).
 * - Cluster-randomized A/A pilots, 2 000 each at 12 managers per arm (ICC 0.2) and 20 (ICC 0.05):
 *   the cluster-level t in [4 %, 6 %] (± 2.05 SE), the naive per-deal z-test above 15 % (it is
 *   ≈ 23 % and ≈ 46 %: ten SE and more away).
 * - The novelty check: 4 000 pilots with a steady +50 % lift over six weekly cohorts flag a fading
 *   effect at most 5 % + 2 SE of the time (SE 0.34 points); 500 whose lift keeps 60 % of itself a
 *   week are flagged more than 40 % of the time (≈ 54 %, SE 2.2 points).
 * - Quantile metrics, A/A on a log-normal handle time: the p50 at 500 units per arm and the p90 at
 *   2 000, 2 000 pilots each, p < 0.05 in [4 %, 6 %] (± 2.05 SE).
 * - Segments: 2 000 pilots with one lift in four equal segments: Cochran's Q rejects in [4 %, 6 %];
 *   500 pilots where the last segment's lift is the opposite one: rejects in most (≈ 80 %).
 */
import { describe, expect, it } from "vitest"
import { aaBinomial, aaClusters, aaLognormal, aaQuantile, noveltyFlags, segmentFlags, nominalSe, pct, peeking, showRate, table } from "./validity/Simulation.js"

describe("validity (small): decisions hold their error rates", () => {
  it("A/A at a fixed horizon: the share of p < 0.05 stays in [4 %, 6 %]", () => {
    const binomial = aaBinomial({ pilots: 2000, seed: 11, p: 0.08, n: 500 })
    const lognormal = aaLognormal({ pilots: 4000, seed: 12, median: 12, sigma: 0.9, n: 500 })
    console.log(table("A/A false-positive rate, fixed horizon (small run)", [
      [`binomial p = 0.08, n = 500 per arm (${binomial.method})`, `${showRate(binomial)}; MC SE at 5 %: ${pct(nominalSe(0.05, 2000))}`],
      [`log-normal median 12, σ = 0.9, n = 500 per arm (${lognormal.method})`, `${showRate(lognormal)}; MC SE at 5 %: ${pct(nominalSe(0.05, 4000))}`]
    ]))
    for (const r of [binomial, lognormal]) {
      expect(r.rate).toBeGreaterThanOrEqual(0.04)
      expect(r.rate).toBeLessThanOrEqual(0.06)
    }
  })

  it("peeking daily: the sequential plan holds α, the naive daily test does not", () => {
    const r = peeking({ pilots: 300, seed: 13, metric: { p: 0.08 }, perDay: 60, looks: 10, mde: 0.2 })
    console.log(table("Peeking, 10 daily looks at A/A pilots, binomial p = 0.08, +60 units per arm a day (small run)", [
      [`sequential plan (${r.sequentialMethod})`, showRate(r.sequential)],
      ["naive: fixed-horizon test every day", showRate(r.naive)]
    ]))
    expect(r.sequential.rate).toBeLessThanOrEqual(0.05 + 2 * nominalSe(0.05, r.sequential.runs))
    expect(r.naive.rate).toBeGreaterThan(0.08)
  })

  it("peeking daily with the asymptotic confidence sequence (N* = the 1 200 units of the last look) holds α too", () => {
    const r = peeking({ pilots: 300, seed: 16, metric: { p: 0.08 }, perDay: 60, looks: 10, mde: 0.2, sequentialMethod: { _tag: "asymptotic-cs", tuning: 1200 } })
    console.log(table("Peeking, 10 daily looks, asymptotic confidence sequence (small run)", [
      [`sequential plan (${r.sequentialMethod})`, showRate(r.sequential)],
      ["naive: fixed-horizon test every day", showRate(r.naive)]
    ]))
    expect(r.sequentialMethod).toBe("z-test+asymptotic-cs")
    expect(r.sequential.rate).toBeLessThanOrEqual(0.05 + 2 * nominalSe(0.05, r.sequential.runs))
    expect(r.naive.rate).toBeGreaterThan(0.08)
  })

  it("a one-sided plan: A/A share of one-sided p < 0.05 in [4 %, 6 %]; the half-normal mSPRT holds α under daily looks", () => {
    const fixed = aaBinomial({ pilots: 2000, seed: 14, p: 0.08, n: 500, sides: 1 })
    const r = peeking({ pilots: 300, seed: 15, metric: { p: 0.08 }, perDay: 60, looks: 10, mde: 0.2, sides: 1 })
    console.log(table("One-sided plan (small run)", [
      [`A/A binomial p = 0.08, n = 500 per arm (${fixed.method}, one-sided p)`, showRate(fixed)],
      [`peeking, 10 daily looks, sequential (${r.sequentialMethod}, half-normal mixture)`, showRate(r.sequential)],
      ["peeking, naive one-sided fixed-horizon test every day", showRate(r.naive)]
    ]))
    expect(fixed.rate).toBeGreaterThanOrEqual(0.04)
    expect(fixed.rate).toBeLessThanOrEqual(0.06)
    expect(r.sequential.rate).toBeLessThanOrEqual(0.05 + 2 * nominalSe(0.05, r.sequential.runs))
    expect(r.naive.rate).toBeGreaterThan(0.08)
  })

  it("cluster-randomized A/A pilots: the cluster-level t holds 5 %, the naive per-deal test does not", () => {
    const few = aaClusters({ pilots: 2000, seed: 17, clustersPerArm: 12, icc: 0.2 })
    const more = aaClusters({ pilots: 2000, seed: 18, clustersPerArm: 20, icc: 0.05 })
    console.log(table("A/A, cluster-randomized: 30 deals per manager on average, won rate 0.2 (small run)", [
      [`12 managers per arm, ICC 0.2: ${few.cluster.method}`, showRate(few.cluster)],
      [`12 managers per arm, ICC 0.2: naive per-deal ${few.naive.method}`, showRate(few.naive)],
      [`20 managers per arm, ICC 0.05: ${more.cluster.method}`, showRate(more.cluster)],
      [`20 managers per arm, ICC 0.05: naive per-deal ${more.naive.method}`, showRate(more.naive)]
    ]))
    for (const r of [few, more]) {
      expect(r.cluster.method).toBe("cluster-t")
      expect(r.cluster.rate).toBeGreaterThanOrEqual(0.04)
      expect(r.cluster.rate).toBeLessThanOrEqual(0.06)
      expect(r.naive.rate).toBeGreaterThan(0.15)
    }
  })

  it("the novelty check: a steady effect is flagged as fading at most α of the time, a fading one mostly", () => {
    const steady = noveltyFlags({ pilots: 4000, seed: 19, weeks: 6, perWeek: 1000, p: 0.08, lift: 0.5, fade: 1 })
    const fading = noveltyFlags({ pilots: 500, seed: 20, weeks: 6, perWeek: 1000, p: 0.08, lift: 0.5, fade: 0.6 })
    console.log(table("Novelty check: six weekly cohorts of 1 000 units per arm, rate 0.08, lift +50 % (small run)", [
      ["steady lift: flagged as fading", showRate(steady)],
      ["lift × 0.6 a week: flagged as fading", showRate(fading)]
    ]))
    expect(steady.rate).toBeLessThanOrEqual(0.05 + 2 * nominalSe(0.05, steady.runs))
    expect(fading.rate).toBeGreaterThan(0.4)
  })

  it("quantile metrics: A/A share of p < 0.05 for the p50 and the p90 of a skewed duration in [4 %, 6 %]", () => {
    const p50 = aaQuantile({ pilots: 2000, seed: 21, quantile: 0.5, median: 12, sigma: 0.9, n: 500 })
    const p90 = aaQuantile({ pilots: 2000, seed: 22, quantile: 0.9, median: 12, sigma: 0.9, n: 2000 })
    console.log(table("A/A, quantiles of a log-normal handle time (median 12 min, σ = 0.9) (small run)", [
      [`p50, n = 500 per arm (${p50.method})`, showRate(p50)],
      [`p90, n = 2 000 per arm (${p90.method})`, showRate(p90)]
    ]))
    for (const r of [p50, p90]) {
      expect(r.method).toBe("quantile-difference")
      expect(r.rate).toBeGreaterThanOrEqual(0.04)
      expect(r.rate).toBeLessThanOrEqual(0.06)
    }
  })

  it("segments: the heterogeneity test holds 5 % when the lift is the same in every segment, and finds one that is not", () => {
    const same = segmentFlags({ pilots: 2000, seed: 23, segments: 4, n: 1000, p: 0.1, lift: 0.3 })
    const opposite = segmentFlags({ pilots: 500, seed: 24, segments: 4, n: 1000, p: 0.1, lift: 0.3, lastLift: -0.2 })
    console.log(table("Segments: four of 1 000 units per arm, rate 0.1, lift +30 % (small run)", [
      ["the same lift everywhere: Cochran's Q p < 0.05", showRate(same.heterogeneity)],
      ["the last segment at −20 %: Cochran's Q p < 0.05", showRate(opposite.heterogeneity)]
    ]))
    expect(same.heterogeneity.rate).toBeGreaterThanOrEqual(0.04)
    expect(same.heterogeneity.rate).toBeLessThanOrEqual(0.06)
    expect(opposite.heterogeneity.rate).toBeGreaterThan(0.6)
  })
})
