/**
 * A results snapshot: a pilot's evaluation (readiness, analysis, economics, decision) and its
 * effect-over-time series, computed once and read by pages, the API, `report` and `decide`
 * until the data or the design changes. It is keyed by the definition it was computed on, the
 * pilot's data version (bumped by every committed import batch, HTTP ingestion batch, erasure
 * and actuals record) and the moment it was computed as of.
 */
import { Schema } from "effect"
import { Evaluation } from "./Evaluation.js"
import { PilotStatus } from "./Pilot.js"
import { Stat } from "./Statistic.js"

/** One point of the effect-over-time series: the primary's estimate and interval as the data stood that day. */
export const EffectAtTime = Schema.Struct({
  /** YYYY-MM-DD */
  date: Schema.String,
  estimate: Stat,
  lower: Stat,
  upper: Stat
}).annotations({ identifier: "EffectAtTime" })
export type EffectAtTime = typeof EffectAtTime.Type

/** What a snapshot was computed on: it is current while the pilot still has all three. */
export const SnapshotKey = Schema.Struct({
  /**
   * The hash of the pilot version's whole definition: it changes with the frozen design and with
   * anything else the evaluation reads (a new version's economics), so it is finer than the design hash.
   */
  definitionHash: Schema.String,
  status: PilotStatus,
  dataVersion: Schema.Number
}).annotations({ identifier: "SnapshotKey" })
export type SnapshotKey = typeof SnapshotKey.Type

export class AnalysisSnapshot extends Schema.Class<AnalysisSnapshot>("AnalysisSnapshot")({
  pilotId: Schema.String,
  /** `<data version>@<as-of>`: what a decision record names as the snapshot it came from. */
  id: Schema.String,
  key: SnapshotKey,
  /** When it was computed (the evaluation's as-of). */
  computedAt: Schema.String,
  /** Milliseconds the computation took. */
  computeMs: Schema.Number,
  evaluation: Evaluation,
  /** The primary metric's effect over time, per treatment. */
  overTime: Schema.Record({ key: Schema.String, value: Schema.Array(EffectAtTime) })
}, { description: "A pilot's evaluation and effect-over-time series, computed once for a design and data version." }) {}

/**
 * The snapshot as stored: JSON text with a schema version. The version is also the snapshot's
 * key: a snapshot stored by an engine of another version is stale and computed again (2: the
 * novelty check and cluster-randomized analyses joined the evaluation).
 */
export const SNAPSHOT_SCHEMA_VERSION = 2 as const

export const StoredSnapshot = Schema.transform(
  Schema.parseJson(Schema.Struct({ schemaVersion: Schema.Literal(SNAPSHOT_SCHEMA_VERSION), snapshot: AnalysisSnapshot })),
  Schema.typeSchema(AnalysisSnapshot),
  {
    strict: true,
    decode: (stored) => stored.snapshot,
    encode: (snapshot) => ({ schemaVersion: SNAPSHOT_SCHEMA_VERSION, snapshot })
  }
)

/** The id a snapshot of `dataVersion` computed as of `asOf` carries. */
export const snapshotId = (dataVersion: number, asOf: string) => `${dataVersion}@${asOf}`
