/**
 * Break-even effect: the effect on one metric at which NPV = 0, the other effects held fixed.
 * NPV is linear in each effect (see CashFlowBasis), so with c = sign · value of the metric,
 * PV(volume) = Σ_t volume_t · (1 + m)^(−t) and NPV₀ the NPV with this metric's effect at 0:
 *
 *   effect* = −NPV₀ / (c · PV(volume))
 *
 * The answer is in the metric's own units and sign convention (treatment − control): for a
 * `decrease` metric it is usually negative. An effect beyond it in the good direction makes
 * NPV > 0. Undefined when the metric has no value (`METRIC_NOT_VALUED`) or when its effect
 * cannot move NPV (zero value or zero volume, or so little that the answer overflows:
 * `NO_SENSITIVITY`).
 */
import { benefitPerUnit, makeBasis } from "./CashFlowBasis.js"
import { type EconomicsModel, type Effects, type InvalidModel, invalidModel, validateModel } from "./EconomicsModel.js"

export type BreakEvenResult =
  | {
    readonly ok: true
    readonly metric: string
    /** The effect (treatment − control) at which NPV = 0. */
    readonly effect: number
    /** NPV gained per unit of effect on this metric: c · PV(volume). */
    readonly npvPerUnitEffect: number
  }
  | { readonly ok: false; readonly reason: "METRIC_NOT_VALUED" | "NO_SENSITIVITY"; readonly message: string }

/** The effect on `metric` that makes NPV = 0 with `otherEffects` fixed (its own entry there is ignored). */
export const breakEvenEffect = (
  model: EconomicsModel,
  metric: string,
  otherEffects: Effects
): BreakEvenResult | InvalidModel => {
  const issues = validateModel(model)
  if (issues.length > 0) return invalidModel(issues)
  const basis = makeBasis(model)
  const c = basis.coefficient.get(metric)
  if (c === undefined) {
    return { ok: false, reason: "METRIC_NOT_VALUED", message: `metric "${metric}" has no money value in the model` }
  }
  const others: Record<string, number> = {}
  for (const [key, value] of Object.entries(otherEffects)) if (key !== metric) others[key] = value
  const point = benefitPerUnit(model, basis, others)
  if (point.issues.length > 0) return invalidModel(point.issues)
  const slope = c * basis.pvVolume
  if (slope === 0) {
    return { ok: false, reason: "NO_SENSITIVITY", message: `the effect of "${metric}" cannot change NPV (zero value or zero volume)` }
  }
  const npv0 = basis.npvBase + point.u * basis.pvVolume
  const effect = -npv0 / slope
  if (!Number.isFinite(effect)) {
    return { ok: false, reason: "NO_SENSITIVITY", message: `the effect of "${metric}" moves NPV too little to break even (|effect| beyond ${Number.MAX_VALUE})` }
  }
  return { ok: true, metric, effect, npvPerUnitEffect: slope }
}
