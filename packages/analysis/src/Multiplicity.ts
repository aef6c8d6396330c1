/**
 * Holm-adjusted p-values across every success comparison of the pilot: each success metric
 * (primary and secondaries) of each treatment against the control, as one family. A pilot is GO
 * when any treatment wins, so the chance of a false GO grows with the treatments unless the
 * family spans them (as GrowthBook's and Statsig's corrections do, across metrics and variations);
 * with one treatment this is Holm across its success metrics. Guardrails are tested on their own
 * (non-inferiority) and not adjusted (Holm 1979).
 */
import type { MetricAnalysis } from "@pilotproof/domain"
import { holmAdjust } from "@pilotproof/stats"

export const adjustSuccessMetrics = (metrics: ReadonlyArray<MetricAnalysis>): Array<MetricAnalysis> => {
  const entries = metrics
    .filter((m) => m.role !== "guardrail")
    .flatMap((m) => m.comparisons.map((c) => ({ id: `${m.key}\u0000${c.variant}`, p: c.pValue })))
  const p = holmAdjust(entries.map((e) => e.p))
  const adjusted = new Map(entries.map((e, i) => [e.id, p[i]!] as const))
  return metrics.map((m) => ({
    ...m,
    comparisons: m.comparisons.map((c) => {
      const a = adjusted.get(`${m.key}\u0000${c.variant}`)
      return a === undefined ? c : { ...c, adjustedPValue: a }
    })
  }))
}
