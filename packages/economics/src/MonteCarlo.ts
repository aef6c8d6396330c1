/**
 * Monte Carlo over the effects' sampling distributions: what scaling is likely to earn.
 *
 * Method. Each draw takes every uncertain valued effect independently from
 * Normal(estimate, se²) (seeded: `makeRandom(seed)` from @pilotproof/stats, one normal per
 * uncertain metric per draw, in the model's driver order; an effect with se = 0 is used as
 * is). The cash flow is linear in the effects through u = Σ_j sign_j · value_j · effect_j
 * (see CashFlowBasis), so a draw needs only u:
 *
 *   NPV = NPV(base) + u · PV(volume),   cumulative_t = base cumulative_t + u · cumulative volume_t.
 *
 * Reported:
 * - P(NPV > 0): share of draws with NPV strictly above 0.
 * - P(payback ≤ target): share of draws whose simple payback (Payback.ts rule) exists and is
 *   ≤ targetPaybackMonths.
 * - NPV mean, sd (n − 1), and 5th/50th/95th percentiles (type 7, linear between order statistics).
 * - Expected loss of scaling: mean of max(0, −NPV), the money lost on average if one scales.
 * - Bands: per month 0..H, the 5th/50th/95th percentile and the mean of the cumulative net.
 *   Cumulative volume is ≥ 0, so each month's cumulative is an increasing affine function of u
 *   and its percentiles are that function at u's percentiles (type 7 commutes with it): the
 *   bands cost one sort of the draws, not one per month.
 * Memory is one Float64Array of `draws`; nothing is allocated per draw.
 */
import { makeRandom } from "@pilotproof/stats"
import { makeBasis, modelNotes } from "./CashFlowBasis.js"
import {
  type EconomicsModel,
  type EffectDistribution,
  type InvalidModel,
  invalidModel,
  type ModelIssue,
  type Note,
  validateModel
} from "./EconomicsModel.js"
import { paybackOfLinear } from "./Payback.js"
import { sortedQuantile } from "./Quantile.js"
import { uncertainBenefit } from "./UncertainBenefit.js"

export interface MonteCarloOptions {
  /** Seed for `makeRandom`; the same seed gives the same result. */
  readonly seed: number
  /** Number of draws, integer ≥ 1 (default 10 000). */
  readonly draws?: number
}

/** Percentiles of the cumulative net cash flow at one month (month 0 = scale-up date). */
export interface CumulativeBand {
  readonly month: number
  readonly p5: number
  readonly p50: number
  readonly p95: number
  readonly mean: number
}

export interface MonteCarloResult {
  readonly ok: true
  readonly seed: number
  readonly draws: number
  readonly probabilityNpvPositive: number
  readonly targetPaybackMonths: number
  readonly probabilityPaybackWithinTarget: number
  readonly npv: { readonly mean: number; readonly sd: number; readonly p5: number; readonly p50: number; readonly p95: number }
  /** E[max(0, −NPV)]. */
  readonly expectedLoss: number
  readonly bands: ReadonlyArray<CumulativeBand>
  readonly notes: ReadonlyArray<Note>
}

/** Default number of draws: the Monte Carlo error of a probability is then at most 0.005 (one SE). */
export const DEFAULT_DRAWS = 10_000

/** Monte Carlo of NPV, payback and cumulative cash flow over independent normal effects. */
export const monteCarlo = (
  model: EconomicsModel,
  distributions: Readonly<Record<string, EffectDistribution>>,
  options: MonteCarloOptions
): MonteCarloResult | InvalidModel => {
  const draws = options.draws ?? DEFAULT_DRAWS
  const issues: Array<ModelIssue> = [...validateModel(model)]
  if (!Number.isInteger(draws) || draws < 1) {
    issues.push({ code: "INVALID_OPTION", path: "options.draws", message: `draws must be an integer ≥ 1, got ${String(draws)}` })
  }
  if (!Number.isFinite(options.seed)) {
    issues.push({ code: "INVALID_OPTION", path: "options.seed", message: `seed must be a finite number, got ${String(options.seed)}` })
  }
  if (issues.length > 0) return invalidModel(issues)
  const basis = makeBasis(model)
  const benefit = uncertainBenefit(model, basis, distributions)
  if (benefit.issues.length > 0) return invalidModel(benefit.issues)

  const random = makeRandom(options.seed)
  const terms = benefit.terms
  const nTerms = terms.length
  const coefficient = Float64Array.from(terms, (t) => t.coefficient)
  const estimate = Float64Array.from(terms, (t) => t.estimate)
  const se = Float64Array.from(terms, (t) => t.standardError)
  const target = model.targetPaybackMonths
  const { npvBase, pvVolume, baseCumulative, volumeCumulative } = basis

  const us = new Float64Array(draws)
  let positive = 0
  let paidBack = 0
  let sumLoss = 0
  // Welford's running mean and sum of squared deviations of u (NPV is affine in u).
  let meanU = 0
  let m2U = 0
  for (let i = 0; i < draws; i++) {
    let u = benefit.fixed
    for (let j = 0; j < nTerms; j++) u += coefficient[j]! * random.normal(estimate[j]!, se[j]!)
    us[i] = u
    const delta = u - meanU
    meanU += delta / (i + 1)
    m2U += delta * (u - meanU)
    const value = npvBase + u * pvVolume
    if (value > 0) positive++
    else sumLoss -= value
    const payback = paybackOfLinear(baseCumulative, volumeCumulative, u)
    if (payback >= 0 && payback <= target) paidBack++
  }
  us.sort()
  const sdU = draws > 1 ? Math.sqrt(m2U / (draws - 1)) : 0
  const q5 = sortedQuantile(us, 0.05)
  const q50 = sortedQuantile(us, 0.5)
  const q95 = sortedQuantile(us, 0.95)
  const bands: Array<CumulativeBand> = []
  for (let t = 0; t <= basis.horizonMonths; t++) {
    const a = baseCumulative[t]!
    const b = volumeCumulative[t]!
    bands.push({ month: t, p5: a + q5 * b, p50: a + q50 * b, p95: a + q95 * b, mean: a + meanU * b })
  }
  return {
    ok: true,
    seed: options.seed,
    draws,
    probabilityNpvPositive: positive / draws,
    targetPaybackMonths: target,
    probabilityPaybackWithinTarget: paidBack / draws,
    npv: {
      mean: npvBase + meanU * pvVolume,
      sd: sdU * pvVolume,
      p5: npvBase + q5 * pvVolume,
      p50: npvBase + q50 * pvVolume,
      p95: npvBase + q95 * pvVolume
    },
    expectedLoss: sumLoss / draws,
    bands,
    notes: [...modelNotes(model), ...benefit.notes]
  }
}
