/**
 * Holm-adjusted p-values across the success metrics (primary and secondaries) of each
 * treatment; guardrails are tested on their own (non-inferiority) and not adjusted (Holm 1979).
 */
import type { MetricAnalysis } from "@pilotproof/domain"
import { holmAdjust } from "@pilotproof/stats"

export const adjustSuccessMetrics = (metrics: ReadonlyArray<MetricAnalysis>): Array<MetricAnalysis> => {
  const treatments = [...new Set(metrics.flatMap((m) => m.comparisons.map((c) => c.variant)))]
  const adjusted = new Map<string, number>()
  for (const variant of treatments) {
    const entries = metrics
      .filter((m) => m.role !== "guardrail")
      .flatMap((m) => m.comparisons.filter((c) => c.variant === variant).map((c) => ({ key: m.key, p: c.pValue })))
    const p = holmAdjust(entries.map((e) => e.p))
    entries.forEach((e, i) => adjusted.set(`${e.key}\u0000${variant}`, p[i]!))
  }
  return metrics.map((m) => ({
    ...m,
    comparisons: m.comparisons.map((c) => {
      const a = adjusted.get(`${m.key}\u0000${c.variant}`)
      return a === undefined ? c : { ...c, adjustedPValue: a }
    })
  }))
}
