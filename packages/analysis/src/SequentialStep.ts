/**
 * The sequential step, applied after the fixed-horizon method: a sequential plan keeps the same
 * estimate and replaces the interval and p-value with mSPRT's always-valid ones (normal mixture
 * with τ = the plan's absolute MDE: the baseline, or the control mean, times the relative MDE;
 * Johari et al. 2017). The relative interval is scaled to the widened absolute one. A
 * one-sided plan mixes over the good side only (a half-normal mixture): its p-value is the
 * one-sided always-valid one, and each end of the interval the always-valid one-sided bound of
 * its side (the lower from the mixture over θ > 0, the upper from θ < 0). A degenerate
 * comparison, or one without a positive standard error, is left fixed.
 *
 * With `sequentialMethod` asymptotic-cs the interval and p are the asymptotic confidence
 * sequence's (Waudby-Smith et al.; GrowthBook's method) on the same estimate and SE, after the
 * `units` of both arms, tightest at the plan's N*.
 */
import type { ComparisonMethod, EffectEstimate, RelativeEffect } from "@pilotproof/domain"
import { alternativeOf, asymptoticConfidenceSequence, msprt } from "@pilotproof/stats"
import type { AnalysisPlan } from "./AnalysisPlan.js"
import type { FixedComparison } from "./FixedComparison.js"

export interface InferenceResult {
  readonly absolute: EffectEstimate
  readonly relative: RelativeEffect
  readonly pValue: number
  readonly method: ComparisonMethod
  readonly why: string
}

export const applySequential = (
  fixed: FixedComparison,
  plan: AnalysisPlan,
  controlMean: number,
  direction: "increase" | "decrease",
  units: number
): InferenceResult => {
  const { comparison, standardError } = fixed
  const asFixed: InferenceResult = {
    absolute: { estimate: comparison.estimate, ci: comparison.ci },
    relative: fixed.relative,
    pValue: comparison.pValue,
    method: fixed.method,
    why: fixed.why
  }
  const method = fixed.method
  // cluster-randomized pilots are fixed-horizon (the definition refuses a sequential plan)
  if (!plan.sequential || method === "cluster-t" || comparison.reason !== undefined || !(standardError > 0)) return asFixed
  if (plan.sequentialMethod?._tag === "asymptotic-cs") {
    const tuning = plan.sequentialMethod.tuning
    const cs = asymptoticConfidenceSequence(comparison.estimate, standardError * standardError, units, { alpha: plan.alpha, tuning })
    if (cs.reason !== undefined) return asFixed
    const absolute = { estimate: cs.estimate, ci: cs.ci }
    return {
      absolute,
      relative: scaleRelative(fixed.relative, absolute, controlMean),
      pValue: cs.pValue,
      method: `${method}+asymptotic-cs`,
      why: `${fixed.why}; sequential plan: asymptotic confidence sequence (Waudby-Smith et al.), always-valid interval and p, tightest at N* = ${tuning} units`
    }
  }
  const tau = Math.abs((plan.baseline ?? controlMean) * plan.mde) || standardError
  const run = (alternative: "two-sided" | "greater" | "less") =>
    msprt(comparison.estimate, standardError * standardError, { alpha: plan.alpha, mixingVariance: tau * tau, alternative })
  const twoSided = plan.sides === 2
  // one-sided: each side's mixture gives its bound; the metric's good side gives the p-value
  const sides = twoSided ? undefined : { greater: run("greater"), less: run("less") }
  const seq = sides === undefined ? run("two-sided") : sides[alternativeOf(direction) === "greater" ? "greater" : "less"]
  const ci = sides === undefined ? seq.ci : { lower: sides.greater.ci.lower, upper: sides.less.ci.upper }
  const absolute = { estimate: seq.estimate, ci }
  return {
    absolute,
    relative: scaleRelative(fixed.relative, absolute, controlMean),
    pValue: seq.pValue,
    method: `${method}+msprt`,
    why: `${fixed.why}; sequential plan: mSPRT always-valid interval and p-value (τ = ${tau.toPrecision(3)}${twoSided ? "" : ", one-sided half-normal mixture"})`
  }
}

/** The relative interval scaled to match a widened (always-valid) absolute interval. */
const scaleRelative = (relative: RelativeEffect, absolute: EffectEstimate, controlMean: number): RelativeEffect =>
  controlMean === 0
    ? relative
    : {
      ...relative,
      ci: { lower: absolute.ci.lower / Math.abs(controlMean), upper: absolute.ci.upper / Math.abs(controlMean) },
      method: relative.method === "delta" ? "delta, always-valid width" : "absolute/control, always-valid width"
    }
