/**
 * How good a scoring model is on the pilot's own units, from each scored unit's score and
 * outcome (1 won, 0 not): the area under the ROC curve with DeLong's interval, the Brier score,
 * a reliability table and the top-decile lift. A model's offline AUC often does not carry over
 * to live traffic, so these are read beside the business outcome, never instead of it.
 *
 * - AUC = P(score of a positive > score of a negative) + ½ P(equal), from midranks.
 * - DeLong, DeLong & Clarke-Pearson (1988), as computed by Sun & Xu (2014): each positive's
 *   structural component is the share of negatives it outranks (ties count ½), each negative's
 *   the share of positives that outrank it; Var(AUC) = S₁₀/m + S₀₁/n with the components' sample
 *   variances. The interval is AUC ± z·SE, clipped to [0, 1] (as pROC reports it).
 * - Brier score: the mean of (p − y)² for probabilities p.
 * - Reliability: ten equal-width bins of the predicted probability on [0, 1] (the last closed),
 *   each with its units, mean prediction and observed rate; empty bins are left out (scikit-learn's
 *   `calibration_curve(strategy="uniform")`).
 * - Top-decile lift: the outcome rate of the ⌈n/10⌉ highest-scored units over the overall rate;
 *   units tied at the cut are taken in input order (a stable sort).
 *
 * Pure and O(n log n); the references are scikit-learn and scipy (fixtures/scoring.py).
 */
import { sampleVariance } from "simple-statistics"
import { normalQuantile } from "./Distributions.js"
import type { DegenerateReason, Interval } from "./Types.js"

/** Midranks (1-based, ties averaged) of `values`, in their input order. */
const midranks = (values: ArrayLike<number>): Float64Array => {
  const n = values.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!)
  const ranks = new Float64Array(n)
  for (let i = 0; i < n;) {
    let j = i
    while (j + 1 < n && values[order[j + 1]!] === values[order[i]!]) j++
    const rank = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) ranks[order[k]!] = rank
    i = j + 1
  }
  return ranks
}

/** The sample variance of the structural components (none for a single unit of a class). */
const componentVariance = (xs: Float64Array): number => (xs.length < 2 ? 0 : sampleVariance(Array.from(xs)))

/** Scores and 0/1 outcomes of the same units, checked: equal lengths, finite scores, outcomes 0 or 1. */
const invalid = (scores: ArrayLike<number>, outcomes: ArrayLike<number>): boolean => {
  if (scores.length !== outcomes.length) return true
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i]!) || (outcomes[i] !== 0 && outcomes[i] !== 1)) return true
  }
  return false
}

export interface AucResult {
  /** Area under the ROC curve: P(positive outranks negative) + ½ P(tie). */
  readonly auc: number
  /** DeLong's standard error. */
  readonly standardError: number
  /** AUC ± z·SE at the level asked for, clipped to [0, 1]. */
  readonly ci: Interval
  readonly positives: number
  readonly negatives: number
  /** Set when the AUC is undefined (no positive or no negative) or the input is not scores and 0/1 outcomes. */
  readonly reason?: DegenerateReason
}

/** The AUC of `scores` for the 0/1 `outcomes`, with DeLong's standard error and a `1 − alpha` interval. */
export const aucDeLong = (scores: ArrayLike<number>, outcomes: ArrayLike<number>, alpha = 0.05): AucResult => {
  const nothing = (reason: DegenerateReason, positives = 0, negatives = 0): AucResult =>
    ({ auc: Number.NaN, standardError: Number.NaN, ci: { lower: 0, upper: 1 }, positives, negatives, reason })
  if (invalid(scores, outcomes)) return nothing("invalid-input")
  const pos: Array<number> = []
  const neg: Array<number> = []
  for (let i = 0; i < scores.length; i++) (outcomes[i] === 1 ? pos : neg).push(scores[i]!)
  const m = pos.length
  const n = neg.length
  if (m === 0) return nothing("no-conversions", m, n)
  if (n === 0) return nothing("all-converted", m, n)
  const tx = midranks(pos)
  const ty = midranks(neg)
  const tz = midranks([...pos, ...neg])
  let rankSum = 0
  const v10 = new Float64Array(m)
  const v01 = new Float64Array(n)
  for (let i = 0; i < m; i++) {
    rankSum += tz[i]!
    v10[i] = (tz[i]! - tx[i]!) / n
  }
  for (let j = 0; j < n; j++) v01[j] = 1 - (tz[m + j]! - ty[j]!) / m
  const auc = (rankSum - (m * (m + 1)) / 2) / (m * n)
  const standardError = Math.sqrt(componentVariance(v10) / m + componentVariance(v01) / n)
  const z = normalQuantile(1 - alpha / 2)
  return {
    auc,
    standardError,
    ci: { lower: Math.max(0, auc - z * standardError), upper: Math.min(1, auc + z * standardError) },
    positives: m,
    negatives: n
  }
}

/** The mean squared difference between predicted probabilities and 0/1 outcomes; NaN for invalid or empty input. */
export const brierScore = (probabilities: ArrayLike<number>, outcomes: ArrayLike<number>): number => {
  if (probabilities.length === 0 || invalid(probabilities, outcomes)) return Number.NaN
  let sum = 0
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!
    if (p < 0 || p > 1) return Number.NaN
    sum += (p - outcomes[i]!) ** 2
  }
  return sum / probabilities.length
}

export interface ReliabilityBin {
  /** The bin's range of predicted probability, [from, to) (the last bin includes 1). */
  readonly from: number
  readonly to: number
  readonly units: number
  readonly meanPredicted: number
  readonly observedRate: number
}

/** Predicted probabilities in `bins` equal-width bins on [0, 1], each with its observed rate; empty bins left out. */
export const reliabilityTable = (probabilities: ArrayLike<number>, outcomes: ArrayLike<number>, bins = 10): ReadonlyArray<ReliabilityBin> => {
  if (invalid(probabilities, outcomes) || !Number.isInteger(bins) || bins < 1) return []
  const units = new Array<number>(bins).fill(0)
  const predicted = new Array<number>(bins).fill(0)
  const observed = new Array<number>(bins).fill(0)
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!
    if (p < 0 || p > 1) return []
    const b = Math.min(bins - 1, Math.floor(p * bins))
    units[b]!++
    predicted[b]! += p
    observed[b]! += outcomes[i]!
  }
  return units.flatMap((u, b) =>
    u === 0 ? [] : [{ from: b / bins, to: (b + 1) / bins, units: u, meanPredicted: predicted[b]! / u, observedRate: observed[b]! / u }]
  )
}

export interface TopDecileLift {
  /** Outcome rate of the ⌈n/10⌉ highest-scored units over the overall rate; NaN without any outcome. */
  readonly lift: number
  readonly topUnits: number
  readonly topRate: number
  readonly overallRate: number
}

/** The top-decile lift of `scores` for the 0/1 `outcomes` (ties at the cut in input order). */
export const topDecileLift = (scores: ArrayLike<number>, outcomes: ArrayLike<number>): TopDecileLift => {
  const n = scores.length
  if (n === 0 || invalid(scores, outcomes)) return { lift: Number.NaN, topUnits: 0, topRate: Number.NaN, overallRate: Number.NaN }
  // Array.prototype.sort is stable: equal scores keep their input order
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!)
  const top = Math.ceil(n / 10)
  let hits = 0
  let all = 0
  for (let k = 0; k < n; k++) {
    all += outcomes[order[k]!]!
    if (k < top) hits += outcomes[order[k]!]!
  }
  const topRate = hits / top
  const overallRate = all / n
  return { lift: overallRate === 0 ? Number.NaN : topRate / overallRate, topUnits: top, topRate, overallRate }
}
