/**
 * Pre-registered segments (`segments: [tenure]`): the primary metric's effect among the units of
 * each value of an exposure attribute, compared by the metric's own fixed-horizon method
 * (`compareFixed`, the plan's α and sides), Holm-adjusted across the values, and Cochran's Q test
 * of whether the effect differs between them (stats' `cochranQ`: the interaction test for disjoint
 * subgroups). Values are ordered by their units; past the 8 largest the rest are pooled as
 * "(other)", and units whose exposure lacks the attribute are "(none)". Segments inform the
 * analyst and never enter the decision: a verdict cannot turn on a subgroup found after the fact,
 * or even on a pre-registered one. Reference: Wang, Lagakos, Ware, Hunter & Drazen (2007),
 * "Statistics in medicine — reporting of subgroup analyses", NEJM 357:2189.
 */
import type { Metric, SegmentAnalysis } from "@pilotproof/domain"
import { cochranQ, holmAdjust, type VariantStats } from "@pilotproof/stats"
import { compareFixed, summarize } from "./CompareMetric.js"
import type { TestLevel } from "./FixedComparison.js"

/** One value of a segment attribute with its per-variant statistics, as the store returns them. */
export interface SegmentStats {
  readonly value: string | null
  readonly stats: Readonly<Record<string, VariantStats>>
}

/** Values shown on their own; the rest are pooled as "(other)". */
export const MAX_SEGMENT_VALUES = 8

/** Two arms' statistics added (every shape is sums, so a pooled segment is their sum). */
const add = (a: VariantStats | undefined, b: VariantStats): VariantStats => {
  if (a === undefined) return b
  if (a._tag === "Ratio" && b._tag === "Ratio") {
    const [x, y] = [a.moments, b.moments]
    return { _tag: "Ratio", moments: { n: x.n + y.n, sumX: x.sumX + y.sumX, sumY: x.sumY + y.sumY, sumX2: x.sumX2 + y.sumX2, sumY2: x.sumY2 + y.sumY2, sumXY: x.sumXY + y.sumXY } }
  }
  if ((a._tag === "Moments" || a._tag === "Duration") && a._tag === b._tag) {
    const moments = { n: a.moments.n + b.moments.n, sum: a.moments.sum + b.moments.sum, sumSquares: a.moments.sumSquares + b.moments.sumSquares }
    if (a._tag === "Duration" && b._tag === "Duration") return { _tag: "Duration", moments, open: a.open + b.open }
    const ca = a._tag === "Moments" ? a.covariate : undefined
    const cb = b._tag === "Moments" ? b.covariate : undefined
    return ca !== undefined && cb !== undefined
      ? { _tag: "Moments", moments, covariate: { sumX: ca.sumX + cb.sumX, sumX2: ca.sumX2 + cb.sumX2, sumXY: ca.sumXY + cb.sumXY } }
      : { _tag: "Moments", moments }
  }
  if (a._tag === "Clusters" && b._tag === "Clusters") {
    const [x, y] = [a.moments, b.moments]
    return {
      _tag: "Clusters",
      moments: { n: x.n + y.n, sumX: x.sumX + y.sumX, sumY: x.sumY + y.sumY, sumX2: x.sumX2 + y.sumX2, sumY2: x.sumY2 + y.sumY2, sumXY: x.sumXY + y.sumXY },
      units: a.units + b.units,
      open: a.open + b.open
    }
  }
  // one metric's statistics always share a shape; should they not, the first stands
  return a
}

const unitsOf = (s: SegmentStats) => Object.values(s.stats).reduce((n, v) => n + (v._tag === "Clusters" ? v.units : v.moments.n), 0)

/** The segment's values as shown: the largest on their own, the rest pooled, "(none)" last. */
export const segmentValues = (rows: ReadonlyArray<SegmentStats>): Array<{ readonly value: string; readonly stats: Readonly<Record<string, VariantStats>> }> => {
  const named = rows.filter((r) => r.value !== null).sort((a, b) => unitsOf(b) - unitsOf(a) || String(a.value).localeCompare(String(b.value)))
  const shown = named.slice(0, MAX_SEGMENT_VALUES).map((r) => ({ value: r.value!, stats: r.stats }))
  const pool = (label: string, group: ReadonlyArray<SegmentStats>) => {
    if (group.length === 0) return []
    const stats: Record<string, VariantStats> = {}
    for (const r of group) for (const [variant, s] of Object.entries(r.stats)) stats[variant] = add(stats[variant], s)
    return [{ value: label, stats }]
  }
  return [...shown, ...pool("(other)", named.slice(MAX_SEGMENT_VALUES)), ...pool("(none)", rows.filter((r) => r.value === null))]
}

/** The primary's effect by one segment attribute, for each treatment. */
export const segmentAnalysesOf = (
  metric: Metric,
  attribute: string,
  rows: ReadonlyArray<SegmentStats>,
  control: string,
  treatments: ReadonlyArray<string>,
  level: TestLevel
): Array<SegmentAnalysis> => {
  const values = segmentValues(rows)
  return treatments.map((variant) => {
    const compared = values.map((v) => {
      const t = v.stats[variant]
      const c = v.stats[control]
      const fixed = compareFixed(metric, t, c, level)
      return {
        value: v.value,
        control: summarize(control, c).n,
        treatment: summarize(variant, t).n,
        estimate: fixed.comparison.estimate,
        ci: fixed.comparison.ci,
        pValue: fixed.comparison.pValue,
        standardError: fixed.standardError,
        ...(fixed.comparison.reason === undefined ? {} : { degenerate: fixed.comparison.reason })
      }
    })
    const adjusted = holmAdjust(compared.map((c) => c.pValue))
    // the interaction test runs on the two-sided estimates and their SEs, whatever the plan's sides
    const q = cochranQ(compared.filter((c) => c.degenerate === undefined).map((c) => ({ estimate: c.estimate, variance: c.standardError ** 2 })))
    return {
      attribute,
      metric: metric.key,
      variant,
      values: compared.map(({ standardError: _, ...c }, i) => ({ ...c, adjustedPValue: adjusted[i]! })),
      heterogeneity: { q: q.q, df: q.df, pValue: q.pValue, i2: q.i2 }
    }
  })
}
