/**
 * Draws the simulator needs beyond `Random`: Poisson counts, truncated exponential delays,
 * categorical choices, and the exponential tilt that moves a score distribution's mean.
 * Every draw comes from the injected seeded `Random`.
 */
import { logGamma, type Random } from "@pilotproof/stats"

/**
 * Poisson(λ). Below λ = 10, Knuth's product of uniforms; from 10 on, Hörmann's transformed
 * rejection with squeeze (PTRS; Hörmann 1993, "The transformed rejection method for generating
 * Poisson random variables", Insurance: Mathematics and Economics 12:39), as in numpy.
 */
export const poisson = (random: Random, lambda: number): number => {
  if (!(lambda > 0)) return 0
  if (lambda < 10) {
    const limit = Math.exp(-lambda)
    let k = 0
    let p = random.uniform()
    while (p > limit) {
      k++
      p *= random.uniform()
    }
    return k
  }
  const slam = Math.sqrt(lambda)
  const loglam = Math.log(lambda)
  const b = 0.931 + 2.53 * slam
  const a = -0.059 + 0.02483 * b
  const invalpha = 1.1239 + 1.1328 / (b - 3.4)
  const vr = 0.9277 - 3.6224 / (b - 2)
  for (;;) {
    const u = random.uniform() - 0.5
    const v = random.uniform()
    const us = 0.5 - Math.abs(u)
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43)
    if (us >= 0.07 && v <= vr) return k
    if (k < 0 || (us < 0.013 && v > us)) continue
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logGamma(k + 1)) return k
  }
}

/** Exponential with `mean`, truncated to [0, limit) by inversion (no rejection); untruncated when limit is Infinity. */
export const truncatedExponential = (random: Random, mean: number, limit: number): number => {
  const u = random.uniform()
  const mass = Number.isFinite(limit) ? 1 - Math.exp(-limit / mean) : 1
  return -mean * Math.log(1 - u * mass)
}

/** Index i with probability weights[i] / Σ weights, from precomputed cumulative weights. */
export const categorical = (random: Random, cumulative: ReadonlyArray<number>): number => {
  const total = cumulative[cumulative.length - 1] ?? 0
  const u = random.uniform() * total
  for (let i = 0; i < cumulative.length; i++) if (u < cumulative[i]!) return i
  return cumulative.length - 1
}

export const cumulate = (weights: ReadonlyArray<number>): ReadonlyArray<number> => {
  let sum = 0
  return weights.map((w) => (sum += w))
}

/** Mean of scores 1…K with these probabilities. */
export const scoreMean = (probabilities: ReadonlyArray<number>): number =>
  probabilities.reduce((s, p, i) => s + p * (i + 1), 0)

/**
 * The exponentially tilted distribution p_i·e^{θi} / Σ p_j·e^{θj} whose mean is `target`
 * (bisection on θ ∈ [−30, 30] to 1e−12). The tilt is the minimum-relative-entropy way to move a
 * mean: shape is kept, mass slides towards the low or high scores. `undefined` when the target
 * is not strictly between the lowest and highest score with positive probability.
 */
export const tiltScores = (probabilities: ReadonlyArray<number>, target: number): ReadonlyArray<number> | undefined => {
  const tilted = (theta: number): Array<number> => {
    const w = probabilities.map((p, i) => p * Math.exp(theta * i))
    const total = w.reduce((a, b) => a + b, 0)
    return w.map((x) => x / total)
  }
  const support = probabilities.flatMap((p, i) => (p > 0 ? [i + 1] : []))
  const lo = Math.min(...support)
  const hi = Math.max(...support)
  if (Math.abs(target - scoreMean(probabilities)) < 1e-12) return probabilities
  if (!(target > lo && target < hi)) return undefined
  let a = -30
  let b = 30
  for (let i = 0; i < 200 && b - a > 1e-12; i++) {
    const mid = (a + b) / 2
    if (scoreMean(tilted(mid)) < target) a = mid
    else b = mid
  }
  return tilted((a + b) / 2)
}
