/**
 * One step of the decision policy as it was applied to a treatment. `fail` means the check
 * fired its rule (invalid data, too early, harm, no win, economics short, no effect); `warn`
 * means it passed with something to look at or could not conclude; `not-applicable` means the
 * policy never reached it (an earlier rule decided) or it has nothing to check.
 */
export type CheckName = "data-validity" | "runtime" | "harm" | "win" | "guardrails" | "economics" | "no-effect"
export type CheckStatus = "pass" | "fail" | "not-applicable" | "warn"

export interface Check {
  readonly name: CheckName
  readonly status: CheckStatus
  /** One line with the numbers behind the status. */
  readonly evidence: string
}

/** The checks in the order the policy applies them. */
export const CHECK_ORDER: ReadonlyArray<CheckName> = [
  "data-validity",
  "runtime",
  "harm",
  "win",
  "guardrails",
  "economics",
  "no-effect"
]
