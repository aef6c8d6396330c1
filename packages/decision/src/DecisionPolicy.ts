/**
 * The verdicts and the thresholds a pilot can set in its `policy:` block. The economic
 * defaults come from `@pilotproof/economics` (P(NPV > 0) ≥ 0.8, P(payback ≤ target) ≥ 0.7);
 * the sample-ratio-mismatch threshold is the χ² p-value below which the split is treated as
 * broken (0.001, the usual choice for SRM alarms: Fabijan et al. 2019, "Diagnosing Sample
 * Ratio Mismatch in Online Controlled Experiments", KDD).
 */
import { DEFAULT_ECONOMIC_THRESHOLDS } from "@pilotproof/economics"

/** GO, NO_GO, EXTEND or ITERATE (defined with their meaning in the domain). */
export type { Verdict } from "@pilotproof/domain"

/** Thresholds of the decision policy; a pilot may tighten them, and they freeze when it starts. */
export interface DecisionPolicy {
  /** GO needs P(NPV > 0) at least this. */
  readonly minProbNpvPositive: number
  /** GO needs P(payback ≤ target months) at least this. */
  readonly minProbPayback: number
  /** An SRM χ² p-value below this makes the data invalid. */
  readonly srmAlpha: number
}

/** The default policy: 0.8, 0.7, 0.001 (the same defaults as the pilot file's `policy:` block). */
export const DEFAULT_POLICY: DecisionPolicy = {
  minProbNpvPositive: DEFAULT_ECONOMIC_THRESHOLDS.minProbabilityNpvPositive,
  minProbPayback: DEFAULT_ECONOMIC_THRESHOLDS.minProbabilityPaybackWithinTarget,
  srmAlpha: 0.001
}
