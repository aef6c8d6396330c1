/**
 * The economics of each treatment from its measured effects: point figures (NPV, IRR, ROI,
 * payback), a seeded Monte Carlo over the effects' sampling distributions and the break-even
 * effect. The engine computes it with `@pilotproof/economics` (formulas: docs/finance.md).
 */
import { Schema } from "effect"
import { optional, Stat } from "./Statistic.js"

/** The cumulative cash flow's Monte Carlo percentiles at the end of one month. */
export const CumulativeBand = Schema.Struct({
  month: Schema.Number,
  p5: Stat,
  p50: Stat,
  p95: Stat,
  mean: Stat
}).annotations({ identifier: "CumulativeBand" })
export type CumulativeBand = typeof CumulativeBand.Type

export const TreatmentEconomics = Schema.Struct({
  variant: Schema.String,
  currency: Schema.String,
  /** The measured effects used, per valued metric: Normal(estimate, standardError²). */
  effects: Schema.Record({ key: Schema.String, value: Schema.Struct({ estimate: Stat, standardError: Stat }) }),
  point: Schema.Struct({
    npv: Stat,
    irrAnnual: optional(Stat),
    roi: optional(Stat),
    paybackMonths: optional(Stat),
    discountedPaybackMonths: optional(Stat),
    totalCost: Stat,
    totalBenefit: Stat
  }),
  monteCarlo: Schema.Struct({
    seed: Schema.Number,
    draws: Schema.Number,
    probNpvPositive: Stat,
    probPaybackWithinTarget: Stat,
    targetPaybackMonths: Schema.Number,
    npv: Schema.Struct({ mean: Stat, p5: Stat, p50: Stat, p95: Stat }),
    expectedLoss: Stat,
    bands: Schema.Array(CumulativeBand)
  }),
  /** Effect on the primary metric (treatment − control) at which NPV = 0, others as measured. */
  breakEvenEffect: optional(Stat),
  primaryMetric: Schema.String
}).annotations({ identifier: "TreatmentEconomics" })
export type TreatmentEconomics = typeof TreatmentEconomics.Type

export const EconomicsOutcome = Schema.Union(
  Schema.TaggedStruct("Evaluated", { economics: TreatmentEconomics }),
  Schema.TaggedStruct("NotEvaluated", { variant: Schema.String, reason: Schema.String })
).annotations({ identifier: "EconomicsOutcome" })
export type EconomicsOutcome = typeof EconomicsOutcome.Type

export class EconomicsReport extends Schema.Class<EconomicsReport>("EconomicsReport")({
  pilotId: Schema.String,
  asOf: Schema.String,
  economics: Schema.Array(EconomicsOutcome)
}, { description: "NPV, IRR, ROI and payback per treatment, with their Monte Carlo uncertainty." }) {}
