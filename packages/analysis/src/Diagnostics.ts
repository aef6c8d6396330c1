/**
 * Diagnostics: what the AI did, in each arm that has it, from the numbers the store reads — a
 * ratio diagnostic's sufficient statistics, a scoring diagnostic's (score, outcome) pairs. Pure;
 * the decision never reads the result.
 */
import type { DiagnosticAnalysis, RatioDiagnostic, RatioDiagnosticArm, ScoringDiagnostic, ScoringDiagnosticArm } from "@pilotproof/domain"
import { aucDeLong, brierScore, normalQuantile, ratioEstimate, reliabilityTable, topDecileLift, type VariantStats } from "@pilotproof/stats"

/**
 * A ratio diagnostic per arm: Σ numerator / Σ denominator with the delta-method interval at
 * level 1 − alpha; arms whose units have no denominator (the control, for draft acceptance) are
 * left out.
 */
export const ratioDiagnosticOf = (
  diagnostic: RatioDiagnostic,
  stats: Readonly<Record<string, VariantStats>>,
  variants: ReadonlyArray<string>,
  alpha: number
): DiagnosticAnalysis => {
  const z = normalQuantile(1 - alpha / 2)
  const arms = variants.flatMap((variant): Array<RatioDiagnosticArm> => {
    const s = stats[variant]
    if (s === undefined || s._tag !== "Ratio" || s.moments.sumY === 0) return []
    const m = s.moments
    const base = { variant, units: m.n, numerator: m.sumX, denominator: m.sumY }
    const estimate = ratioEstimate(m)!
    if (m.n < 2) {
      return [{ ...base, estimate: estimate.ratio, ci: { lower: -Infinity, upper: Infinity }, standardError: Number.NaN, degenerate: "too-few-units" }]
    }
    const se = Math.sqrt(estimate.variance)
    return [{ ...base, estimate: estimate.ratio, ci: { lower: estimate.ratio - z * se, upper: estimate.ratio + z * se }, standardError: se }]
  })
  return {
    key: diagnostic.key,
    name: diagnostic.name ?? diagnostic.key,
    type: "ratio",
    ...(diagnostic.unit === undefined ? {} : { unit: diagnostic.unit }),
    arms
  }
}

/** One arm's scored units: how many there are, and the pairs read (all, or the first `limit`). */
export interface ScoredArm {
  readonly units: number
  readonly scores: Float64Array
  readonly outcomes: Uint8Array
}

/**
 * A scoring diagnostic per arm that has scored units: AUC with DeLong's interval at level
 * 1 − alpha, the Brier score, the reliability table in `bins` bins and the top-decile lift.
 */
export const scoringDiagnosticOf = (
  diagnostic: ScoringDiagnostic,
  scored: Readonly<Record<string, ScoredArm>>,
  variants: ReadonlyArray<string>,
  alpha: number
): DiagnosticAnalysis => {
  const arms = variants.flatMap((variant): Array<ScoringDiagnosticArm> => {
    const arm = scored[variant]
    if (arm === undefined || arm.scores.length === 0) return []
    const { outcomes, scores } = arm
    const auc = aucDeLong(scores, outcomes, alpha)
    return [{
      variant,
      units: arm.units,
      read: scores.length,
      positives: auc.positives,
      auc: { estimate: auc.auc, ci: auc.ci, standardError: auc.standardError },
      brier: brierScore(scores, outcomes),
      topDecileLift: topDecileLift(scores, outcomes).lift,
      reliability: reliabilityTable(scores, outcomes, diagnostic.bins),
      ...(auc.reason === undefined ? {} : { degenerate: auc.reason })
    }]
  })
  return { key: diagnostic.key, name: diagnostic.name ?? diagnostic.key, type: "scoring", arms }
}
