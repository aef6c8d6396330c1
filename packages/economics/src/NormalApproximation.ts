/**
 * Closed-form answer for the linear model with independent normal effects. NPV is affine in
 * u = Σ_j c_j · effect_j (c_j = sign_j · value_j), so it is exactly normal:
 *
 *   E[NPV]  = NPV(base) + PV(volume) · Σ_j c_j · estimate_j
 *   sd[NPV] = PV(volume) · √(Σ_j c_j² · se_j²)
 *   P(NPV > 0) = Φ(E / sd)
 *   E[max(0, −NPV)] = sd · φ(E / sd) − E · Φ(−E / sd)
 *
 * Payback is a non-increasing function of u (every month's cumulative rises with u), so
 * P(payback ≤ target) = P(u ≥ u*) = Φ((E[u] − u*) / sd[u]) with u* the smallest benefit per
 * unit that pays back by the target, found by bisection (to 1e-12 relative). With sd = 0 the
 * probabilities are 0 or 1 (noted `ZERO_VARIANCE`). This is the check on the Monte Carlo and
 * the fast answer when only NPV is needed.
 */
import { makeBasis, modelNotes } from "./CashFlowBasis.js"
import {
  type EconomicsModel,
  type EffectDistribution,
  type InvalidModel,
  invalidModel,
  type Note,
  validateModel
} from "./EconomicsModel.js"
import { normalCdf, normalPdf } from "@pilotproof/stats"
import { paybackOfLinear } from "./Payback.js"
import { uncertainBenefit } from "./UncertainBenefit.js"

export interface NpvNormalApproximation {
  readonly ok: true
  readonly mean: number
  readonly sd: number
  readonly probabilityNpvPositive: number
  /** E[max(0, −NPV)]. */
  readonly expectedLoss: number
  readonly targetPaybackMonths: number
  readonly probabilityPaybackWithinTarget: number
  readonly notes: ReadonlyArray<Note>
}

/**
 * Smallest u with payback(u) ≤ target: −∞ when every u qualifies, +∞ when none does.
 * Relies on payback being non-increasing in u.
 */
const paybackThreshold = (base: Float64Array, slope: Float64Array, target: number): number => {
  const ok = (u: number) => {
    const p = paybackOfLinear(base, slope, u)
    return p >= 0 && p <= target
  }
  let hi = 1
  while (!ok(hi)) {
    hi *= 2
    if (hi > 1e300) return Number.POSITIVE_INFINITY
  }
  let lo = -1
  while (ok(lo)) {
    lo *= 2
    if (lo < -1e300) return Number.NEGATIVE_INFINITY
  }
  for (let i = 0; i < 2000 && hi - lo > 1e-12 * Math.max(1, Math.abs(hi)); i++) {
    const mid = lo + (hi - lo) / 2
    if (mid === lo || mid === hi) break
    if (ok(mid)) hi = mid
    else lo = mid
  }
  return hi
}

/** Mean and sd of NPV, P(NPV > 0), expected loss and P(payback ≤ target) in closed form. */
export const npvNormalApproximation = (
  model: EconomicsModel,
  distributions: Readonly<Record<string, EffectDistribution>>
): NpvNormalApproximation | InvalidModel => {
  const issues = validateModel(model)
  if (issues.length > 0) return invalidModel(issues)
  const basis = makeBasis(model)
  const benefit = uncertainBenefit(model, basis, distributions)
  if (benefit.issues.length > 0) return invalidModel(benefit.issues)
  const mean = basis.npvBase + basis.pvVolume * benefit.mean
  const sdU = Math.sqrt(benefit.variance)
  const sd = basis.pvVolume * sdU
  const probabilityNpvPositive = sd > 0 ? normalCdf(mean / sd) : mean > 0 ? 1 : 0
  const expectedLoss = sd > 0 ? sd * normalPdf(mean / sd) - mean * normalCdf(-mean / sd) : Math.max(0, -mean)
  const threshold = paybackThreshold(basis.baseCumulative, basis.volumeCumulative, model.targetPaybackMonths)
  const probabilityPaybackWithinTarget = threshold === Number.NEGATIVE_INFINITY
    ? 1
    : threshold === Number.POSITIVE_INFINITY
    ? 0
    : sdU > 0
    ? normalCdf((benefit.mean - threshold) / sdU)
    : benefit.mean >= threshold ? 1 : 0
  const notes: Array<Note> = [...modelNotes(model), ...benefit.notes]
  if (sd === 0 && !notes.some((n) => n.code === "ZERO_VARIANCE")) {
    notes.push({ code: "ZERO_VARIANCE", message: "NPV does not vary (zero volume or no uncertain valued effect): probabilities are 0 or 1" })
  }
  return {
    ok: true,
    mean,
    sd,
    probabilityNpvPositive,
    expectedLoss,
    targetPaybackMonths: model.targetPaybackMonths,
    probabilityPaybackWithinTarget,
    notes
  }
}
