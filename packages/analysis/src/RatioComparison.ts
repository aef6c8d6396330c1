/**
 * Ratio metrics (ΣX/ΣY per arm, e.g. revenue per session): the delta method with the
 * numerator–denominator covariance; the relative lift divides the difference by the control's
 * ratio. A ratio guardrail's margin is not tested for non-inferiority yet (there is no
 * ratio non-inferiority test in the statistics engine).
 */
import type { Metric } from "@pilotproof/domain"
import { compareRatios, type RatioStats } from "@pilotproof/stats"
import {
  type FixedComparison,
  posteriorBeat,
  relativeFromAbsolute,
  testAtLevel,
  type TestLevel
} from "./FixedComparison.js"

export const compareRatio = (
  metric: Extract<Metric, { readonly type: "ratio" }>,
  treatment: RatioStats,
  control: RatioStats,
  level: TestLevel
): FixedComparison => {
  const { alpha, comparison, standardError: se } = testAtLevel(level, metric.direction, (a, alternative) => compareRatios(treatment, control, a, alternative))
  const controlRatio = control.sumY === 0 ? 0 : control.sumX / control.sumY
  return {
    method: "delta-ratio",
    why: "a ratio of sums per arm: delta method with the numerator–denominator covariance",
    comparison,
    standardError: se,
    probabilityToBeat: posteriorBeat(comparison.estimate, se, metric.direction),
    relative: relativeFromAbsolute(comparison, controlRatio, se, alpha)
  }
}
