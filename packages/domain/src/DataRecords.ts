/**
 * Records of the data a pilot received, as stored and as listed: a rejected row with its
 * reason, and an erasure. The store's tables hold exactly these columns.
 */
import { Schema } from "effect"

/** A rejected row as stored, listed by `pilotproof events rejects` and `GET …/events/rejects`. */
export const RejectRecord = Schema.Struct({
  pilot_id: Schema.String,
  source: Schema.String,
  line: Schema.Number,
  /** The row's unit id (pseudonymized when that is on), when it had one: erasure finds it here. */
  unit_id: Schema.NullOr(Schema.String),
  reason: Schema.String,
  /** The rejected row as received (pseudonymized where it names a unit), for fixing the export. */
  raw: Schema.String,
  batch_id: Schema.String
}).annotations({ identifier: "StoredReject" })
export type RejectRecord = typeof RejectRecord.Type

/** One erasure: counts and a keyed hash of the subject's id, never the id. */
export const ErasureRecord = Schema.Struct({
  erasure_id: Schema.String,
  /** A keyed hash of the erased subject's id: proves the erasure without keeping the id. */
  subject_hash: Schema.String,
  erased_at: Schema.String,
  events_deleted: Schema.Number,
  rejects_deleted: Schema.Number,
  /** JSON array of the pilot ids that held events of the subject. */
  pilots: Schema.String
}).annotations({ identifier: "ErasureRecord" })
export type ErasureRecord = typeof ErasureRecord.Type

/** The `pilots` column of an erasure record, read back. */
export const ErasedPilots = Schema.parseJson(Schema.Array(Schema.String))
