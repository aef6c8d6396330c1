/**
 * Fisher's exact test for a 2×2 table of conversions by arm.
 */
import { hypergeometricCdf, hypergeometricPmf, hypergeometricSf } from "./Distributions.js"
import type { Alternative, DegenerateReason, ProportionStats } from "./Types.js"

/** Result of Fisher's exact test. */
export interface FisherResult {
  /** Sample odds ratio (x_T·(n_C − x_C)) / ((n_T − x_T)·x_C); Infinity when the denominator is 0, NaN-free: 1 for empty margins. */
  readonly oddsRatio: number
  /** p-value of the alternative (two-sided by default). */
  readonly pValue: number
  /**
   * Present when a margin is empty and the table says nothing (scipy answers odds ratio NaN,
   * p = 1): an arm without units "too-few-units", no conversions "no-conversions", every unit
   * converted "all-converted".
   */
  readonly reason?: DegenerateReason
}

/**
 * Relative tolerance on the pmf comparison: R's (and scipy's before 1.11) 1 + 1e-7. scipy ≥ 1.11
 * uses 1 + 1e-14, which relies on its pmf being exact to the last bits; @stdlib's hypergeometric
 * pmf is off by ~1e-12 relative at n ≈ 2,000, and with 1e-14 a table of exactly equal probability
 * on the far tail ([[1102, 1097], [0, 5]]: P(0) = P(5)) dropped out of the p-value and halved it.
 */
const GAMMA = 1 + 1e-7

// Largest i in [lo, hi] with f(i) ≤ d, for f increasing on [lo, hi] (scipy's _binary_search).
const binarySearch = (f: (x: number) => number, d: number, lo: number, hi: number): number => {
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2)
    const v = f(mid)
    if (v < d) lo = mid + 1
    else if (v > d) hi = mid - 1
    else return mid
  }
  return f(lo) <= d ? lo : lo - 1
}

/**
 * Fisher's exact test on [[x_T, n_T − x_T], [x_C, n_C − x_C]]. Two-sided p as
 * scipy.stats.fisher_exact defines it: the sum of hypergeometric probabilities of all tables
 * with the same margins whose pmf ≤ observed pmf × (1 + 1e−7); an empty row or column gives
 * p = 1. The tail on the far side of the mode is located by binary search (the pmf is unimodal),
 * so the cost is O(log n) pmf evaluations plus two CDFs. One-sided, as scipy: "greater" (odds
 * ratio > 1, the treatment converts more) p = P(X ≥ x_T), "less" p = P(X ≤ x_T), X the
 * hypergeometric count of treatment conversions given the margins.
 * Reference: Fisher (1935), J R Stat Soc 98:39–82; scipy.stats.fisher_exact.
 */
export const fisherExact = (treatment: ProportionStats, control: ProportionStats, alternative: Alternative = "two-sided"): FisherResult => {
  const a = treatment.conversions
  const b = treatment.n - a
  const c = control.conversions
  const d = control.n - c
  const n1 = a + b
  const n2 = c + d
  const n = a + c
  const total = n1 + n2
  if (n1 === 0 || n2 === 0) return { oddsRatio: 1, pValue: 1, reason: "too-few-units" }
  if (n === 0) return { oddsRatio: 1, pValue: 1, reason: "no-conversions" }
  if (n === total) return { oddsRatio: 1, pValue: 1, reason: "all-converted" }
  const oddsRatio = c > 0 && b > 0 ? (a * d) / (b * c) : Infinity
  if (alternative === "greater") return { oddsRatio, pValue: Math.min(1, hypergeometricSf(a - 1, total, n1, n)) }
  if (alternative === "less") return { oddsRatio, pValue: Math.min(1, hypergeometricCdf(a, total, n1, n)) }
  const pmf = (x: number): number => hypergeometricPmf(x, total, n1, n)
  const mode = Math.floor(((n + 1) * (n1 + 1)) / (total + 2))
  const pexact = pmf(a)
  const pmode = pmf(mode)
  if (Math.abs(pexact - pmode) / Math.max(pexact, pmode) <= GAMMA - 1) return { oddsRatio, pValue: 1 }
  let p: number
  if (a < mode) {
    const plower = hypergeometricCdf(a, total, n1, n)
    if (pmf(n) > pexact * GAMMA) return { oddsRatio, pValue: Math.min(1, plower) }
    const guess = binarySearch((x) => -pmf(x), -pexact * GAMMA, mode, n)
    p = plower + hypergeometricSf(guess, total, n1, n)
  } else {
    const pupper = hypergeometricSf(a - 1, total, n1, n)
    if (pmf(0) > pexact * GAMMA) return { oddsRatio, pValue: Math.min(1, pupper) }
    const guess = binarySearch(pmf, pexact * GAMMA, 0, mode)
    p = pupper + hypergeometricCdf(guess, total, n1, n)
  }
  return { oddsRatio, pValue: Math.min(1, p) }
}
