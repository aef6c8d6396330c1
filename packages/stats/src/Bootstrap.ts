/**
 * Percentile bootstrap for a difference in means, driven by an injected seeded `Random`.
 */
import type { Random } from "./Random.js"
import type { Interval } from "./Types.js"

/** Bootstrap options. */
export interface BootstrapOptions {
  /** Number of resamples (default 10,000). */
  readonly resamples?: number
  /** Two-sided level: the interval is the [α/2, 1 − α/2] percentiles (default 0.05). */
  readonly alpha?: number
}

/** Bootstrap result. */
export interface BootstrapResult {
  readonly method: "bootstrap-percentile"
  /** Observed x̄_T − x̄_C. */
  readonly estimate: number
  readonly ci: Interval
  /** Standard deviation (n − 1) of the bootstrap distribution. */
  readonly standardError: number
  readonly resamples: number
}

/** Quantile of sorted data with linear interpolation (Hyndman–Fan type 7, numpy's default). */
const quantileSorted = (s: Float64Array, q: number): number => {
  const h = (s.length - 1) * q
  const lo = Math.floor(h)
  const hi = Math.min(s.length - 1, lo + 1)
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!)
}

/**
 * Index stream for the resampling loop: xoshiro128** (Blackman & Vigna 2018), its 128-bit state
 * seeded with four 32-bit words drawn from the injected `Random`, so results stay determined by
 * that generator's seed while the hot loop (n_T + n_C draws per resample) runs on 32-bit integer
 * arithmetic. An index is ⌊u·n/2³²⌋ for a 32-bit u (bias ≤ n/2³², negligible).
 */
const indexStream = (random: Random): Uint32Array => {
  const s = new Uint32Array(4)
  for (let i = 0; i < 4; i++) s[i] = Math.floor(random.uniform() * 4294967296)
  if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1
  return s
}

// Sum of n values of x drawn with replacement; advances the xoshiro128** state in place.
const resampleSum = (x: Float64Array, s: Uint32Array): number => {
  const n = x.length
  let s0 = s[0]!
  let s1 = s[1]!
  let s2 = s[2]!
  let s3 = s[3]!
  let sum = 0
  for (let i = 0; i < n; i++) {
    const m = Math.imul(s1, 5)
    const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0
    const t = s1 << 9
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << 11) | (s3 >>> 21)
    sum += x[Math.floor(r * 2.3283064365386963e-10 * n)]!
  }
  s[0] = s0
  s[1] = s1
  s[2] = s2
  s[3] = s3
  return sum
}

/**
 * Percentile bootstrap CI of x̄_T − x̄_C: each resample draws n_T values from treatment and
 * n_C from control with replacement (arms resampled independently), the statistic is the
 * difference of means, and the CI is the α/2 and 1 − α/2 type-7 quantiles of the B statistics
 * (as scipy.stats.bootstrap(method="percentile")). One Float64Array of B statistics is the
 * only allocation besides the input copies. Deterministic for a given `Random` seed: the
 * generator seeds a xoshiro128** index stream (see `indexStream`), for speed.
 * An empty arm gives estimate 0 and an unbounded interval.
 * Reference: Efron & Tibshirani (1993), An Introduction to the Bootstrap, ch. 13.
 */
export const bootstrapMeanDifference = (
  treatment: ArrayLike<number>,
  control: ArrayLike<number>,
  random: Random,
  options: BootstrapOptions = {}
): BootstrapResult => {
  const B = options.resamples ?? 10_000
  const alpha = options.alpha ?? 0.05
  const x = Float64Array.from(treatment as ArrayLike<number>)
  const y = Float64Array.from(control as ArrayLike<number>)
  if (x.length === 0 || y.length === 0) {
    return { method: "bootstrap-percentile", estimate: 0, ci: { lower: -Infinity, upper: Infinity }, standardError: 0, resamples: 0 }
  }
  let sx = 0
  for (let i = 0; i < x.length; i++) sx += x[i]!
  let sy = 0
  for (let i = 0; i < y.length; i++) sy += y[i]!
  const estimate = sx / x.length - sy / y.length
  const stats = new Float64Array(B)
  const state = indexStream(random)
  let mean = 0
  for (let b = 0; b < B; b++) {
    const d = resampleSum(x, state) / x.length - resampleSum(y, state) / y.length
    stats[b] = d
    mean += d
  }
  mean /= B
  let ss = 0
  for (let b = 0; b < B; b++) ss += (stats[b]! - mean) ** 2
  stats.sort()
  return {
    method: "bootstrap-percentile",
    estimate,
    ci: { lower: quantileSorted(stats, alpha / 2), upper: quantileSorted(stats, 1 - alpha / 2) },
    standardError: B > 1 ? Math.sqrt(ss / (B - 1)) : 0,
    resamples: B
  }
}
