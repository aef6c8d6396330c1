/**
 * A pilot's analysis as of a moment: every metric's comparisons (Holm-adjusted across success
 * metrics), the runtime, the planned sample and the readiness report it was read with.
 */
import { Schema } from "effect"
import { MetricAnalysis } from "./MetricAnalysis.js"
import { PilotStatus } from "./Pilot.js"
import { ReadinessReport } from "./ReadinessReport.js"
import { optional, Stat } from "./Statistic.js"

export const Runtime = Schema.Struct({
  firstExposure: optional(Schema.String),
  lastExposure: optional(Schema.String),
  /** Whole days from the first exposure to the as-of moment or the last exposure. */
  days: Schema.Number,
  minDays: Schema.Number,
  maxDays: Schema.Number
}).annotations({ identifier: "Runtime" })

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
  metrics: Schema.Array(MetricAnalysis)
}, { description: "Every metric's effects with intervals, tests and the method chosen, readiness and SRM." }) {}
