/**
 * The reports the API returns — readiness, analysis, economics, the decision with its checks,
 * forecast against actuals — as schemas, so the OpenAPI document describes every field a client
 * reads. They describe the JSON the engine computes (the same as the CLI's `--format json`);
 * test/contract.types.ts holds each schema to the engine type it describes, field for field.
 */
import { Direction, MetricRole, Verdict } from "@pilotproof/domain"
import { Schema } from "effect"

/** A field the engine may leave out (never `undefined` when present). */
const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

const Counts = Schema.Record({ key: Schema.String, value: Schema.Number })

/**
 * A statistic as JSON can carry it: a value that is not finite is sent as `null` (JSON has no
 * Infinity or NaN) and read back as `whenNull`.
 */
const finiteOr = (whenNull: number, description: string) =>
  Schema.transform(Schema.NullOr(Schema.Number), Schema.Number, {
    strict: true,
    decode: (n) => n ?? whenNull,
    encode: (n) => (Number.isFinite(n) ? n : null)
  }).annotations({ description })

/** A statistic; `null` when it is undefined for the data (NaN) or infinite. */
const Stat = finiteOr(Number.NaN, "null when not finite (undefined for the data, or infinite)")

export const Interval = Schema.Struct({
  lower: finiteOr(-Infinity, "null when unbounded below"),
  upper: finiteOr(Infinity, "null when unbounded above")
}).annotations({ identifier: "Interval" })

// ---------------------------------------------------------------------------------------------
// Readiness
// ---------------------------------------------------------------------------------------------

export const CheckStatus = Schema.Literal("pass", "warn", "fail")

export const ReadinessCheck = Schema.Struct({
  check: Schema.String,
  status: CheckStatus,
  message: Schema.String,
  count: Schema.Number,
  examples: Schema.Array(Schema.String)
}).annotations({ identifier: "ReadinessCheck" })

export const ExposureSummary = Schema.Struct({
  /** Analysed units per variant. */
  units: Counts,
  /** Exposed units seen in more than one variant (excluded from analysis). */
  multiVariantUnits: Schema.Number,
  /** Exposed single-variant units excluded because consent is required and missing. */
  withoutConsent: Schema.Number,
  /** Exposure events whose variant disagrees with the pilot's assignment. */
  assignmentMismatches: Schema.Number,
  firstExposureMs: optional(Schema.Number),
  lastExposureMs: optional(Schema.Number)
}).annotations({ identifier: "ExposureSummary" })

export const ReadinessReport = Schema.Struct({
  pilotId: Schema.String,
  asOf: Schema.String,
  status: CheckStatus,
  exposure: ExposureSummary,
  plannedPerArm: Stat,
  srm: Schema.Struct({ pValue: Stat, statistic: Stat, observed: Counts, expectedShare: Counts }),
  checks: Schema.Array(ReadinessCheck)
}).annotations({ identifier: "ReadinessReport", description: "Data checks with a verdict each, and the sample-ratio-mismatch test." })

// ---------------------------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------------------------

export const VariantSummary = Schema.Struct({
  variant: Schema.String,
  /** Units with a value (for durations: completed units). */
  n: Schema.Number,
  /** Rate (binomial), mean (mean, duration) or Σx/Σy (ratio). */
  mean: Stat,
  /** Durations: units started and not finished. */
  open: optional(Schema.Number)
}).annotations({ identifier: "VariantSummary" })

export const EffectEstimate = Schema.Struct({ estimate: Stat, ci: Interval }).annotations({ identifier: "EffectEstimate" })

export const MetricComparison = Schema.Struct({
  variant: Schema.String,
  baseline: Schema.Struct({ variant: Schema.String, value: Stat }),
  absolute: EffectEstimate,
  relative: Schema.Struct({
    ...EffectEstimate.fields,
    method: Schema.String,
    fieller: optional(Schema.Struct({ ...Interval.fields, bounded: Schema.Boolean }))
  }),
  pValue: Stat,
  adjustedPValue: optional(Stat),
  method: Schema.String,
  why: Schema.String,
  standardError: Stat,
  probabilityToBeat: Stat,
  varianceReduction: optional(Stat),
  robustness: optional(Schema.Struct({ method: Schema.String, pValue: Stat })),
  nonInferiority: optional(Schema.Struct({ margin: Stat, bound: Stat, pValue: Stat, nonInferior: Schema.Boolean })),
  degenerate: optional(Schema.String)
}).annotations({ identifier: "MetricComparison", description: "One treatment against the control on one metric." })

export const MetricAnalysis = Schema.Struct({
  key: Schema.String,
  name: Schema.String,
  role: MetricRole,
  type: Schema.Literal("binomial", "mean", "ratio", "duration"),
  direction: Direction,
  unit: optional(Schema.String),
  margin: optional(Schema.Number),
  variants: Schema.Array(VariantSummary),
  comparisons: Schema.Array(MetricComparison)
}).annotations({ identifier: "MetricAnalysis" })

export const AnalysisReport = Schema.Struct({
  pilotId: Schema.String,
  name: Schema.String,
  status: Schema.String,
  designHash: optional(Schema.String),
  asOf: Schema.String,
  alpha: Schema.Number,
  sequential: Schema.Boolean,
  control: Schema.String,
  treatments: Schema.Array(Schema.String),
  runtime: Schema.Struct({
    firstExposure: optional(Schema.String),
    lastExposure: optional(Schema.String),
    days: Schema.Number,
    minDays: Schema.Number,
    maxDays: Schema.Number
  }),
  plannedPerArm: Stat,
  readiness: ReadinessReport,
  metrics: Schema.Array(MetricAnalysis)
}).annotations({ identifier: "AnalysisReport", description: "Every metric's effects with intervals, tests and the method chosen, readiness and SRM." })

// ---------------------------------------------------------------------------------------------
// Economics
// ---------------------------------------------------------------------------------------------

export const CumulativeBand = Schema.Struct({
  month: Schema.Number,
  p5: Stat,
  p50: Stat,
  p95: Stat,
  mean: Stat
}).annotations({ identifier: "CumulativeBand" })

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

export const EconomicsOutcome = Schema.Union(
  Schema.TaggedStruct("Evaluated", { economics: TreatmentEconomics }),
  Schema.TaggedStruct("NotEvaluated", { variant: Schema.String, reason: Schema.String })
).annotations({ identifier: "EconomicsOutcome" })

export const EconomicsReport = Schema.Struct({
  pilotId: Schema.String,
  asOf: Schema.String,
  economics: Schema.Array(EconomicsOutcome)
}).annotations({ identifier: "EconomicsReport", description: "NPV, IRR, ROI and payback per treatment, with their Monte Carlo uncertainty." })

// ---------------------------------------------------------------------------------------------
// Decision
// ---------------------------------------------------------------------------------------------

export const CheckName = Schema.Literal("data-validity", "runtime", "harm", "win", "guardrails", "economics", "no-effect")

export const DecisionCheck = Schema.Struct({
  name: CheckName,
  status: Schema.Literal("pass", "fail", "not-applicable", "warn"),
  /** One line with the numbers behind the status. */
  evidence: Schema.String
}).annotations({ identifier: "DecisionCheck" })

export const VariantDecision = Schema.Struct({
  variant: Schema.String,
  verdict: Verdict,
  reason: Schema.String,
  checks: Schema.Array(DecisionCheck),
  decidedBy: CheckName
}).annotations({ identifier: "VariantDecision" })

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

export const Evaluation = Schema.Struct({
  analysis: AnalysisReport,
  economics: Schema.Array(EconomicsOutcome),
  decision: Decision
}).annotations({ identifier: "Evaluation", description: "The analysis, the economics and the pre-registered policy's verdict with every check." })

// ---------------------------------------------------------------------------------------------
// Forecast against actuals
// ---------------------------------------------------------------------------------------------

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

export const RoiReport = Schema.Struct({
  pilotId: Schema.String,
  variant: optional(Schema.String),
  currency: Schema.String,
  /** The decision whose forecast is compared (the latest GO, else the latest). */
  decision: optional(Schema.Struct({ seq: Schema.Number, verdict: Schema.String, decidedAt: Schema.String })),
  months: Schema.Array(Schema.String),
  comparison: optional(ActualsComparison),
  note: optional(Schema.String)
}).annotations({ identifier: "RoiReport", description: "Forecast (the decision's Monte Carlo band) against the actuals recorded after scale-up." })
