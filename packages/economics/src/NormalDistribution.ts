/**
 * Standard normal density and distribution function for the closed-form NPV answer.
 * Φ is delegated to `@stdlib/stats-base-dists-normal-cdf` (house rule: no hand-rolled CDFs);
 * φ is its defining closed form exp(−x²/2) / √(2π), which needs no approximation.
 * Internal to the package.
 */
import cdf from "@stdlib/stats-base-dists-normal-cdf"

/** φ(x) = exp(−x²/2) / √(2π). */
export const normalPdf = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI)

/** Φ(x), the standard normal distribution function (@stdlib, μ = 0, σ = 1). */
export const normalCdf = (x: number): number => cdf(x, 0, 1)
