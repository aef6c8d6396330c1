/**
 * Seeded pseudorandom numbers for every stochastic computation in Pilotproof (bootstrap,
 * Monte Carlo, simulation). There is no global randomness anywhere in the pure packages:
 * a caller makes a `Random` from a seed and passes it in, so the same seed always gives the
 * same numbers, on every machine.
 *
 * The stream is a 32-bit Mersenne Twister (MT19937, Matsumoto & Nishimura 1998) from
 * `@stdlib/random-base-mt19937`; every derived distribution draws from that one stream, so
 * the whole sequence of draws is determined by the seed and the order of calls.
 */
import beta from "@stdlib/random-base-beta"
import gamma from "@stdlib/random-base-gamma"
import lognormal from "@stdlib/random-base-lognormal"
import mt19937 from "@stdlib/random-base-mt19937"
import normal from "@stdlib/random-base-normal"

/** A seeded source of random draws. Not thread-shared: make one per computation. */
export interface Random {
  /** The seed this generator was made from. */
  readonly seed: number
  /** Uniform on [0, 1). */
  readonly uniform: () => number
  /** Uniform integer in [0, n), for n ≥ 1 (rejection-free: floor(u·n) with 2^-32 granularity). */
  readonly integer: (n: number) => number
  /** Normal with mean `mu` and standard deviation `sigma` (σ > 0). */
  readonly normal: (mu: number, sigma: number) => number
  /** Log-normal: exp(N(mu, sigma²)). */
  readonly lognormal: (mu: number, sigma: number) => number
  /** Beta(α, β), α, β > 0. */
  readonly beta: (alpha: number, beta: number) => number
  /** Gamma(shape k, rate θ⁻¹ = `rate`), k, rate > 0. */
  readonly gamma: (shape: number, rate: number) => number
}

/**
 * Makes a generator from a seed (an integer in [1, 2^32 − 1]; other numbers are folded into
 * that range, so `0` and `2^32` are valid and distinct from each other only through folding).
 */
export const makeRandom = (seed: number): Random => {
  const folded = (Math.abs(Math.trunc(seed)) % 4294967295) + 1
  // The runtime generator carries `.normalized` (uniform on [0, 1) with 53-bit resolution);
  // stdlib's type declarations omit it, so it is checked rather than assumed.
  const source = mt19937.factory({ seed: folded }) as unknown as { readonly normalized?: () => number }
  const prng = source.normalized
  if (typeof prng !== "function") throw new Error("@stdlib/random-base-mt19937 lacks .normalized")
  const options = { prng }
  const drawNormal = normal.factory(options)
  const drawLognormal = lognormal.factory(options)
  const drawBeta = beta.factory(options)
  const drawGamma = gamma.factory(options)
  return {
    seed,
    uniform: () => prng(),
    integer: (n) => Math.floor(prng() * n),
    normal: (mu, sigma) => drawNormal(mu, sigma),
    lognormal: (mu, sigma) => drawLognormal(mu, sigma),
    beta: (a, b) => drawBeta(a, b),
    gamma: (shape, rate) => drawGamma(shape, rate)
  }
}
