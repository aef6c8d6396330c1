import { adjustSuccessMetrics, compareMetric } from "@pilotproof/analysis"
import { ComparisonMethod, Metric, MetricAnalysis } from "@pilotproof/domain"
import { asymptoticConfidenceSequence, compareProportions, compareRatios, cuped, holmAdjust, makeRandom, msprt, type VariantStats, welchTest } from "@pilotproof/stats"
import { Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const metric = Schema.decodeUnknownSync(Metric)
const converted = metric({ key: "converted", role: "primary", type: "binomial", event: "deal_won", direction: "increase" })
const handle = metric({ key: "handle", role: "secondary", type: "mean", event: "handled", aggregate: "sum", direction: "decrease" })
const revenue = metric({ key: "revenue", role: "primary", type: "mean", event: "paid", aggregate: "sum", direction: "increase", covariate: { event: "paid_before", days: 30 } })
const reply = metric({ key: "reply", role: "secondary", type: "duration", from: "created", to: "replied", direction: "decrease" })
const perSession = metric({ key: "per_session", role: "secondary", type: "ratio", numerator: { event: "paid" }, denominator: { event: "session" }, direction: "increase" })
const complaint = metric({ key: "complaint", role: "guardrail", type: "binomial", event: "complaint", direction: "decrease", margin: 0.01 })

const FIXED = { alpha: 0.05, sides: 2, sequential: false, mde: 0.1 } as const
const moments = (n: number, sum: number, sumSquares: number): VariantStats => ({ _tag: "Moments", moments: { n, sum, sumSquares } })
const binomial = (n: number, conversions: number) => moments(n, conversions, conversions)

describe("compareMetric: the method for each metric type, with its reason", () => {
  it("binomial: the z-test when every expected cell count is at least 5, Fisher's exact test otherwise", () => {
    const large = compareMetric(converted, { control: binomial(1000, 100), bot: binomial(1000, 130) }, "control", ["bot"], FIXED)
    const c = large.comparisons[0]!
    const z = compareProportions({ n: 1000, conversions: 130 }, { n: 1000, conversions: 100 }, 0.05)
    expect(c).toMatchObject({ method: "z-test", pValue: z.pValue, absolute: { estimate: z.estimate, ci: z.ci } })
    expect(c.why).toBe("all expected cell counts ≥ 5: two-proportion z-test")
    expect(large.variants).toEqual([{ variant: "control", n: 1000, mean: 0.1 }, { variant: "bot", n: 1000, mean: 0.13 }])

    const small = compareMetric(converted, { control: binomial(20, 1), bot: binomial(20, 6) }, "control", ["bot"], FIXED).comparisons[0]!
    expect(small.method).toBe("fisher-exact")
    expect(small.why).toBe("an expected cell count is below 5: Fisher's exact test, Newcombe interval")
  })

  it("mean: Welch's t-test; with a covariate, CUPED with θ and the variance reduction", () => {
    const stats = { control: moments(200, 2000, 24_000), ai: moments(220, 1980, 20_000) }
    const c = compareMetric(handle, stats, "control", ["ai"], FIXED).comparisons[0]!
    const welch = welchTest({ n: 220, sum: 1980, sumSquares: 20_000 }, { n: 200, sum: 2000, sumSquares: 24_000 }, 0.05)
    expect(c).toMatchObject({ method: "welch-t", pValue: welch.pValue, standardError: welch.standardError })
    expect(c.relative.method).toBe("delta")

    const withCovariate = {
      control: { _tag: "Moments", moments: { n: 100, sum: 1000, sumSquares: 11_000 }, covariate: { sumX: 900, sumX2: 9_000, sumXY: 9_800 } },
      ai: { _tag: "Moments", moments: { n: 100, sum: 1100, sumSquares: 13_000 }, covariate: { sumX: 920, sumX2: 9_300, sumXY: 10_900 } }
    } satisfies Record<string, VariantStats>
    const adjusted = compareMetric(revenue, withCovariate, "control", ["ai"], FIXED).comparisons[0]!
    const reference = cuped({ n: 100, sumY: 1100, sumY2: 13_000, sumX: 920, sumX2: 9_300, sumXY: 10_900 }, { n: 100, sumY: 1000, sumY2: 11_000, sumX: 900, sumX2: 9_000, sumXY: 9_800 }, 0.05)
    expect(adjusted).toMatchObject({ method: "cuped-welch-t", pValue: reference.pValue, varianceReduction: reference.varianceReduction })
    expect(adjusted.why).toBe(`CUPED on the pre-exposure covariate (θ = ${reference.theta.toPrecision(3)}): Welch's t-test on adjusted values`)
    expect(adjusted.relative.method).toBe("absolute/control")
  })

  it("duration: Welch on the mean with Mann–Whitney beside it when unit values are given; open units summarized", () => {
    const stats: Record<string, VariantStats> = {
      control: { _tag: "Duration", moments: { n: 5, sum: 50, sumSquares: 540 }, open: 2 },
      bot: { _tag: "Duration", moments: { n: 5, sum: 25, sumSquares: 135 }, open: 0 }
    }
    const values = { control: [8, 9, 10, 11, 12], bot: [3, 4, 5, 6, 7] }
    const analysis = compareMetric(reply, stats, "control", ["bot"], FIXED, values)
    expect(analysis.variants[0]).toEqual({ variant: "control", n: 5, mean: 10, open: 2 })
    expect(analysis.comparisons[0]).toMatchObject({ method: "welch-t", robustness: { method: "mann-whitney-exact" } })
    expect(analysis.comparisons[0]!.robustness!.pValue).toBeCloseTo(0.007936507936507936, 12) // scipy.stats.mannwhitneyu, exact
    expect(compareMetric(reply, stats, "control", ["bot"], FIXED).comparisons[0]!.robustness).toBeUndefined()
  })

  it("ratio: the delta method; relative lift against the control's ratio", () => {
    const t = { n: 300, sumX: 3300, sumY: 600, sumX2: 60_000, sumY2: 1_500, sumXY: 8_000 }
    const c = { n: 300, sumX: 3000, sumY: 600, sumX2: 52_000, sumY2: 1_500, sumXY: 7_000 }
    const result = compareMetric(perSession, { control: { _tag: "Ratio", moments: c }, ai: { _tag: "Ratio", moments: t } }, "control", ["ai"], FIXED).comparisons[0]!
    const reference = compareRatios(t, c, 0.05)
    expect(result).toMatchObject({ method: "delta-ratio", pValue: reference.pValue, absolute: { estimate: reference.estimate } })
    expect(result.relative.estimate).toBeCloseTo(reference.estimate / 5, 12)
  })

  it("a guardrail with a margin gets its non-inferiority test", () => {
    const c = compareMetric(complaint, { control: binomial(10_000, 200), bot: binomial(10_000, 220) }, "control", ["bot"], FIXED).comparisons[0]!
    expect(c.nonInferiority).toMatchObject({ margin: 0.01, nonInferior: true })
  })
})

describe("the sequential step", () => {
  it("keeps the estimate and replaces interval and p-value with mSPRT's (τ = baseline × MDE)", () => {
    const stats = { control: binomial(5000, 500), bot: binomial(5000, 600) }
    const fixed = compareMetric(converted, stats, "control", ["bot"], FIXED).comparisons[0]!
    const plan = { alpha: 0.05, sides: 2 as const, sequential: true, mde: 0.1, baseline: 0.1 }
    const seq = compareMetric(converted, stats, "control", ["bot"], plan).comparisons[0]!
    const reference = msprt(fixed.absolute.estimate, fixed.standardError ** 2, { alpha: 0.05, mixingVariance: 0.01 ** 2 })
    expect(seq.method).toBe("z-test+msprt")
    expect(seq.absolute.estimate).toBe(fixed.absolute.estimate)
    // τ = 0.1 × 0.1 in floating point: agreement to 1e-12, not to the last bit
    expect(seq.pValue).toBeCloseTo(reference.pValue, 12)
    expect(seq.absolute.ci.lower).toBeCloseTo(reference.ci.lower, 12)
    expect(seq.absolute.ci.upper).toBeCloseTo(reference.ci.upper, 12)
    expect(seq.why).toBe(`${fixed.why}; sequential plan: mSPRT always-valid interval and p-value (τ = 0.0100)`)
    expect(seq.relative.method).toBe("delta, always-valid width")
    // always-valid intervals are wider than fixed-horizon ones
    expect(seq.absolute.ci.upper - seq.absolute.ci.lower).toBeGreaterThan(fixed.absolute.ci.upper - fixed.absolute.ci.lower)
  })

  it("leaves a degenerate comparison fixed, with its coded reason", () => {
    const c = compareMetric(converted, { control: binomial(100, 0), bot: binomial(100, 0) }, "control", ["bot"], { ...FIXED, sequential: true }).comparisons[0]!
    expect(c).toMatchObject({ method: "fisher-exact", degenerate: "no-conversions", pValue: 1 })
  })

  it("reports an arm without any statistics as too few units, never NaN", () => {
    const c = compareMetric(handle, {}, "control", ["ai"], FIXED).comparisons[0]!
    expect(c.degenerate).toBe("too-few-units")
    expect(Number.isNaN(c.pValue)).toBe(false)
  })
})

describe("properties", () => {
  const arm = fc.record({ n: fc.integer({ min: 0, max: 5000 }), rate: fc.double({ min: 0, max: 1, noNaN: true }) })
  it("p in [0, 1], the interval contains the estimate, the method is one the contract names, the result encodes", () => {
    fc.assert(fc.property(arm, arm, fc.boolean(), fc.constantFrom(1 as const, 2 as const), (a, b, sequential, sides) => {
      const stats = { control: binomial(a.n, Math.round(a.n * a.rate)), bot: binomial(b.n, Math.round(b.n * b.rate)) }
      const analysis = compareMetric(converted, stats, "control", ["bot"], { alpha: 0.05, sides, sequential, mde: 0.1, baseline: 0.1 })
      const c = analysis.comparisons[0]!
      expect(c.pValue).toBeGreaterThanOrEqual(0)
      expect(c.pValue).toBeLessThanOrEqual(1)
      expect(c.absolute.ci.lower).toBeLessThanOrEqual(c.absolute.estimate + 1e-12)
      expect(c.absolute.ci.upper).toBeGreaterThanOrEqual(c.absolute.estimate - 1e-12)
      expect(Schema.is(ComparisonMethod)(c.method)).toBe(true)
      const json = JSON.parse(JSON.stringify(Schema.encodeSync(MetricAnalysis)(analysis)))
      expect(Schema.decodeUnknownSync(MetricAnalysis)(json)).toEqual(analysis)
    }), { numRuns: 300 })
  })

  it("swapping the arms flips the absolute effect", () => {
    fc.assert(fc.property(arm, arm, (a, b) => {
      const ca = binomial(Math.max(a.n, 50), Math.round(Math.max(a.n, 50) * a.rate))
      const cb = binomial(Math.max(b.n, 50), Math.round(Math.max(b.n, 50) * b.rate))
      const ab = compareMetric(converted, { control: ca, bot: cb }, "control", ["bot"], FIXED).comparisons[0]!
      const ba = compareMetric(converted, { control: cb, bot: ca }, "control", ["bot"], FIXED).comparisons[0]!
      expect(ab.absolute.estimate).toBeCloseTo(-ba.absolute.estimate, 12)
      expect(ab.pValue).toBeCloseTo(ba.pValue, 12)
    }), { numRuns: 300 })
  })
})

describe("adjustSuccessMetrics", () => {
  it("Holm across the primary and secondaries of a treatment; guardrails untouched", () => {
    const a = compareMetric(converted, { control: binomial(1000, 100), bot: binomial(1000, 125) }, "control", ["bot"], FIXED)
    const b = compareMetric(handle, { control: moments(200, 2000, 24_000), bot: moments(220, 1980, 20_000) }, "control", ["bot"], FIXED)
    const g = compareMetric(complaint, { control: binomial(1000, 10), bot: binomial(1000, 12) }, "control", ["bot"], FIXED)
    const [pa, pb] = [a.comparisons[0]!.pValue, b.comparisons[0]!.pValue]
    const [lo, hi] = pa < pb ? [pa, pb] : [pb, pa]
    const adjusted = adjustSuccessMetrics([a, b, g])
    const holm = [Math.min(1, 2 * lo), Math.min(1, Math.max(2 * lo, hi))]
    expect(adjusted.slice(0, 2).map((m) => m.comparisons[0]!.adjustedPValue).sort()).toEqual([...holm].sort())
    expect(adjusted[2]!.comparisons[0]!.adjustedPValue).toBeUndefined()
  })

  it("with several treatments, one family across them: Holm over every success metric of every treatment", () => {
    const stats = { control: binomial(1000, 100), a: binomial(1000, 118), b: binomial(1000, 131) }
    const handles = { control: moments(200, 2000, 24_000), a: moments(210, 2010, 22_000), b: moments(220, 1980, 20_000) }
    const a = compareMetric(converted, stats, "control", ["a", "b"], FIXED)
    const b = compareMetric(handle, handles, "control", ["a", "b"], FIXED)
    const raw = [...a.comparisons, ...b.comparisons].map((c) => c.pValue)
    const adjusted = adjustSuccessMetrics([a, b]).flatMap((m) => m.comparisons.map((c) => c.adjustedPValue))
    expect(adjusted).toEqual(holmAdjust(raw))
  })

  it("keeps a pilot's chance of a false win at α however many treatments it has (A/A, three treatments)", () => {
    // 4,000 A/A pilots of three treatments and a control at 10 %, 2,000 units an arm: the share
    // with any primary win; per-treatment Holm would let through about 13 % (1 − 0.95³ ≈ 14 %
    // for independent tests; the arms share the control)
    const random = makeRandom(20261204)
    const draw = () => {
      let k = 0
      for (let i = 0; i < 2000; i++) if (random.uniform() < 0.1) k++
      return binomial(2000, k)
    }
    let wins = 0
    let naive = 0
    const runs = 4000
    for (let r = 0; r < runs; r++) {
      const m = compareMetric(converted, { control: draw(), a: draw(), b: draw(), c: draw() }, "control", ["a", "b", "c"], FIXED)
      const [adjusted] = adjustSuccessMetrics([m])
      if (adjusted!.comparisons.some((c) => c.adjustedPValue! < 0.05)) wins++
      if (m.comparisons.some((c) => c.pValue < 0.05)) naive++
    }
    // 4,000 runs: sd of a 5 % share ≈ 0.34 pp; Holm's FWER is at most α (this seed: 4.78 %, and
    // 12.85 % unadjusted)
    expect(wins / runs).toBeLessThan(0.05 + 3 * 0.0034)
    expect(wins / runs).toBeGreaterThan(0.03)
    expect(naive / runs).toBeGreaterThan(0.11)
  }, 60_000)
})

describe("a one-sided plan (plan.sides: 1)", () => {
  const ONE = { ...FIXED, sides: 1 } as const
  it("z-test: the one-sided p on the metric's good side, and the interval whose ends are one-sided 95 % bounds (the two-sided 90 %)", () => {
    const stats = { control: binomial(1000, 100), bot: binomial(1000, 130) }
    const c = compareMetric(converted, stats, "control", ["bot"], ONE).comparisons[0]!
    const greater = compareProportions({ n: 1000, conversions: 130 }, { n: 1000, conversions: 100 }, 0.05, "greater")
    const ninety = compareProportions({ n: 1000, conversions: 130 }, { n: 1000, conversions: 100 }, 0.1)
    expect(c.pValue).toBe(greater.pValue)
    expect(c.absolute.ci).toEqual(ninety.ci)
    expect(c.absolute.ci.lower).toBe(greater.ci.lower)
    expect(c.why).toBe("all expected cell counts ≥ 5: two-proportion z-test; one-sided plan: p for an increase, each interval end a one-sided 95 % bound")
    // the estimate is on the good side: the one-sided p is half the two-sided one
    expect(c.pValue).toBeCloseTo(compareProportions({ n: 1000, conversions: 130 }, { n: 1000, conversions: 100 }, 0.05).pValue / 2, 12)
  })

  it("a decrease-good metric is tested for a decrease: an increase gives a one-sided p above ½", () => {
    const worse = { control: moments(200, 2000, 24_000), ai: moments(220, 2420, 30_000) }
    const c = compareMetric(handle, worse, "control", ["ai"], ONE).comparisons[0]!
    const less = welchTest({ n: 220, sum: 2420, sumSquares: 30_000 }, { n: 200, sum: 2000, sumSquares: 24_000 }, 0.05, "less")
    expect(c.absolute.estimate).toBeGreaterThan(0)
    expect(c.pValue).toBe(less.pValue)
    expect(c.pValue).toBeGreaterThan(0.5)
  })

  it("Fisher on a small table, and the duration's Mann–Whitney, turn one-sided too", () => {
    const small = compareMetric(converted, { control: binomial(20, 1), bot: binomial(20, 6) }, "control", ["bot"], ONE).comparisons[0]!
    expect(small.method).toBe("fisher-exact")
    expect(small.pValue).toBe(compareProportions({ n: 20, conversions: 6 }, { n: 20, conversions: 1 }, 0.05, "greater").pValue)
    const stats: Record<string, VariantStats> = {
      control: { _tag: "Duration", moments: { n: 5, sum: 50, sumSquares: 540 }, open: 0 },
      bot: { _tag: "Duration", moments: { n: 5, sum: 25, sumSquares: 135 }, open: 0 }
    }
    const values = { control: [8, 9, 10, 11, 12], bot: [3, 4, 5, 6, 7] }
    const two = compareMetric(reply, stats, "control", ["bot"], FIXED, values).comparisons[0]!
    const one = compareMetric(reply, stats, "control", ["bot"], ONE, values).comparisons[0]!
    // every bot value is below every control value: exact p = 2/252 two-sided, 1/252 one-sided ("less")
    expect(two.robustness!.pValue).toBeCloseTo(2 / 252, 14)
    expect(one.robustness!.pValue).toBeCloseTo(1 / 252, 14)
  })

  it("sequential: the half-normal mixture's always-valid p, and each end the one-sided always-valid bound", () => {
    const plan = { alpha: 0.05, sides: 1 as const, sequential: true, mde: 0.1, baseline: 0.1 }
    const stats = { control: binomial(4000, 400), bot: binomial(4000, 470) }
    const c = compareMetric(converted, stats, "control", ["bot"], plan).comparisons[0]!
    const fixed = compareProportions({ n: 4000, conversions: 470 }, { n: 4000, conversions: 400 }, 0.1)
    const v = fixed.standardError! ** 2
    const options = { alpha: 0.05, mixingVariance: 0.01 ** 2 }
    const greater = msprt(fixed.estimate, v, { ...options, alternative: "greater" })
    const less = msprt(fixed.estimate, v, { ...options, alternative: "less" })
    expect(c.method).toBe("z-test+msprt")
    expect(c.pValue).toBe(greater.pValue)
    expect(c.absolute.ci).toEqual({ lower: greater.ci.lower, upper: less.ci.upper })
    // one-sided always-valid bounds are tighter than the two-sided ones at the same α
    const two = compareMetric(converted, stats, "control", ["bot"], { ...plan, sides: 2 }).comparisons[0]!
    expect(c.absolute.ci.lower).toBeGreaterThan(two.absolute.ci.lower)
    expect(c.pValue).toBeLessThan(two.pValue)
  })

  it("a guardrail's non-inferiority test runs at one-sided α (α/2 in a two-sided plan)", () => {
    const stats = { control: binomial(2000, 40), bot: binomial(2000, 46) }
    const one = compareMetric(complaint, stats, "control", ["bot"], ONE).comparisons[0]!
    const two = compareMetric(complaint, stats, "control", ["bot"], FIXED).comparisons[0]!
    expect(one.nonInferiority!.bound).toBeLessThan(two.nonInferiority!.bound)
    expect(one.nonInferiority!.bound).toBeCloseTo(one.absolute.ci.upper, 12)
  })
})

describe("a sequential plan with the asymptotic confidence sequence", () => {
  it("replaces the fixed interval and p with the sequence's after the units of both arms, tightest at N*", () => {
    const plan = { alpha: 0.05, sides: 2 as const, sequential: true, mde: 0.1, baseline: 0.1, sequentialMethod: { _tag: "asymptotic-cs" as const, tuning: 8000 } }
    const stats = { control: binomial(4000, 400), bot: binomial(4000, 470) }
    const c = compareMetric(converted, stats, "control", ["bot"], plan).comparisons[0]!
    const fixed = compareProportions({ n: 4000, conversions: 470 }, { n: 4000, conversions: 400 }, 0.05)
    const cs = asymptoticConfidenceSequence(fixed.estimate, fixed.standardError! ** 2, 8000, { alpha: 0.05, tuning: 8000 })
    expect(c.method).toBe("z-test+asymptotic-cs")
    expect(c.pValue).toBe(cs.pValue)
    expect(c.absolute.ci).toEqual(cs.ci)
    expect(c.why).toContain("asymptotic confidence sequence (Waudby-Smith et al.), always-valid interval and p, tightest at N* = 8000 units")
    // wider than the fixed-horizon interval at the same α
    expect(c.absolute.ci.upper - c.absolute.ci.lower).toBeGreaterThan(fixed.ci.upper - fixed.ci.lower)
  })
})

