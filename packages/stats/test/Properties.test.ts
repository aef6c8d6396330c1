/**
 * Properties every comparison must hold, checked with fast-check: p-values in [0, 1]; CIs contain
 * the estimate; swapping arms flips the estimate's sign and keeps p; more data with the same
 * moments never widens a CI; degenerate inputs give a coded reason, never NaN, never a throw.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  bootstrapMeanDifference,
  logGamma,
  compareProportions,
  compareRatios,
  cuped,
  fisherExact,
  makeRandom,
  mannWhitney,
  mannWhitneyExactSf,
  msprt,
  nonInferiorityMeans,
  nonInferiorityProportions,
  relativeLiftFieller,
  sampleRatioMismatch,
  sequentialMeans,
  sequentialProportions,
  twoProportionZTest,
  welchTest,
  type Comparison,
  type MeanStats,
  type ProportionStats
} from "../src/index.js"

const prop = fc
  .record({ n: fc.integer({ min: 1, max: 5000 }), k: fc.double({ min: 0, max: 1, noNaN: true }) })
  .map(({ n, k }): ProportionStats => ({ n, conversions: Math.round(k * n) }))

const meanStats = fc
  .record({
    n: fc.integer({ min: 2, max: 10_000 }),
    mean: fc.double({ min: -1e3, max: 1e3, noNaN: true }),
    sd: fc.double({ min: 0, max: 100, noNaN: true })
  })
  .map(({ n, mean, sd }): MeanStats => ({ n, sum: n * mean, sumSquares: (n - 1) * sd * sd + n * mean * mean }))

const wellFormed = (r: Comparison): void => {
  expect(Number.isNaN(r.pValue)).toBe(false)
  expect(Number.isNaN(r.estimate)).toBe(false)
  expect(Number.isNaN(r.ci.lower) || Number.isNaN(r.ci.upper)).toBe(false)
  expect(r.pValue).toBeGreaterThanOrEqual(0)
  expect(r.pValue).toBeLessThanOrEqual(1)
  expect(r.ci.lower).toBeLessThanOrEqual(r.estimate + 1e-12 * Math.max(1, Math.abs(r.estimate)))
  expect(r.ci.upper).toBeGreaterThanOrEqual(r.estimate - 1e-12 * Math.max(1, Math.abs(r.estimate)))
}

const swapped = (a: Comparison, b: Comparison): void => {
  expect(b.estimate).toBeCloseTo(-a.estimate, 10)
  expect(Math.abs(b.pValue - a.pValue)).toBeLessThanOrEqual(1e-9 * Math.max(1e-300, a.pValue) + 1e-15)
}

describe("proportions", () => {
  it("z-test and auto choice: p in [0,1], CI contains estimate, symmetric under swap", () => {
    fc.assert(
      fc.property(prop, prop, (t, c) => {
        for (const f of [twoProportionZTest, compareProportions]) {
          const a = f(t, c)
          const b = f(c, t)
          wellFormed(a)
          wellFormed(b)
          swapped(a, b)
          expect(b.method).toBe(a.method)
        }
      })
    )
  })
  it("more data with the same rates never widens the z-test CI", () => {
    fc.assert(
      fc.property(prop, prop, fc.integer({ min: 2, max: 10 }), (t, c, k) => {
        const a = twoProportionZTest(t, c)
        const b = twoProportionZTest({ n: t.n * k, conversions: t.conversions * k }, { n: c.n * k, conversions: c.conversions * k })
        if (a.reason === undefined) expect(b.ci.upper - b.ci.lower).toBeLessThanOrEqual(a.ci.upper - a.ci.lower + 1e-15)
      })
    )
  })
  it("non-inferiority: p in [0,1] and nonInferior ⇔ p < α", () => {
    fc.assert(
      fc.property(prop, prop, fc.double({ min: 0, max: 0.2, noNaN: true }), fc.boolean(), (t, c, margin, inc) => {
        const r = nonInferiorityProportions(t, c, { margin, direction: inc ? "increase" : "decrease" })
        expect(r.pValue).toBeGreaterThanOrEqual(0)
        expect(r.pValue).toBeLessThanOrEqual(1)
        if (r.reason === undefined && Math.abs(r.pValue - 0.05) > 1e-9) expect(r.nonInferior).toBe(r.pValue < 0.05)
      })
    )
  })
})

describe("means", () => {
  it("Welch: p in [0,1], CI contains estimate, symmetric under swap", () => {
    fc.assert(
      fc.property(meanStats, meanStats, (t, c) => {
        const a = welchTest(t, c)
        const b = welchTest(c, t)
        wellFormed(a)
        wellFormed(b)
        swapped(a, b)
      })
    )
  })
  it("more data with the same moments never widens the Welch CI", () => {
    fc.assert(
      fc.property(meanStats, meanStats, fc.integer({ min: 2, max: 10 }), (t, c, k) => {
        const scale = (s: MeanStats): MeanStats => ({ n: s.n * k, sum: s.sum * k, sumSquares: s.sumSquares * k })
        const a = welchTest(t, c)
        const b = welchTest(scale(t), scale(c))
        if (a.reason === undefined && b.reason === undefined) {
          // sample variance with n−1 shrinks slightly when scaling Σ's, so the CI strictly narrows
          expect(b.ci.upper - b.ci.lower).toBeLessThanOrEqual((a.ci.upper - a.ci.lower) * (1 + 1e-9))
        }
      })
    )
  })
  it("mSPRT always-valid CI contains the estimate, p in [0,1], and is wider than the fixed-n CI", () => {
    fc.assert(
      fc.property(meanStats, meanStats, fc.double({ min: 1e-4, max: 100, noNaN: true }), (t, c, tau2) => {
        const s = sequentialMeans(t, c, { mixingVariance: tau2 })
        wellFormed(s)
        const w = welchTest(t, c)
        if (s.reason === undefined && w.reason === undefined && w.df! > 30) {
          expect(s.ci.upper - s.ci.lower).toBeGreaterThanOrEqual((w.ci.upper - w.ci.lower) * 0.999)
        }
      })
    )
  })
  it("non-inferiority for means: p in [0,1]", () => {
    fc.assert(
      fc.property(meanStats, meanStats, fc.double({ min: 0, max: 10, noNaN: true }), (t, c, margin) => {
        const r = nonInferiorityMeans(t, c, { margin, direction: "decrease" })
        expect(r.pValue).toBeGreaterThanOrEqual(0)
        expect(r.pValue).toBeLessThanOrEqual(1)
        expect(Number.isNaN(r.bound)).toBe(false)
      })
    )
  })
})

describe("Mann–Whitney", () => {
  const sample = fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 40 })
  it("p in [0,1], swapping arms keeps p and gives U_C = n_T n_C − U_T", () => {
    fc.assert(
      fc.property(sample, sample, (x, y) => {
        const a = mannWhitney(x, y)
        const b = mannWhitney(y, x)
        expect(a.pValue).toBeGreaterThanOrEqual(0)
        expect(a.pValue).toBeLessThanOrEqual(1)
        expect(Math.abs(a.pValue - b.pValue)).toBeLessThan(1e-12)
        expect(a.statistic + b.statistic).toBe(x.length * y.length)
      })
    )
  })
  it("exact null distribution sums to 1 and is symmetric", () => {
    for (const [m, n] of [[3, 5], [8, 8], [1, 30], [7, 100]] as const) {
      expect(mannWhitneyExactSf(0, m, n)).toBeCloseTo(1, 12)
      for (let u = 0; u <= m * n; u++) {
        // P(U ≥ u) + P(U ≥ mn − u + 1) = 1 by symmetry
        expect(mannWhitneyExactSf(u, m, n) + mannWhitneyExactSf(m * n - u + 1, m, n)).toBeCloseTo(1, 10)
      }
    }
  })
})

describe("degenerate inputs: coded reason, no NaN, no throw", () => {
  const zeroVar: MeanStats = { n: 10, sum: 50, sumSquares: 250 }
  const one: MeanStats = { n: 1, sum: 3, sumSquares: 9 }
  it.each([
    ["welch zero variance", () => welchTest(zeroVar, zeroVar), "zero-variance"],
    ["welch n < 2", () => welchTest(one, zeroVar), "too-few-units"],
    ["z-test no conversions", () => twoProportionZTest({ n: 10, conversions: 0 }, { n: 12, conversions: 0 }), "no-conversions"],
    ["z-test all converted", () => twoProportionZTest({ n: 10, conversions: 10 }, { n: 12, conversions: 12 }), "all-converted"],
    ["z-test empty arm", () => twoProportionZTest({ n: 0, conversions: 0 }, { n: 12, conversions: 3 }), "too-few-units"],
    ["auto no conversions", () => compareProportions({ n: 10, conversions: 0 }, { n: 12, conversions: 0 }), "no-conversions"],
    ["ratio zero denominator", () => compareRatios({ n: 5, sumX: 1, sumY: 0, sumX2: 1, sumY2: 0, sumXY: 0 }, { n: 5, sumX: 1, sumY: 2, sumX2: 1, sumY2: 2, sumXY: 1 }), "zero-denominator"],
    ["cuped n < 2", () => cuped({ n: 1, sumY: 1, sumY2: 1, sumX: 1, sumX2: 1, sumXY: 1 }, { n: 3, sumY: 3, sumY2: 5, sumX: 3, sumX2: 5, sumXY: 4 }), "too-few-units"],
    ["msprt zero variance", () => msprt(0.1, 0, { mixingVariance: 1 }), "zero-variance"],
    ["msprt subnormal variance (τ²/v overflows)", () => sequentialMeans({ n: 2, sum: 0, sumSquares: 1e-323 }, { n: 2, sum: 0, sumSquares: 0 }, { mixingVariance: 1e-4 }), "zero-variance"],
    ["sequential proportions no conversions", () => sequentialProportions({ n: 5, conversions: 0 }, { n: 5, conversions: 0 }, { mixingVariance: 0.01 }), "no-conversions"]
  ] as const)("%s", (_name, f, reason) => {
    const r = f() as Comparison
    expect(r.reason).toBe(reason)
    wellFormed(r)
    expect(r.pValue).toBe(1)
  })
  it("Fieller reports an unbounded CI when the control mean is not significantly ≠ 0", () => {
    const r = relativeLiftFieller({ mean: 1, standardError: 0.1 }, { mean: 0.1, standardError: 0.1 })
    expect(r.reason).toBe("unbounded-ci")
    expect(r.ci.lower).toBe(-Infinity)
  })
  // scipy answers these with NaN (chisquare with a NaN count: statistic and p NaN; fisher_exact
  // on an empty margin: odds ratio NaN, p 1; ttest_ind on constant arms: NaN); ours are coded
  it("SRM with a count that is not finite or is negative: invalid-input, p = 1, never NaN", () => {
    for (const observed of [[10, Number.NaN], [10, Number.POSITIVE_INFINITY], [10, -1]]) {
      const r = sampleRatioMismatch(observed, [1, 1])
      expect(r).toMatchObject({ reason: "invalid-input", pValue: 1, statistic: 0 })
      expect(r.expected.every(Number.isFinite)).toBe(true)
    }
    expect(sampleRatioMismatch([10, 10], [1, Number.POSITIVE_INFINITY]).reason).toBe("invalid-input")
    expect(sampleRatioMismatch([0, 0], [1, 1]).reason).toBe("too-few-units")
  })
  it("Fisher on an empty margin names it: no units in an arm, no conversions, every unit converted", () => {
    expect(fisherExact({ n: 0, conversions: 0 }, { n: 8, conversions: 3 })).toEqual({ oddsRatio: 1, pValue: 1, reason: "too-few-units" })
    expect(fisherExact({ n: 4, conversions: 0 }, { n: 5, conversions: 0 })).toEqual({ oddsRatio: 1, pValue: 1, reason: "no-conversions" })
    expect(fisherExact({ n: 4, conversions: 4 }, { n: 5, conversions: 5 })).toEqual({ oddsRatio: 1, pValue: 1, reason: "all-converted" })
    expect(fisherExact({ n: 4, conversions: 1 }, { n: 5, conversions: 2 }).reason).toBeUndefined()
  })
  it("zero variance keeps the standard error it knows: 0", () => {
    expect(welchTest(zeroVar, zeroVar)).toMatchObject({ reason: "zero-variance", standardError: 0 })
    expect(msprt(0.1, 0, { mixingVariance: 1 })).toMatchObject({ reason: "zero-variance", standardError: 0 })
    const constant = { n: 4, sumY: 8, sumY2: 16, sumX: 4, sumX2: 4, sumXY: 8 }
    expect(cuped(constant, constant)).toMatchObject({ reason: "zero-variance", standardError: 0 })
    // unknown is still left out: one unit has no variance to speak of
    expect(welchTest(one, zeroVar).standardError).toBeUndefined()
  })
  it("Mann–Whitney with NaN or an empty arm", () => {
    expect(mannWhitney([1, Number.NaN], [2, 3]).reason).toBe("invalid-input")
    expect(mannWhitney([], [2, 3]).reason).toBe("too-few-units")
    expect(mannWhitney([1, 1, 1], [1, 1]).reason).toBe("zero-variance")
  })
})

describe("bootstrap", () => {
  it("CI contains the estimate and is deterministic by seed; inputs are not mutated", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 2, maxLength: 50 }),
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 2, maxLength: 50 }),
        fc.integer({ min: 1, max: 1e9 }),
        (x, y, seed) => {
          const copy = [...x]
          const a = bootstrapMeanDifference(x, y, makeRandom(seed), { resamples: 200 })
          const b = bootstrapMeanDifference(x, y, makeRandom(seed), { resamples: 200 })
          expect(a).toEqual(b)
          expect(x).toEqual(copy)
          expect(a.ci.lower).toBeLessThanOrEqual(a.ci.upper)
        }
      ),
      { numRuns: 30 }
    )
  })
})

describe("ratio and CUPED from raw per-unit pairs", () => {
  const pairs = fc.array(fc.tuple(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0.5, max: 10, noNaN: true })), {
    minLength: 2,
    maxLength: 60
  })
  const sums = (u: ReadonlyArray<readonly [number, number]>) => {
    let sumX = 0, sumY = 0, sumX2 = 0, sumY2 = 0, sumXY = 0
    for (const [x, y] of u) {
      sumX += x
      sumY += y
      sumX2 += x * x
      sumY2 += y * y
      sumXY += x * y
    }
    return { n: u.length, sumX, sumY, sumX2, sumY2, sumXY }
  }
  it("swapping arms flips the estimate and keeps p; CI contains the estimate", () => {
    fc.assert(
      fc.property(pairs, pairs, (a, b) => {
        const t = sums(a)
        const c = sums(b)
        const r1 = compareRatios(t, c)
        const r2 = compareRatios(c, t)
        wellFormed(r1)
        swapped(r1, r2)
        const k1 = cuped(t, c)
        const k2 = cuped(c, t)
        wellFormed(k1)
        swapped(k1, k2)
        expect(k1.varianceReduction).toBeLessThanOrEqual(1)
      }),
      // found by fast-check: a covariate of ~1e-162 (its variance subnormal) made θ² overflow
      { examples: [[[[4.158400847013625e-162, 0.5], [0, 0.5], [0, 0.5]], [[0, 0.5], [0, 0.5000003186002274]]]] }
    )
  })
})

describe("logGamma", () => {
  it("is ln((n − 1)!) at integers, ln √π at ½, and obeys Γ(x + 1) = x Γ(x)", () => {
    let factorial = 1
    for (let n = 1; n <= 30; n++) {
      expect(Math.abs(logGamma(n) - Math.log(factorial))).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.log(factorial)))
      factorial *= n
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14)
    fc.assert(fc.property(fc.double({ min: 1e-3, max: 1e6, noNaN: true }), (x) => {
      expect(Math.abs(logGamma(x + 1) - logGamma(x) - Math.log(x))).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(logGamma(x + 1))))
    }))
  })
})
