/**
 * The thresholds a pilot can set in its `policy:` block. The defaults (P(NPV > 0) ≥ 0.8,
 * P(payback ≤ target) ≥ 0.7, SRM alarm at p < 0.001) are the domain's `POLICY_DEFAULTS`, the
 * same numbers the pilot file's schema fills in.
 */
import { POLICY_DEFAULTS, type Policy } from "@pilotproof/domain"

/** GO, NO_GO, EXTEND or ITERATE (defined with their meaning in the domain). */
export type { Verdict } from "@pilotproof/domain"

/**
 * Thresholds of the decision policy; a pilot may tighten them, and they freeze when it starts.
 * `minProbNpvPositive`: GO needs P(NPV > 0) at least this; `minProbPayback`: GO needs
 * P(payback ≤ target months) at least this; `srmAlpha`: an SRM χ² p-value below this makes the
 * data invalid.
 */
export type DecisionPolicy = Policy

/** The default policy: 0.8, 0.7, 0.001. */
export const DEFAULT_POLICY: DecisionPolicy = POLICY_DEFAULTS
