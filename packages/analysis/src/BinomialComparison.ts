/**
 * Binomial metrics (a rate per unit): Fisher's exact test with the Newcombe interval when an
 * expected cell count is below 5, else the two-proportion z-test (pooled SE for p, unpooled for
 * the CI). P(better) from flat Beta(1, 1) posteriors (Evan Miller's exact sum); guardrails get
 * a non-inferiority test against their margin at the one-sided level of the interval's ends
 * (α/2 two-sided, α one-sided). A one-sided plan's p-value is the test's one-sided one.
 */
import type { Metric } from "@pilotproof/domain"
import {
  armFromProportion,
  betaPosterior,
  compareProportions,
  nonInferiorityProportions,
  type ProportionStats,
  probabilityBBeatsA,
  relativeLiftDelta,
  relativeLiftFieller
} from "@pilotproof/stats"
import {
  deltaWithFieller,
  type FixedComparison,
  nonInferiorityReport,
  testAtLevel,
  type TestLevel
} from "./FixedComparison.js"

export const compareBinomial = (
  metric: Extract<Metric, { readonly type: "binomial" }>,
  treatment: ProportionStats,
  control: ProportionStats,
  level: TestLevel
): FixedComparison => {
  const { alpha, comparison, standardError } = testAtLevel(level, metric.direction, (a, alternative) => compareProportions(treatment, control, a, alternative))
  const exact = comparison.method === "fisher-exact"
  const better = probabilityBBeatsA(betaPosterior(control), betaPosterior(treatment))
  const nonInferiority = metric.role === "guardrail" && metric.margin !== undefined
    ? nonInferiorityProportions(treatment, control, { margin: metric.margin, direction: metric.direction, alpha: alpha / 2 })
    : undefined
  return {
    method: exact ? "fisher-exact" : "z-test",
    why: exact
      ? "an expected cell count is below 5: Fisher's exact test, Newcombe interval"
      : "all expected cell counts ≥ 5: two-proportion z-test",
    comparison,
    standardError,
    probabilityToBeat: metric.direction === "increase" ? better : 1 - better,
    relative: deltaWithFieller(
      relativeLiftDelta(armFromProportion(treatment), armFromProportion(control), alpha),
      relativeLiftFieller(armFromProportion(treatment), armFromProportion(control), alpha)
    ),
    ...(nonInferiority === undefined ? {} : { nonInferiority: nonInferiorityReport(metric.margin!, nonInferiority) })
  }
}
