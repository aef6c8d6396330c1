/**
 * One step of the decision policy as it was applied to a treatment. `fail` means the check
 * fired its rule (invalid data, too early, harm, no win, economics short, no effect); `warn`
 * means it passed with something to look at or could not conclude; `not-applicable` means the
 * policy never reached it (an earlier rule decided) or it has nothing to check. The shapes and
 * the order are the domain's (`DecisionCheck`, `CHECK_ORDER`).
 */
import type { CheckName, DecisionCheck, DecisionCheckStatus } from "@pilotproof/domain"

export { CHECK_ORDER } from "@pilotproof/domain"
export type { CheckName }
export type CheckStatus = DecisionCheckStatus
export type Check = DecisionCheck
