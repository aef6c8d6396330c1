/**
 * The data-readiness report: can this pilot's data be trusted? Each check has a verdict
 * (pass / warn / fail) with counts and examples; a `fail` makes the decision ITERATE (fix the
 * data), never GO. The engine's `Readiness` service computes it (thresholds in its doc comment).
 */
import { Schema } from "effect"
import { optional, Stat } from "./Statistic.js"

export const CheckStatus = Schema.Literal("pass", "warn", "fail")
export type CheckStatus = typeof CheckStatus.Type

/** The readiness checks, in the order the report lists them. */
export const READINESS_CHECKS = [
  "rejected-rows",
  "duplicates",
  "same-person-two-ids",
  "formats",
  "outcome-before-exposure",
  "future-timestamps",
  "consent",
  "exposure-integrity",
  "sample-ratio",
  "sample-size",
  "clusters"
] as const

export const ReadinessCheckName = Schema.Literal(...READINESS_CHECKS)
export type ReadinessCheckName = typeof ReadinessCheckName.Type

export const ReadinessCheck = Schema.Struct({
  check: ReadinessCheckName,
  status: CheckStatus,
  message: Schema.String,
  count: Schema.Number,
  examples: Schema.Array(Schema.String)
}).annotations({ identifier: "ReadinessCheck" })
export type ReadinessCheck = typeof ReadinessCheck.Type

const Counts = Schema.Record({ key: Schema.String, value: Schema.Number })

/** The analysed units of a pilot as of a moment, and the exposed units left out and why. */
export const ExposureSummary = Schema.Struct({
  /** Analysed units per variant. */
  units: Counts,
  /** Cluster-randomized pilots: the clusters (managers) of the analysed units, per variant. */
  clusters: optional(Counts),
  /** Exposed units seen in more than one variant (excluded from analysis). */
  multiVariantUnits: Schema.Number,
  /** Exposed single-variant units excluded because consent is required and missing. */
  withoutConsent: Schema.Number,
  /** Exposure events whose variant disagrees with the pilot's assignment. */
  assignmentMismatches: Schema.Number,
  /** First and last exposure time (epoch ms); absent with no exposures. */
  firstExposureMs: optional(Schema.Number),
  lastExposureMs: optional(Schema.Number)
}).annotations({ identifier: "ExposureSummary" })
export type ExposureSummary = typeof ExposureSummary.Type

export const SampleRatio = Schema.Struct({ pValue: Stat, statistic: Stat, observed: Counts, expectedShare: Counts })
  .annotations({ identifier: "SampleRatio" })

export class ReadinessReport extends Schema.Class<ReadinessReport>("ReadinessReport")({
  pilotId: Schema.String,
  asOf: Schema.String,
  status: CheckStatus,
  exposure: ExposureSummary,
  plannedPerArm: Stat,
  srm: SampleRatio,
  checks: Schema.Array(ReadinessCheck)
}, { description: "Data checks with a verdict each, and the sample-ratio-mismatch test." }) {}

/** The checks whose problems are rows or units that can be listed (the drill-down of the report). */
export const LISTED_CHECKS = [
  "same-person-two-ids",
  "formats",
  "outcome-before-exposure",
  "future-timestamps",
  "consent",
  "exposure-integrity"
] as const satisfies ReadonlyArray<ReadinessCheckName>
export const ListedCheck = Schema.Literal(...LISTED_CHECKS)
export type ListedCheck = typeof ListedCheck.Type

/** One problem behind a readiness check: an event (file and line) or a unit, and what is wrong with it. */
export const ReadinessProblem = Schema.Struct({
  /** The file (or delivery) the event came in, and its line there. */
  source: optional(Schema.String),
  line: optional(Schema.Number),
  /** The unit id as stored (its keyed HMAC when pseudonymization is on). */
  unit: optional(Schema.String),
  type: optional(Schema.String),
  /** The event's time, ISO 8601 UTC. */
  ts: optional(Schema.String),
  detail: Schema.String
}).annotations({ identifier: "ReadinessProblem" })
export type ReadinessProblem = typeof ReadinessProblem.Type

export class ReadinessProblems extends Schema.Class<ReadinessProblems>("ReadinessProblems")({
  pilotId: Schema.String,
  check: ListedCheck,
  asOf: Schema.String,
  /** How many problems there are; `problems` holds the first `limit` of them. */
  total: Schema.Number,
  limit: Schema.Number,
  problems: Schema.Array(ReadinessProblem)
}, { description: "The events or units behind one readiness check, for finding and fixing them at the source." }) {}
