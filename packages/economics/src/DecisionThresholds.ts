/**
 * Default economic thresholds of the decision policy: a statistically real win is scaled
 * (GO) only when P(NPV > 0) ≥ 0.8 and P(payback ≤ target) ≥ 0.7; otherwise it is ITERATE
 * (real, but does not pay). A pilot may tighten them. The policy itself lives in
 * `@pilotproof/decision`; these are the numbers it starts from.
 */
export interface EconomicThresholds {
  readonly minProbabilityNpvPositive: number
  readonly minProbabilityPaybackWithinTarget: number
}

export const DEFAULT_ECONOMIC_THRESHOLDS: EconomicThresholds = {
  minProbabilityNpvPositive: 0.8,
  minProbabilityPaybackWithinTarget: 0.7
}
