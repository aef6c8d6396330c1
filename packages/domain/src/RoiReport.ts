/**
 * Forecast against actuals after scale-up: the deciding record's Monte Carlo band of the
 * cumulative cash flow beside the actual months finance records (`@pilotproof/economics`'
 * `compareActuals`).
 */
import { Schema } from "effect"
import { CumulativeBand } from "./EconomicsReport.js"
import { optional } from "./Statistic.js"
import { Verdict } from "./Verdict.js"

const Note = Schema.Struct({ code: Schema.String, message: Schema.String })

export const ActualComparisonRow = Schema.Struct({
  month: Schema.Number,
  cost: Schema.Number,
  benefit: Schema.Number,
  net: Schema.Number,
  cumulative: Schema.Number,
  /** The forecast band for this month; absent past the forecast horizon. */
  forecast: Schema.optional(CumulativeBand),
  belowForecastP5: Schema.Boolean,
  aboveForecastP95: Schema.Boolean
}).annotations({ identifier: "ActualComparisonRow" })

export const PaybackResult = Schema.Union(
  Schema.Struct({ ok: Schema.Literal(true), months: Schema.Number }),
  Schema.Struct({ ok: Schema.Literal(false), reason: Schema.Literal("NOT_WITHIN_HORIZON", "NO_MONTHS"), message: Schema.String })
)

export const ActualsComparison = Schema.Union(
  Schema.Struct({
    ok: Schema.Literal(true),
    rows: Schema.Array(ActualComparisonRow),
    realizedPayback: PaybackResult,
    /** Months whose actual cumulative is below the forecast's 5th percentile. */
    monthsBelowForecastP5: Schema.Array(Schema.Number),
    notes: Schema.Array(Note)
  }),
  Schema.Struct({
    ok: Schema.Literal(false),
    reason: Schema.Literal("INVALID_ACTUALS"),
    message: Schema.String,
    issues: Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String }))
  })
).annotations({ identifier: "ActualsComparison" })
export type ActualsComparison = typeof ActualsComparison.Type

export class RoiReport extends Schema.Class<RoiReport>("RoiReport")({
  pilotId: Schema.String,
  variant: optional(Schema.String),
  currency: Schema.String,
  /** The decision whose forecast is compared (the latest GO, else the latest). */
  decision: optional(Schema.Struct({ seq: Schema.Number, verdict: Verdict, decidedAt: Schema.String })),
  months: Schema.Array(Schema.String),
  comparison: optional(ActualsComparison),
  note: optional(Schema.String)
}, { description: "Forecast (the decision's Monte Carlo band) against the actuals recorded after scale-up." }) {}
