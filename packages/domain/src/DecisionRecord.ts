/**
 * The append-only decision record: who decided what, when, on which design and data moment; the
 * computed verdict and, beside it (never replacing it), a human override with its reason. The
 * evaluation it was decided on is stored with it as versioned JSON (`StoredEvaluation`).
 */
import { Schema } from "effect"
import { Evaluation } from "./Evaluation.js"
import { Verdict } from "./Verdict.js"

/** The columns of a decision record, as the API and `--format json` show them. */
export const decisionRecordFields = {
  pilot_id: Schema.String,
  seq: Schema.Number,
  decided_at: Schema.String,
  /** The moment the data was analysed as of. */
  as_of: Schema.String,
  design_hash: Schema.String,
  computed_verdict: Verdict,
  /** The verdict in force: the override when there is one, else the computed verdict. */
  verdict: Verdict,
  reason: Schema.String,
  actor: Schema.String,
  override_verdict: Schema.NullOr(Verdict),
  override_reason: Schema.NullOr(Schema.String),
  override_by: Schema.NullOr(Schema.String),
  /** The results snapshot (`AnalysisSnapshot.id`) decided on; null for an explicit as-of or a record made before snapshots. */
  snapshot_id: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })
}

export class DecisionRecord extends Schema.Class<DecisionRecord>("DecisionRecord")(decisionRecordFields) {}

/** A decision record with the evaluation it was decided on (`record`). */
export class RecordedDecision extends Schema.Class<RecordedDecision>("RecordedDecision")({
  ...decisionRecordFields,
  /** The analysis, economics and decision with every check, as recorded. */
  record: Evaluation
}) {}

/** The version of the stored evaluation's JSON; records without one are version 1. */
export const EVALUATION_SCHEMA_VERSION = 2 as const

const StoredV2 = Schema.Struct({ schemaVersion: Schema.Literal(EVALUATION_SCHEMA_VERSION), evaluation: Evaluation })

/**
 * An evaluation as a decision record stores it: JSON text `{"schemaVersion": 2, "evaluation": …}`.
 * Version 1 (no `schemaVersion`) was the evaluation itself, with non-finite numbers as `null`;
 * it decodes too.
 */
export const StoredEvaluation = Schema.transform(
  Schema.parseJson(Schema.Union(StoredV2, Evaluation)),
  Schema.typeSchema(Evaluation),
  {
    strict: true,
    decode: (stored) => ("schemaVersion" in stored ? stored.evaluation : stored),
    encode: (evaluation) => ({ schemaVersion: EVALUATION_SCHEMA_VERSION, evaluation })
  }
)
