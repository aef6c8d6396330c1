/**
 * A diagnostic's analysis: what the AI did, per arm that has it — a ratio with its interval
 * (draft acceptance, edit share), or a scoring model's quality on the pilot's own units. The
 * pure `@pilotproof/analysis` package builds these; the decision never reads them.
 */
import { Schema } from "effect"
import { DegenerateReason } from "./MetricAnalysis.js"
import { EffectEstimate, optional, Stat } from "./Statistic.js"

/** A ratio diagnostic in one arm: Σ numerator / Σ denominator over its units, with a delta-method interval. */
export const RatioDiagnosticArm = Schema.Struct({
  variant: Schema.String,
  /** Analysed units of the arm (those without a denominator weigh nothing in the ratio). */
  units: Schema.Number,
  numerator: Stat,
  denominator: Stat,
  ...EffectEstimate.fields,
  standardError: Stat,
  degenerate: optional(DegenerateReason)
}).annotations({ identifier: "RatioDiagnosticArm" })
export type RatioDiagnosticArm = typeof RatioDiagnosticArm.Type

/** One bin of a reliability table: scores in [from, to), their mean and the outcome rate. */
export const ReliabilityRow = Schema.Struct({
  from: Schema.Number,
  to: Schema.Number,
  units: Schema.Number,
  meanPredicted: Stat,
  observedRate: Stat
}).annotations({ identifier: "ReliabilityRow" })

/** A scoring model's quality in one arm, on the units it scored there. */
export const ScoringDiagnosticArm = Schema.Struct({
  variant: Schema.String,
  /** Units with a score in the arm; `read` of them were analysed (all, unless past the limit). */
  units: Schema.Number,
  read: Schema.Number,
  positives: Schema.Number,
  /** AUC with DeLong's standard error and the interval AUC ± z·SE, clipped to [0, 1]. */
  auc: Schema.Struct({ ...EffectEstimate.fields, standardError: Stat }),
  /** Mean squared error of the scores as probabilities; NaN when a score is outside [0, 1]. */
  brier: Stat,
  /** The outcome rate of the top-scored tenth over the arm's rate. */
  topDecileLift: Stat,
  reliability: Schema.Array(ReliabilityRow),
  degenerate: optional(DegenerateReason)
}).annotations({ identifier: "ScoringDiagnosticArm" })
export type ScoringDiagnosticArm = typeof ScoringDiagnosticArm.Type

export const DiagnosticAnalysis = Schema.Union(
  Schema.Struct({
    key: Schema.String,
    name: Schema.String,
    type: Schema.Literal("ratio"),
    unit: optional(Schema.String),
    arms: Schema.Array(RatioDiagnosticArm)
  }),
  Schema.Struct({
    key: Schema.String,
    name: Schema.String,
    type: Schema.Literal("scoring"),
    arms: Schema.Array(ScoringDiagnosticArm)
  })
).annotations({ identifier: "DiagnosticAnalysis", description: "What the AI did, per arm that has it; never decided on." })
export type DiagnosticAnalysis = typeof DiagnosticAnalysis.Type
