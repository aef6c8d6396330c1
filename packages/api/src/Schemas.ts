/**
 * Request and response bodies of the API that are not domain models or reports (the reports and
 * records are the domain's schemas, used here as they are).
 */
import { DecisionRecord, ErasureRecord, Evaluation, RecordedDecision, RejectRecord, Role, Verdict } from "@pilotproof/domain"
import { Schema } from "effect"

export const PilotIdParam = Schema.Struct({ id: Schema.String })


/** A pilot file sent as JSON: its text (YAML or JSON) and the name messages should use. */
export const PilotFileBody = Schema.Struct({
  source: Schema.String,
  text: Schema.String
})

export const RegisterResult = Schema.Struct({
  pilotId: Schema.String,
  outcome: Schema.Literal("created", "new-version", "unchanged"),
  version: Schema.Number,
  definitionHash: Schema.String,
  source: Schema.String,
  warnings: Schema.Array(Schema.String)
})

export const AssignRequest = Schema.Struct({
  unitId: Schema.String.pipe(Schema.minLength(1)),
  /** Also record the exposure event (idempotent per unit). */
  logExposure: Schema.optionalWith(Schema.Boolean, { default: () => false })
})

export const AssignBatchRequest = Schema.Struct({
  unitIds: Schema.Array(Schema.String.pipe(Schema.minLength(1))),
  logExposures: Schema.optionalWith(Schema.Boolean, { default: () => false })
})

export const UnitAssignment = Schema.Struct({
  unitId: Schema.String,
  variant: Schema.NullOr(Schema.String),
  bucket: Schema.Number,
  inHoldout: Schema.Boolean
})

export const ImportSummary = Schema.Struct({
  pilotId: Schema.String,
  source: Schema.String,
  batchId: Schema.String,
  dryRun: Schema.Boolean,
  records: Schema.Number,
  accepted: Schema.Number,
  duplicates: Schema.Number,
  rejected: Schema.Number
})

export const Reject = Schema.Struct({
  line: Schema.Number,
  reason: Schema.String,
  raw: Schema.String
})

/** A rejected row as stored (the domain's record), listed by `GET …/events/rejects`. */
export const StoredReject = RejectRecord

export { ErasureRecord }

export const IngestResult = Schema.Struct({
  ...ImportSummary.fields,
  /** The rows of this request that were rejected (first 100), with their position and reason. */
  rejects: Schema.Array(Reject)
})

export const AssignBatchResult = Schema.Struct({
  assignments: Schema.Array(UnitAssignment),
  logged: Schema.optional(ImportSummary)
})

export const PlanParams = Schema.Struct({
  /** Where the pilot file came from, for its messages (default: "request body"). */
  source: Schema.optional(Schema.String),
  /** Units entering the pilot a day, all arms (default: economics.volume.unitsPerMonth ÷ 30). */
  perDay: Schema.optional(Schema.String.annotations({ description: "units entering the pilot a day, all arms, e.g. 250" }))
})

export const AsOfParams = Schema.Struct({
  /** ISO 8601 timestamp: analyse the data as it stood then (default: now, from the current results snapshot). */
  asOf: Schema.optional(Schema.String),
  /** `1`: compute the results snapshot again before answering, even when it is current. */
  refresh: Schema.optional(Schema.Literal("1", "true", "0", "false").annotations({
    description: "1 (or true): compute the results snapshot again before answering, even when it is current"
  }))
})

export const DecideRequest = Schema.Struct({
  asOf: Schema.optional(Schema.String),
  /** A human verdict stored beside the computed one (append-only), with its reason. */
  override: Schema.optional(Schema.Struct({
    verdict: Verdict,
    reason: Schema.String.pipe(Schema.minLength(1))
  })),
  /** Who decides (default: the token's name). */
  by: Schema.optional(Schema.String)
})

export const DecideResult = Schema.Struct({
  /** The appended record's columns. */
  record: DecisionRecord,
  /** The analysis, economics and decision with every check (as `pilotproof decide --format json`). */
  evaluation: Evaluation,
  overrideWarning: Schema.optional(Schema.String)
})

/** A decision record with the evaluation it was decided on (`record`), as the history lists it. */
export const DecisionHistoryEntry = RecordedDecision

export const Actual = Schema.Struct({
  month: Schema.String.pipe(Schema.pattern(/^\d{4}-(0[1-9]|1[0-2])$/, { message: () => "month must be YYYY-MM" })),
  cost: Schema.Number.pipe(Schema.finite(), Schema.nonNegative()),
  benefit: Schema.Number.pipe(Schema.finite(), Schema.nonNegative())
})

export const ActualsRequest = Schema.Struct({ actuals: Schema.Array(Actual).pipe(Schema.minItems(1)) })

export const EraseRequest = Schema.Struct({ unitId: Schema.String.pipe(Schema.minLength(1)) })

export const TokenInfo = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  role: Role,
  createdAt: Schema.String,
  revokedAt: Schema.optional(Schema.String)
})

export const CreateTokenRequest = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(100)),
  role: Role
})

export const CreatedToken = Schema.Struct({
  /** Shown once: only its SHA-256 is stored. */
  token: Schema.String,
  info: TokenInfo
})

export const Me = Schema.Struct({ name: Schema.String, role: Role, tokenId: Schema.String })

/**
 * A batch of events: a JSON array taken as it is. Its records are decoded one by one by the
 * import, each reject with its position; decoding the batch itself is one check, so an oversized
 * batch is refused (413) right after the body is parsed, not after millions of element decodes.
 */
export const EventBatch = Schema.declare((input: unknown): input is ReadonlyArray<unknown> => Array.isArray(input), {
  identifier: "EventBatch",
  description: "A JSON array of events (each with unit_id, type, ts; optional event_id, variant, value and attributes)",
  jsonSchema: { type: "array", items: { type: "object" } },
  message: () => "the body must be a JSON array of events"
})

/** Limits of one request; larger requests get 413. */
export const LIMITS = {
  /** Bytes of a request body. */
  bodyBytes: 16 * 1024 * 1024,
  /** Events in one POST …/events batch. */
  eventsPerBatch: 10_000,
  /** Units in one batch assignment. */
  unitsPerBatch: 10_000
} as const
