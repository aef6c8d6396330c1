/**
 * Cluster-randomized pilots (`unit: manager`, `analysisUnit: deal`): every metric type is
 * compared on per-cluster totals — the outcome total and the analysis units of each cluster —
 * as the difference of per-analysis-unit means (a rate per deal, minutes per conversation, a
 * ratio's ΣX/ΣY) with the cluster-robust delta-method SE and Student t on C_T + C_C − 2 df
 * (stats' `compareClusterRatios`). The relative lift divides by the control's mean per unit, its
 * interval by the same t quantile; guardrails get the cluster-level non-inferiority test.
 */
import type { Metric } from "@pilotproof/domain"
import { compareClusterRatios, nonInferiorityClusters, type RatioStats } from "@pilotproof/stats"
import {
  type FixedComparison,
  nonInferiorityReport,
  posteriorBeat,
  relativeFromAbsolute,
  testAtLevel,
  type TestLevel
} from "./FixedComparison.js"

export const compareClusters = (metric: Metric, treatment: RatioStats, control: RatioStats, level: TestLevel): FixedComparison => {
  const { alpha, comparison, standardError: se } = testAtLevel(level, metric.direction, (a, alternative) => compareClusterRatios(treatment, control, a, alternative))
  const controlMean = control.sumY === 0 ? 0 : control.sumX / control.sumY
  const clusters = treatment.n + control.n
  const nonInferiority = metric.role === "guardrail" && metric.margin !== undefined
    ? nonInferiorityClusters(treatment, control, { margin: metric.margin, direction: metric.direction, alpha: alpha / 2 })
    : undefined
  return {
    method: "cluster-t",
    why: `cluster-randomized (${clusters} clusters): per-cluster totals, the difference of means per unit with the cluster-robust delta-method SE, Student t on ${Math.max(0, clusters - 2)} df`,
    comparison,
    standardError: se,
    probabilityToBeat: posteriorBeat(comparison.estimate, se, metric.direction),
    relative: relativeFromAbsolute(comparison, controlMean, se, alpha, comparison.df),
    ...(nonInferiority === undefined ? {} : { nonInferiority: nonInferiorityReport(metric.margin!, nonInferiority) })
  }
}
