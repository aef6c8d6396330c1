/**
 * One-sided tests, bounds and plans against scipy and statsmodels, from the committed generator
 * fixtures/one_sided.py (its output: fixtures/one_sided.json).
 * Tolerances: closed-form p-values and bounds 1e-10 relative (the same formulas in double
 * precision; Welch's t tail through @stdlib vs scipy's own ~1e-12); Fisher and the exact
 * Mann–Whitney 1e-9 relative; infinite ends are written "Infinity" / "-Infinity" in the JSON (summed pmfs); the half-normal mSPRT 1e-8 relative (a closed form
 * and bisection here, numerical integration and brentq there); plan sizes exact after rounding up.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import {
  type Alternative,
  compareProportions,
  fisherExact,
  mannWhitney,
  type MeanStats,
  msprt,
  powerTwoSided,
  type ProportionStats,
  sampleSizeMeans,
  sampleSizeProportions,
  sequentialPower,
  twoProportionZTest,
  welchTest
} from "../src/index.js"

interface Fixture {
  welch: Array<{ treatment: MeanStats; control: MeanStats; alternative: Alternative; pValue: number; lower: number | string; upper: number | string }>
  ztest: Array<{ treatment: ProportionStats; control: ProportionStats; alternative: Alternative; pValue: number; lower: number | null; upper: number | null }>
  fisher: Array<{ treatment: ProportionStats; control: ProportionStats; alternative: Alternative; pValue: number }>
  mannWhitney: Array<{ treatment: Array<number>; control: Array<number>; method: "exact" | "asymptotic"; alternative: Alternative; statistic: number; pValue: number }>
  sequential: Array<{ estimate: number; variance: number; tau2: number; alpha: number; alternative: Alternative; likelihoodRatio: number; pValue: number; lower: number | null; upper: number | null }>
  plans: Array<{ kind: "proportion" | "mean"; a: number; delta: number; n: number; alpha: number; comparisons: number; target: number; varianceSum: number; power: number; nContinuous: number }>
  sequentialPlans: Array<{ delta: number; varianceSum: number; n: number; tau2: number; alpha: number; power: number }>
}

const ref = JSON.parse(readFileSync(new URL("./fixtures/one_sided.json", import.meta.url), "utf8")) as Fixture

const close = (actual: number, expected: number, rel: number) => {
  if (!Number.isFinite(expected)) return expect(actual).toBe(expected)
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1e-300, Math.abs(expected)))
}

describe("one-sided tests against scipy / statsmodels", () => {
  it("Welch's t: p-value and one-sided bound as scipy.stats.ttest_ind(alternative=…)", () => {
    expect(ref.welch.length).toBe(9)
    for (const c of ref.welch) {
      const r = welchTest(c.treatment, c.control, 0.05, c.alternative)
      close(r.pValue, c.pValue, 1e-9)
      close(r.ci.lower, Number(c.lower), 1e-9)
      close(r.ci.upper, Number(c.upper), 1e-9)
      if (c.alternative === "greater") expect(r.ci.upper).toBe(Infinity)
      if (c.alternative === "less") expect(r.ci.lower).toBe(-Infinity)
    }
  })

  it("the z-test: statsmodels proportions_ztest(alternative=larger|smaller) and the one-sided Wald bound", () => {
    for (const c of ref.ztest) {
      const r = twoProportionZTest(c.treatment, c.control, 0.05, c.alternative)
      close(r.pValue, c.pValue, 1e-10)
      if (c.lower !== null) close(r.ci.lower, c.lower, 1e-10)
      if (c.upper !== null) close(r.ci.upper, c.upper, 1e-10)
      // the automatic choice takes the same z-test here (every expected count ≥ 5)
      expect(compareProportions(c.treatment, c.control, 0.05, c.alternative).pValue).toBe(r.pValue)
    }
  })

  it("Fisher's exact test: scipy.stats.fisher_exact(alternative=…)", () => {
    for (const c of ref.fisher) close(fisherExact(c.treatment, c.control, c.alternative).pValue, c.pValue, 1e-9)
  })

  it("the automatic choice on a small table uses Fisher's one-sided p and the Newcombe bound at 2α", () => {
    const c = ref.fisher.find((f) => f.alternative === "greater" && f.treatment.conversions === 7)!
    const r = compareProportions(c.treatment, c.control, 0.05, "greater")
    expect(r.method).toBe("fisher-exact")
    close(r.pValue, c.pValue, 1e-9)
    expect(r.ci.upper).toBe(Infinity)
    // the one-sided 95 % bound is the lower end of the two-sided 90 % interval
    expect(r.ci.lower).toBe(compareProportions(c.treatment, c.control, 0.1).ci.lower)
  })

  it("Mann–Whitney U: scipy.stats.mannwhitneyu(alternative=…, method=…), exact and with ties", () => {
    expect(ref.mannWhitney.length).toBe(12)
    for (const c of ref.mannWhitney) {
      const r = mannWhitney(c.treatment, c.control, c.method, c.alternative)
      expect(r.statistic).toBe(c.statistic)
      close(r.pValue, c.pValue, 1e-9)
    }
  })

  it("mSPRT with a half-normal mixture: likelihood ratio, p and the always-valid bound against numerical integration", () => {
    for (const c of ref.sequential) {
      const r = msprt(c.estimate, c.variance, { alpha: c.alpha, mixingVariance: c.tau2, alternative: c.alternative })
      close(r.likelihoodRatio, c.likelihoodRatio, 1e-8)
      close(r.pValue, c.pValue, 1e-8)
      if (c.lower !== null) {
        close(r.ci.lower, c.lower, 1e-8)
        expect(r.ci.upper).toBe(Infinity)
      }
      if (c.upper !== null) {
        close(r.ci.upper, c.upper, 1e-8)
        expect(r.ci.lower).toBe(-Infinity)
      }
      // a one-sided always-valid bound is tighter than the two-sided one at the same α
      const two = msprt(c.estimate, c.variance, { alpha: c.alpha, mixingVariance: c.tau2 })
      if (c.lower !== null) expect(r.ci.lower).toBeGreaterThan(two.ci.lower)
      if (c.upper !== null) expect(r.ci.upper).toBeLessThan(two.ci.upper)
    }
  })
})

describe("one-sided plans against statsmodels NormalIndPower(alternative='larger')", () => {
  it("power at n and the units per arm for the target power", () => {
    for (const c of ref.plans) {
      const o = { alpha: c.alpha, power: c.target, comparisons: c.comparisons, sides: 1 as const }
      close(powerTwoSided(c.delta, c.varianceSum, c.n, o), c.power, 1e-10)
      const n = c.kind === "proportion" ? sampleSizeProportions(c.a, c.delta, o) : sampleSizeMeans(c.a, Math.abs(c.delta), o)
      expect(n).toBe(Math.ceil(c.nContinuous))
      // a one-sided plan needs fewer units than the two-sided one
      const two = c.kind === "proportion"
        ? sampleSizeProportions(c.a, c.delta, { ...o, sides: 2 })
        : sampleSizeMeans(c.a, Math.abs(c.delta), { ...o, sides: 2 })
      expect(n).toBeLessThan(two)
    }
  })

  it("the always-valid one-sided test's last-look power", () => {
    for (const c of ref.sequentialPlans) {
      close(sequentialPower(c.delta, c.varianceSum, c.n, c.tau2, { alpha: c.alpha, sides: 1 }), c.power, 1e-8)
    }
  })
})
