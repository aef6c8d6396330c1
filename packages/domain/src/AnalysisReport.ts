/**
 * A pilot's analysis as of a moment: every metric's comparisons (Holm-adjusted across success
 * metrics), the runtime, the planned sample and the readiness report it was read with.
 */
import { Schema } from "effect"
import { DiagnosticAnalysis } from "./DiagnosticAnalysis.js"
import { DegenerateReason, MetricAnalysis } from "./MetricAnalysis.js"
import { PilotStatus } from "./Pilot.js"
import { ReadinessReport } from "./ReadinessReport.js"
import { EffectEstimate, optional, Stat } from "./Statistic.js"

export const Runtime = Schema.Struct({
  firstExposure: optional(Schema.String),
  lastExposure: optional(Schema.String),
  /** Whole days from the first exposure to the as-of moment or the last exposure. */
  days: Schema.Number,
  minDays: Schema.Number,
  maxDays: Schema.Number
}).annotations({ identifier: "Runtime" })

/** One segment value's effect on the primary. */
export const SegmentValue = Schema.Struct({
  /** The attribute's value; "(none)" for units whose exposure did not carry it, "(other)" for the rest past the largest. */
  value: Schema.String,
  control: Schema.Number,
  treatment: Schema.Number,
  ...EffectEstimate.fields,
  pValue: Stat,
  /** Holm-adjusted across the segment's values. */
  adjustedPValue: Stat,
  degenerate: optional(DegenerateReason)
}).annotations({ identifier: "SegmentValue" })

/**
 * The primary's effect by a pre-registered segment for one treatment, with Cochran's Q test of
 * whether it differs between the values. Informative only: the decision never reads it.
 */
export const SegmentAnalysis = Schema.Struct({
  attribute: Schema.String,
  metric: Schema.String,
  variant: Schema.String,
  values: Schema.Array(SegmentValue),
  heterogeneity: Schema.Struct({ q: Stat, df: Schema.Number, pValue: Stat, i2: Stat })
}).annotations({ identifier: "SegmentAnalysis" })
export type SegmentAnalysis = typeof SegmentAnalysis.Type

export class AnalysisReport extends Schema.Class<AnalysisReport>("AnalysisReport")({
  pilotId: Schema.String,
  name: Schema.String,
  status: PilotStatus,
  designHash: optional(Schema.String),
  asOf: Schema.String,
  alpha: Schema.Number,
  /**
   * 1 for a one-sided plan: p-values one-sided on each metric's good side, each end of an interval
   * a one-sided 1 − alpha bound (the interval two-sided 1 − 2·alpha). Left out for a two-sided
   * plan, as in reports written before it existed.
   */
  sides: optional(Schema.Literal(1)),
  /**
   * A cluster-randomized pilot: the randomized unit (clusters, `manager`) and the analysis unit
   * (`deal`); every metric is then compared on per-cluster totals (method cluster-t).
   */
  cluster: optional(Schema.Struct({ unit: Schema.String, analysisUnit: Schema.String })),
  sequential: Schema.Boolean,
  control: Schema.String,
  treatments: Schema.Array(Schema.String),
  runtime: Runtime,
  plannedPerArm: Stat,
  readiness: ReadinessReport,
  metrics: Schema.Array(MetricAnalysis),
  /** Pre-registered segments (`segments:`): the primary's effect by each, for every treatment. */
  segments: optional(Schema.Array(SegmentAnalysis)),
  /** The pilot's diagnostics (`diagnostics:`): what the AI did, per arm that has it; never decided on. */
  diagnostics: optional(Schema.Array(DiagnosticAnalysis))
}, { description: "Every metric's effects with intervals, tests and the method chosen, readiness and SRM." }) {}
