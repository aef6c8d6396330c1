/** What the method choice needs from the pilot's plan. */
export interface AnalysisPlan {
  readonly alpha: number
  /** 1: one-sided tests on each metric's good side (`plan.sides`); 2: two-sided. */
  readonly sides: 1 | 2
  readonly sequential: boolean
  /**
   * A sequential plan's always-valid method: mSPRT (default) or the asymptotic confidence
   * sequence with `tuning` = N*, the units of both arms at which it is tightest.
   */
  readonly sequentialMethod?: { readonly _tag: "asymptotic-cs"; readonly tuning: number } | undefined
  /** Relative MDE of the primary, for the mSPRT mixing scale. */
  readonly mde: number
  /** Expected control value of the primary; other metrics use their observed control mean. */
  readonly baseline?: number
}
