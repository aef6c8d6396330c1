/**
 * Distribution functions used by the engine, all delegated to @stdlib (no hand-rolled CDFs).
 * Tail functions are written so that small tail probabilities keep their relative precision
 * (an upper tail is evaluated as a lower tail by symmetry, never as 1 − cdf when avoidable).
 */
import gammaln from "@stdlib/math-base-special-gammaln"
import betaCdfStd from "@stdlib/stats-base-dists-beta-cdf"
import betaQuantileStd from "@stdlib/stats-base-dists-beta-quantile"
import betaPdfStd from "@stdlib/stats-base-dists-beta-pdf"
import chisqCdf from "@stdlib/stats-base-dists-chisquare-cdf"
import chisqQuantile from "@stdlib/stats-base-dists-chisquare-quantile"
import hyperCdf from "@stdlib/stats-base-dists-hypergeometric-cdf"
import hyperPmf from "@stdlib/stats-base-dists-hypergeometric-pmf"
import ncdf from "@stdlib/stats-base-dists-normal-cdf"
import npdf from "@stdlib/stats-base-dists-normal-pdf"
import nquantile from "@stdlib/stats-base-dists-normal-quantile"
import tcdf from "@stdlib/stats-base-dists-t-cdf"
import tquantile from "@stdlib/stats-base-dists-t-quantile"

/** Standard normal CDF Φ(x). */
export const normalCdf = (x: number): number => ncdf(x, 0, 1)
/** Standard normal upper tail 1 − Φ(x), evaluated as Φ(−x). */
export const normalSf = (x: number): number => ncdf(-x, 0, 1)
/** Standard normal density φ(x). */
export const normalPdf = (x: number): number => npdf(x, 0, 1)
/** Standard normal quantile Φ⁻¹(p). */
export const normalQuantile = (p: number): number => nquantile(p, 0, 1)

/** Student t CDF with (possibly fractional) degrees of freedom `df`. */
export const studentTCdf = (x: number, df: number): number => tcdf(x, df)
/** Student t upper tail P(T > x), evaluated as F(−x). */
export const studentTSf = (x: number, df: number): number => tcdf(-x, df)
/** Student t quantile with (possibly fractional) degrees of freedom. */
export const studentTQuantile = (p: number, df: number): number => tquantile(p, df)

/** Chi-square CDF. */
export const chiSquareCdf = (x: number, df: number): number => chisqCdf(x, df)
/**
 * Chi-square upper tail P(X > x). Exact closed forms for df = 1 (2Φ(−√x)) and df = 2
 * (e^{−x/2}) keep relative precision in the far tail; other df use 1 − cdf (absolute
 * precision ~1e−16).
 */
export const chiSquareSf = (x: number, df: number): number => {
  if (x <= 0) return 1
  if (df === 1) return 2 * ncdf(-Math.sqrt(x), 0, 1)
  if (df === 2) return Math.exp(-x / 2)
  return Math.max(0, 1 - chisqCdf(x, df))
}
/** Chi-square quantile. */
export const chiSquareQuantile = (p: number, df: number): number => chisqQuantile(p, df)

/** Beta(a, b) CDF. */
export const betaCdf = (x: number, a: number, b: number): number => betaCdfStd(x, a, b)
/** Beta(a, b) density. */
export const betaPdf = (x: number, a: number, b: number): number => betaPdfStd(x, a, b)
/** Beta(a, b) quantile. */
export const betaQuantile = (p: number, a: number, b: number): number => betaQuantileStd(p, a, b)

/** ln Γ(x) (for x > 0; @stdlib's gammaln). */
export const logGamma = (x: number): number => gammaln(x)

/**
 * Hypergeometric pmf P(X = k) for population `total`, `successes` success states, `draws`
 * draws (scipy's hypergeom(M=total, n=successes, N=draws)).
 */
export const hypergeometricPmf = (k: number, total: number, successes: number, draws: number): number =>
  hyperPmf(k, total, successes, draws)
/** Hypergeometric lower tail P(X ≤ k). */
export const hypergeometricCdf = (k: number, total: number, successes: number, draws: number): number =>
  k < 0 ? 0 : hyperCdf(k, total, successes, draws)
/**
 * Hypergeometric upper tail P(X > k), evaluated as the lower tail of the failure count
 * (P(X > k) = P(draws − X ≤ draws − k − 1)), so small tails keep relative precision.
 */
export const hypergeometricSf = (k: number, total: number, successes: number, draws: number): number =>
  hypergeometricCdf(draws - k - 1, total, total - successes, draws)
