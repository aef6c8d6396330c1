/**
 * The per-metric tests of the policy, read off the confidence interval at 1 − alpha (an
 * always-valid interval when the plan is sequential). "Good side" follows the metric's
 * direction. Guardrails use a non-inferiority margin δ ≥ 0 in metric units (Piaggio et al.
 * 2012, CONSORT extension for non-inferiority trials):
 *
 *   breached      decrease-good: lower > δ        increase-good: upper < −δ
 *   non-inferior  decrease-good: upper < δ        increase-good: lower > −δ
 *
 * A result with a coded `degenerate` reason, or with a NaN estimate, bound or p-value, proves
 * nothing either way: it is never harm, never a win, never non-inferior. Internal to the package.
 */
import type { MetricEvidence } from "./DecisionInput.js"

/** The coded reason a result cannot be used, or undefined when it can. */
export const unusable = (m: MetricEvidence): string | undefined =>
  m.degenerate !== undefined
    ? m.degenerate
    : [m.estimate, m.ci.lower, m.ci.upper, m.pValue].some(Number.isNaN)
    ? "NON_FINITE"
    : undefined

/** The margin as a number ≥ 0 (a missing or invalid margin counts as 0: plain non-inferiority to control). */
export const marginOf = (m: MetricEvidence): number =>
  m.margin !== undefined && Number.isFinite(m.margin) && m.margin > 0 ? m.margin : 0

/** The interval lies entirely on the bad side of 0. */
export const significantlyWorse = (m: MetricEvidence): boolean =>
  unusable(m) === undefined && (m.direction === "increase" ? m.ci.upper < 0 : m.ci.lower > 0)

/** The p-value the win uses: Holm-adjusted when the engine supplied it, else the raw one. */
export const winPValue = (m: MetricEvidence): number => m.adjustedPValue ?? m.pValue

/** p < alpha, the estimate on the good side, and the interval excluding 0 on the good side. */
export const significantlyBetter = (m: MetricEvidence, alpha: number): boolean =>
  unusable(m) === undefined &&
  winPValue(m) < alpha &&
  (m.direction === "increase" ? m.estimate > 0 && m.ci.lower > 0 : m.estimate < 0 && m.ci.upper < 0)

/** The guardrail's interval lies entirely beyond its margin on the bad side. */
export const guardrailBreached = (m: MetricEvidence): boolean =>
  unusable(m) === undefined &&
  (m.direction === "decrease" ? m.ci.lower > marginOf(m) : m.ci.upper < -marginOf(m))

/** The guardrail's bad-side bound is within its margin. */
export const guardrailNonInferior = (m: MetricEvidence): boolean =>
  unusable(m) === undefined &&
  (m.direction === "decrease" ? m.ci.upper < marginOf(m) : m.ci.lower > -marginOf(m))

/** The optimistic (good-side) bound of the interval. */
export const goodBound = (m: MetricEvidence): number => (m.direction === "increase" ? m.ci.upper : m.ci.lower)

/**
 * Even the optimistic bound is short of the break-even effect (increase-good: upper < b;
 * decrease-good: lower > b); without a break-even effect, the interval includes 0.
 */
export const shortOfWorthwhile = (m: MetricEvidence, breakEven: number | undefined): boolean =>
  unusable(m) === undefined &&
  (breakEven !== undefined
    ? m.direction === "increase" ? m.ci.upper < breakEven : m.ci.lower > breakEven
    : m.ci.lower <= 0 && m.ci.upper >= 0)
