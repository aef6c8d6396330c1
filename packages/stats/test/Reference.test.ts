/**
 * Golden values from scipy (fixtures/generate.py → fixtures/reference.json).
 * Tolerances: CLOSED (1e-9 relative) for closed forms; ITERATIVE (1e-6 relative) where either
 * side uses numerical integration, root finding or quantile inversion; both with an absolute
 * floor of 1e-14 for values that are essentially zero.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import {
  benjaminiHochbergAdjust,
  betaBinomial,
  bootstrapMeanDifference,
  compareProportions,
  compareRatios,
  cuped,
  fisherExact,
  holmAdjust,
  makeRandom,
  mannWhitney,
  mdeMeans,
  mdeProportions,
  minExpectedCount,
  msprt,
  newcombeInterval,
  nonInferiorityMeans,
  nonInferiorityProportions,
  normalPosterior,
  ratioEstimate,
  relativeLiftDelta,
  relativeLiftFieller,
  sampleRatioMismatch,
  sampleSizeMeans,
  sampleSizeProportions,
  twoProportionZTest,
  welchTest,
  wilsonInterval,
  type MannWhitneyMethod
} from "../src/index.js"

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any
const ref: Json = JSON.parse(readFileSync(new URL("./fixtures/reference.json", import.meta.url), "utf8"))

const CLOSED = 1e-9
const ITERATIVE = 1e-6

const close = (actual: number, expected: number, rel: number, abs = 1e-14): void => {
  const ok = actual === expected || Math.abs(actual - expected) <= Math.max(abs, rel * Math.abs(expected))
  if (!ok) expect.fail(`${actual} vs expected ${expected} (rel ${Math.abs(actual - expected) / Math.abs(expected)}, tol ${rel})`)
}

describe("Welch t-test vs scipy.stats.ttest_ind(equal_var=False) (1e-9)", () => {
  it.each(ref.welch as Array<Json>)("case %#", (c) => {
    const r = welchTest(c.treatment, c.control, c.alpha)
    expect(r.reason).toBeUndefined()
    close(r.estimate, c.estimate, CLOSED)
    close(r.statistic!, c.statistic, CLOSED)
    close(r.df!, c.df, CLOSED)
    close(r.pValue, c.pValue, CLOSED)
    close(r.ci.lower, c.lower, CLOSED)
    close(r.ci.upper, c.upper, CLOSED)
  })
})

describe("two-proportion z-test (1e-9)", () => {
  it.each(ref.zTest as Array<Json>)("case %#", (c) => {
    const r = twoProportionZTest(c.treatment, c.control, c.alpha)
    close(r.estimate, c.estimate, CLOSED)
    close(r.statistic!, c.statistic, CLOSED)
    close(r.pValue, c.pValue, CLOSED)
    close(r.ci.lower, c.lower, CLOSED)
    close(r.ci.upper, c.upper, CLOSED)
  })
})

describe("Wilson and Newcombe intervals (1e-9)", () => {
  it.each(ref.wilson as Array<Json>)("wilson %#", (c) => {
    const r = wilsonInterval(c.stats, c.alpha)
    close(r.lower, c.lower, CLOSED)
    close(r.upper, c.upper, CLOSED)
  })
  it.each(ref.newcombe as Array<Json>)("newcombe %#", (c) => {
    const r = newcombeInterval(c.treatment, c.control, c.alpha)
    close(r.lower, c.lower, CLOSED)
    close(r.upper, c.upper, CLOSED)
  })
})

describe("Fisher exact vs scipy.stats.fisher_exact (1e-9)", () => {
  it.each(ref.fisher as Array<Json>)("case %#", (c) => {
    close(fisherExact(c.treatment, c.control).pValue, c.pValue, CLOSED)
    // swapping rows gives the same two-sided p
    close(fisherExact(c.control, c.treatment).pValue, c.pValue, CLOSED)
    close(minExpectedCount(c.treatment, c.control), c.minExpected, CLOSED)
    const auto = compareProportions(c.treatment, c.control)
    expect(auto.method).toBe(c.minExpected < 5 ? "fisher-exact" : "z-test")
    if (auto.method === "fisher-exact") close(auto.pValue, c.pValue, CLOSED)
  })
})

describe("Mann–Whitney U vs scipy.stats.mannwhitneyu (1e-9)", () => {
  it.each(ref.mannWhitney.cases as Array<Json>)("case %#: $method", (c) => {
    const s = ref.mannWhitney.samples[c.sample]
    const r = mannWhitney(s.x, s.y, c.method as MannWhitneyMethod)
    expect(r.method).toBe(`mann-whitney-${c.chosen}`)
    close(r.statistic, c.statistic, CLOSED)
    close(r.pValue, c.pValue, CLOSED)
    close(r.commonLanguage, c.statistic / (s.x.length * s.y.length), CLOSED)
  })
})

describe("relative lift (delta 1e-9; Fieller vs root finding 1e-9)", () => {
  it.each(ref.lift as Array<Json>)("case %#", (c) => {
    const d = relativeLiftDelta(c.treatment, c.control, c.alpha)
    close(d.estimate, c.estimate, CLOSED)
    close(d.ci.lower, c.deltaLower, CLOSED)
    close(d.ci.upper, c.deltaUpper, CLOSED)
    close(d.pValue!, c.deltaP, CLOSED)
    const f = relativeLiftFieller(c.treatment, c.control, c.alpha)
    if (c.fiellerBounded) {
      expect(f.reason).toBeUndefined()
      close(f.ci.upper, c.fiellerUpper, CLOSED)
      if (c.fiellerLower !== undefined) close(f.ci.lower, c.fiellerLower, CLOSED)
    } else {
      expect(f.reason).toBe("unbounded-ci")
    }
  })
})

describe("ratio metrics by the delta method (1e-9)", () => {
  it.each(ref.ratio as Array<Json>)("case %#", (c) => {
    const r = compareRatios(c.treatment, c.control, c.alpha)
    const t = ratioEstimate(c.treatment)!
    close(t.ratio, c.ratioTreatment, CLOSED)
    close(t.variance, c.varianceTreatment, CLOSED)
    close(r.estimate, c.estimate, CLOSED)
    close(r.pValue, c.pValue, CLOSED)
    close(r.ci.lower, c.lower, CLOSED)
    close(r.ci.upper, c.upper, CLOSED)
  })
})

describe("CUPED vs Welch on adjusted values (1e-9 on moments; 1e-8 where sums of 10⁴ squares cancel)", () => {
  it.each(ref.cuped as Array<Json>)("case %#", (c) => {
    const r = cuped(c.treatment, c.control, c.alpha)
    close(r.theta, c.theta, 1e-8)
    close(r.estimate, c.estimate, 1e-8, 1e-12)
    close(r.adjustedMeanTreatment, c.adjustedMeanTreatment, 1e-9)
    close(r.adjustedMeanControl, c.adjustedMeanControl, 1e-9)
    close(r.pValue, c.pValue, 1e-7)
    close(r.df!, c.df, 1e-8)
    close(r.ci.lower, c.lower, 1e-8)
    close(r.ci.upper, c.upper, 1e-8)
    close(r.varianceReduction, c.varianceReduction, 1e-8)
  })
})

describe("mSPRT always-valid p and CI (closed form 1e-9; CI vs brentq 1e-9)", () => {
  it.each(ref.sequential as Array<Json>)("case %#", (c) => {
    const r = msprt(c.estimate, c.variance, { mixingVariance: c.mixingVariance, alpha: c.alpha })
    close(r.likelihoodRatio, c.likelihoodRatio, CLOSED)
    close(r.pValue, c.pValue, CLOSED)
    close(r.ci.lower, c.lower, CLOSED)
    close(r.ci.upper, c.upper, CLOSED)
  })
})

describe("beta-binomial vs numerical integration (1e-6: quad on the reference side)", () => {
  it.each(ref.betaBinomial as Array<Json>)("case %#", (c) => {
    const r = betaBinomial(c.treatment, c.control, c.prior)
    close(r.probabilityTreatmentBetter, c.probabilityTreatmentBetter, ITERATIVE, 1e-10)
    close(r.expectedLossTreatment, c.expectedLossTreatment, ITERATIVE, 1e-10)
    close(r.expectedLossControl, c.expectedLossControl, ITERATIVE, 1e-10)
    close(r.credibleTreatment.lower, c.credibleTreatment[0], ITERATIVE)
    close(r.credibleTreatment.upper, c.credibleTreatment[1], ITERATIVE)
    close(r.credibleControl.lower, c.credibleControl[0], ITERATIVE)
    close(r.credibleControl.upper, c.credibleControl[1], ITERATIVE)
  })
})

describe("normal posterior (closed form 1e-9; losses vs quad 1e-8)", () => {
  it.each(ref.normalPosterior as Array<Json>)("case %#", (c) => {
    const r = normalPosterior(c.estimate, c.standardError, c.prior ?? undefined, c.alpha)
    close(r.mean, c.mean, CLOSED)
    close(r.sd, c.sd, CLOSED)
    close(r.probabilityPositive, c.probabilityPositive, CLOSED)
    close(r.credibleInterval.lower, c.lower, CLOSED)
    close(r.credibleInterval.upper, c.upper, CLOSED)
    close(r.expectedLossTreatment, c.expectedLossTreatment, 1e-8, 1e-12)
    close(r.expectedLossControl, c.expectedLossControl, 1e-8, 1e-12)
  })
})

describe("planning (sample size exact integers; MDE closed 1e-9, bisection vs brentq 1e-9)", () => {
  it.each(ref.planning as Array<Json>)("case %#", (c) => {
    const o = { alpha: c.alpha, power: c.power, comparisons: c.comparisons }
    if (c.kind === "proportion") {
      expect(sampleSizeProportions(c.baseline, c.mde, o)).toBe(c.n)
      close(mdeProportions(c.baseline, c.mdeAtN.n, o), c.mdeAtN.mde, CLOSED)
    } else {
      expect(sampleSizeMeans(c.sd, c.mde, o)).toBe(c.n)
      close(mdeMeans(c.sd, c.mdeAtN.n, o), c.mdeAtN.mde, CLOSED)
    }
  })
})

describe("SRM vs scipy.stats.chisquare (1e-9 for df ≤ 2; df > 2 via 1 − cdf: 1e-9 or 1e-15 absolute)", () => {
  it.each(ref.srm as Array<Json>)("case %#", (c) => {
    const r = sampleRatioMismatch(c.observed, c.weights)
    close(r.statistic, c.statistic, CLOSED)
    expect(r.df).toBe(c.df)
    close(r.pValue, c.pValue, CLOSED, c.df > 2 ? 1e-15 : 1e-300)
  })
})

describe("Holm and Benjamini–Hochberg (statsmodels multipletests formulas, 1e-12)", () => {
  it.each(ref.multiplicity as Array<Json>)("case %#", (c) => {
    holmAdjust(c.p).forEach((v, i) => close(v, c.holm[i], 1e-12))
    benjaminiHochbergAdjust(c.p).forEach((v, i) => close(v, c.bh[i], 1e-12))
  })
})

describe("non-inferiority (1e-9)", () => {
  it.each(ref.nonInferiority as Array<Json>)("case %#", (c) => {
    const o = { margin: c.margin, direction: c.direction, alpha: c.alpha }
    const r = c.kind === "mean" ? nonInferiorityMeans(c.treatment, c.control, o) : nonInferiorityProportions(c.treatment, c.control, o)
    close(r.estimate, c.estimate, CLOSED)
    close(r.pValue, c.pValue, CLOSED)
    close(r.bound, c.bound, CLOSED)
    if (c.df !== undefined) close(r.df!, c.df, CLOSED)
    expect(r.nonInferior).toBe(c.pValue < c.alpha)
  })
})

describe("percentile bootstrap vs scipy.stats.bootstrap (Monte Carlo: 5% of the CI width)", () => {
  it("agrees with scipy on the same data, and is deterministic by seed", () => {
    const b = ref.bootstrap
    const r = bootstrapMeanDifference(b.x, b.y, makeRandom(7), { resamples: 10_000 })
    const width = b.upper - b.lower
    expect(Math.abs(r.ci.lower - b.lower)).toBeLessThan(0.05 * width)
    expect(Math.abs(r.ci.upper - b.upper)).toBeLessThan(0.05 * width)
    expect(Math.abs(r.standardError - b.standardError)).toBeLessThan(0.05 * b.standardError)
    const again = bootstrapMeanDifference(b.x, b.y, makeRandom(7), { resamples: 10_000 })
    expect(again.ci).toEqual(r.ci)
  })
})
