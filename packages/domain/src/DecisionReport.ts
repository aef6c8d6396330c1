/**
 * The decision policy's output: the verdict, the one-sentence reason and every check it ran,
 * for the pilot and for each treatment. The pure `@pilotproof/decision` package computes it.
 */
import { Schema } from "effect"
import { optional } from "./Statistic.js"
import { Verdict } from "./Verdict.js"

/** The policy's checks in the order it applies them (docs/decision.md). */
export const CHECK_ORDER = ["data-validity", "runtime", "harm", "win", "guardrails", "economics", "no-effect"] as const

export const CheckName = Schema.Literal(...CHECK_ORDER)
export type CheckName = typeof CheckName.Type

/**
 * `fail`: the check fired its rule; `warn`: it passed with something to look at or could not
 * conclude; `not-applicable`: an earlier rule decided, or there is nothing to check.
 */
export const DecisionCheckStatus = Schema.Literal("pass", "fail", "not-applicable", "warn")
export type DecisionCheckStatus = typeof DecisionCheckStatus.Type

export const DecisionCheck = Schema.Struct({
  name: CheckName,
  status: DecisionCheckStatus,
  /** One line with the numbers behind the status. */
  evidence: Schema.String
}).annotations({ identifier: "DecisionCheck" })
export type DecisionCheck = typeof DecisionCheck.Type

export const VariantDecision = Schema.Struct({
  variant: Schema.String,
  verdict: Verdict,
  reason: Schema.String,
  checks: Schema.Array(DecisionCheck),
  /** The check whose rule produced the verdict. */
  decidedBy: CheckName
}).annotations({ identifier: "VariantDecision" })
export type VariantDecision = typeof VariantDecision.Type

export const Decision = Schema.Struct({
  verdict: Verdict,
  /** One sentence a product owner can act on. */
  reason: Schema.String,
  /** The treatment the verdict, reason and checks come from (with GO: the one to scale). */
  variant: optional(Schema.String),
  checks: Schema.Array(DecisionCheck),
  decidedBy: CheckName,
  perVariant: Schema.Array(VariantDecision)
}).annotations({ identifier: "Decision" })
export type Decision = typeof Decision.Type
