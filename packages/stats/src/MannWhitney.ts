/**
 * Mann–Whitney U (Wilcoxon rank-sum) test on raw samples, built for large inputs: each sample
 * is copied once into a Float64Array and sorted natively, then the two sorted arrays are merged
 * in one pass that assigns average ranks to tie groups. O(n log n) time, O(n) memory, no
 * per-element objects.
 */
import { normalSf } from "./Distributions.js"
import type { Alternative, DegenerateReason } from "./Types.js"

/** How the p-value is computed. */
export type MannWhitneyMethod = "exact" | "asymptotic" | "auto"

/** Result of the Mann–Whitney U test. */
export interface MannWhitneyResult {
  /** "mann-whitney-exact" or "mann-whitney-asymptotic". */
  readonly method: "mann-whitney-exact" | "mann-whitney-asymptotic"
  /** U of the treatment sample: R_T − n_T(n_T + 1)/2 (scipy's returned statistic for x = treatment). */
  readonly statistic: number
  /** p-value of the alternative (two-sided by default). */
  readonly pValue: number
  /** Common-language effect size U/(n_T·n_C) = P(T > C) + ½P(T = C). */
  readonly commonLanguage: number
  /** Standardized statistic (asymptotic method only). */
  readonly z?: number
  readonly reason?: DegenerateReason
}

const toSortedCopy = (values: ArrayLike<number>): Float64Array => {
  const copy = Float64Array.from(values as ArrayLike<number>)
  copy.sort()
  return copy
}

/** Rank sum of `x` in the merged sample and the tie term Σ(t³ − t), by merging sorted arrays. */
const rankSumSorted = (x: Float64Array, y: Float64Array): { readonly r1: number; readonly tieTerm: number } => {
  const n1 = x.length
  const n2 = y.length
  let i = 0
  let j = 0
  let rank = 0 // ranks assigned so far
  let r1 = 0
  let tieTerm = 0
  while (i < n1 || j < n2) {
    const v = i < n1 && (j >= n2 || x[i]! <= y[j]!) ? x[i]! : y[j]!
    let cx = 0
    let cy = 0
    while (i < n1 && x[i] === v) {
      i++
      cx++
    }
    while (j < n2 && y[j] === v) {
      j++
      cy++
    }
    const t = cx + cy
    r1 += cx * (rank + (t + 1) / 2)
    rank += t
    if (t > 1) tieTerm += t * t * t - t
  }
  return { r1, tieTerm }
}

/**
 * Upper tail P(U ≥ u) of the null distribution of U for sample sizes (m, n) without ties.
 * The counts of U are the coefficients of the Gaussian binomial [m+n choose m]_q =
 * Π_{i=1..m} (1 − q^{n+i})/(1 − q^i), built up one factor at a time with the smaller size as m;
 * by symmetry the tail is summed on the lower side, P(U ≥ u) = P(U ≤ mn − u).
 */
export const mannWhitneyExactSf = (u: number, m: number, n: number): number => {
  if (m > n) [m, n] = [n, m]
  const max = m * n
  const k = Math.ceil(max - u) // P(U ≥ u) = P(U ≤ mn − u); U is an integer
  if (k < 0) return 0
  if (k >= max) return 1
  const top = k // only coefficients 0..k are needed
  const c = new Float64Array(top + 1)
  c[0] = 1
  for (let i = 1; i <= m; i++) {
    // divide by (1 − q^i): running sum with stride i
    for (let j = i; j <= top; j++) c[j]! += c[j - i]!
    // multiply by (1 − q^{n+i}), high to low so lower entries are still the old ones
    const s = n + i
    for (let j = top; j >= s; j--) c[j]! -= c[j - s]!
    // renormalize by C(n+i, i)/C(n+i−1, i−1) = (n+i)/i so the entries stay probabilities
    // (no overflow of C(m+n, m) for large samples)
    const scale = i / (n + i)
    for (let j = 0; j <= top; j++) c[j]! *= scale
  }
  let tail = 0
  for (let j = 0; j <= top; j++) tail += c[j]!
  return Math.min(1, Math.max(0, tail))
}

/**
 * Mann–Whitney U test, treatment vs control. Convention (scipy.stats.mannwhitneyu,
 * scipy ≥ 1.7): U_T = R_T − n_T(n_T + 1)/2 from average ranks; a two-sided p uses
 * U = max(U_T, U_C) and doubles the tail; `alternative` "greater" (the treatment's values tend
 * to be larger) uses U = U_T, "less" U = U_C, one tail.
 * "exact": p = 2·P(U ≥ u) under the no-ties permutation distribution (capped at 1).
 * "asymptotic": z = (U − n_T n_C/2 − ½) / √(n_T n_C/12 · ((N + 1) − Σ(t³ − t)/(N(N − 1)))),
 * with tie correction and continuity correction (use_continuity=True), p = 2·(1 − Φ(z)).
 * "auto" (scipy's rule): exact when min(n_T, n_C) ≤ 8 and there are no ties, else asymptotic.
 * Inputs are not mutated. NaN in a sample or an empty sample → reason "invalid-input" /
 * "too-few-units" with p = 1.
 * Reference: Mann & Whitney (1947), Ann Math Stat 18:50–60; scipy.stats.mannwhitneyu.
 */
export const mannWhitney = (
  treatment: ArrayLike<number>,
  control: ArrayLike<number>,
  method: MannWhitneyMethod = "auto",
  alternative: Alternative = "two-sided"
): MannWhitneyResult => {
  const n1 = treatment.length
  const n2 = control.length
  if (n1 === 0 || n2 === 0) {
    return { method: "mann-whitney-asymptotic", statistic: 0, pValue: 1, commonLanguage: 0.5, reason: "too-few-units" }
  }
  const x = toSortedCopy(treatment)
  const y = toSortedCopy(control)
  // Float64Array.sort puts NaN last.
  if (Number.isNaN(x[n1 - 1]!) || Number.isNaN(y[n2 - 1]!)) {
    return { method: "mann-whitney-asymptotic", statistic: 0, pValue: 1, commonLanguage: 0.5, reason: "invalid-input" }
  }
  const { r1, tieTerm } = rankSumSorted(x, y)
  const u1 = r1 - (n1 * (n1 + 1)) / 2
  const u2 = n1 * n2 - u1
  const u = alternative === "greater" ? u1 : alternative === "less" ? u2 : Math.max(u1, u2)
  const tails = alternative === "two-sided" ? 2 : 1
  const commonLanguage = u1 / (n1 * n2)
  const chosen = method === "auto" ? ((n1 > 8 && n2 > 8) || tieTerm > 0 ? "asymptotic" : "exact") : method
  if (chosen === "exact") {
    const p = Math.min(1, tails * mannWhitneyExactSf(u, n1, n2))
    return { method: "mann-whitney-exact", statistic: u1, pValue: p, commonLanguage }
  }
  const N = n1 + n2
  const s = Math.sqrt(((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1))))
  if (!(s > 0)) {
    return { method: "mann-whitney-asymptotic", statistic: u1, pValue: 1, commonLanguage, reason: "zero-variance" }
  }
  const z = (u - (n1 * n2) / 2 - 0.5) / s
  return { method: "mann-whitney-asymptotic", statistic: u1, pValue: Math.min(1, Math.max(0, tails * normalSf(z))), commonLanguage, z }
}
