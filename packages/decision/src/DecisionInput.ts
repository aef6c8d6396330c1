/**
 * What the engine hands the decision: the plan, how long and how much the pilot ran, the data
 * checks, one statistical result per metric × treatment, and the economics per treatment. Plain
 * values only; the engine computes them (effects and intervals in `@pilotproof/stats`,
 * probabilities and break-even in `@pilotproof/economics`).
 */
import type { DecisionPolicy } from "./DecisionPolicy.js"

/** A confidence interval in the metric's units. */
export interface Interval {
  readonly lower: number
  readonly upper: number
}

/** The result for one metric of one treatment compared with control. */
export interface MetricEvidence {
  readonly metric: string
  readonly role: "primary" | "secondary" | "guardrail"
  /** Which way is good. */
  readonly direction: "increase" | "decrease"
  /** The treatment compared with control. */
  readonly variant: string
  /** Absolute effect, treatment − control, in metric units. */
  readonly estimate: number
  /**
   * At 1 − alpha (always-valid when the plan is sequential); in a one-sided plan at 1 − 2·alpha,
   * each end a one-sided 1 − alpha bound.
   */
  readonly ci: Interval
  /** Raw p-value: two-sided, or one-sided on the metric's good side in a one-sided plan. */
  readonly pValue: number
  /** Holm-adjusted across the success metrics (primary + secondary); computed by the engine. */
  readonly adjustedPValue?: number
  /** Guardrails: the non-inferiority margin in metric units (≥ 0). */
  readonly margin?: number
  /** The method the engine used (e.g. "welch", "newcombe"). */
  readonly method: string
  /** A coded reason when the statistic could not be computed (e.g. "ZERO_VARIANCE"). */
  readonly degenerate?: string
  /** The primary: its effect by exposure week and whether it fades significantly (the novelty check). */
  readonly novelty?: NoveltyEvidence
}

/** The novelty check of a primary: the weekly effects and the trend over them. */
export interface NoveltyEvidence {
  readonly weeks: ReadonlyArray<{ readonly week: number; readonly from: string; readonly estimate: number }>
  /** Change of the weekly effect per week. */
  readonly slope: number
  readonly pValue: number
  /** The effect is on the good side and the trend runs against it at one-sided α. */
  readonly decaying: boolean
}

/** Economics of scaling one treatment, from `@pilotproof/economics`. */
export interface EconomicsEvidence {
  readonly probNpvPositive: number
  readonly probPaybackWithinTarget: number
  readonly npvMedian: number
  /**
   * Absolute effect on the primary metric at which NPV = 0, signed in metric units (negative
   * for a "decrease" metric).
   */
  readonly breakEvenEffect?: number
  readonly currency: string
  /** The payback target in months, shown in the evidence ("P(payback ≤ 12 mo)"). */
  readonly targetPaybackMonths?: number
}

/** Everything `decide` needs, for every treatment of one pilot. */
export interface DecisionInput {
  readonly policy: DecisionPolicy
  readonly alpha: number
  readonly plan: {
    readonly minDays: number
    readonly maxDays: number
    readonly sequential: boolean
    readonly sampleSizePerArm: number
    /** 1: a pre-registered one-sided hypothesis (the intervals are 1 − 2·alpha); default 2. */
    readonly sides?: 1 | 2
  }
  /** Days since start; analysed units per variant (control included). */
  readonly runtime: { readonly days: number; readonly unitsPerArm: Readonly<Record<string, number>> }
  readonly dataQuality: {
    readonly srmPValue?: number
    readonly checks: ReadonlyArray<{ readonly check: string; readonly status: "pass" | "warn" | "fail"; readonly message: string }>
  }
  /** One entry per metric × treatment. */
  readonly metrics: ReadonlyArray<MetricEvidence>
  /** Per treatment variant; may be missing for a treatment. */
  readonly economics: Readonly<Record<string, EconomicsEvidence>>
}
