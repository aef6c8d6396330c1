/**
 * One metric's analysis: per-variant summaries and one comparison per treatment against the
 * control, with the method the analysis chose and why. The pure `@pilotproof/analysis` package
 * builds these (plain values: it runs without the Effect runtime, so they are structs, not
 * classes); their formulas are in docs/methods.md.
 */
import { Schema } from "effect"
import { Direction, MetricRole, type MetricType } from "./PilotDefinition.js"
import { EffectEstimate, Interval, optional, Stat } from "./Statistic.js"

/** The fixed-horizon test of a comparison, by metric type and sample size. */
export const FIXED_METHODS = ["z-test", "fisher-exact", "welch-t", "cuped-welch-t", "delta-ratio", "cluster-t", "quantile-difference"] as const
export type FixedMethod = typeof FIXED_METHODS[number]

/**
 * A sequential plan replaces the fixed interval and p-value with mSPRT's (or, with
 * `plan.sequentialMethod: asymptotic-cs`, the asymptotic confidence sequence's) on the same estimate.
 */
export type SequentialMethod = `${SequentialBase}+msprt` | `${SequentialBase}+asymptotic-cs`
/** Cluster-randomized pilots are fixed-horizon (the definition refuses a sequential one). */
type SequentialBase = Exclude<FixedMethod, "cluster-t">

export const ComparisonMethod = Schema.Literal(
  ...FIXED_METHODS,
  "z-test+msprt",
  "fisher-exact+msprt",
  "welch-t+msprt",
  "cuped-welch-t+msprt",
  "delta-ratio+msprt",
  "z-test+asymptotic-cs",
  "fisher-exact+asymptotic-cs",
  "welch-t+asymptotic-cs",
  "cuped-welch-t+asymptotic-cs",
  "delta-ratio+asymptotic-cs",
  "quantile-difference+msprt",
  "quantile-difference+asymptotic-cs"
) satisfies Schema.Schema<FixedMethod | SequentialMethod>
export type ComparisonMethod = typeof ComparisonMethod.Type

/** How the relative lift and its interval were computed. */
export const RelativeMethod = Schema.Literal(
  "delta",
  "absolute/control",
  "absolute/control (zero control mean)",
  "delta, always-valid width",
  "absolute/control, always-valid width"
)
export type RelativeMethod = typeof RelativeMethod.Type

/** Why a result is a sentinel rather than a computed value (the statistics engine's codes). */
export const DegenerateReason = Schema.Literal(
  "zero-variance",
  "no-conversions",
  "all-converted",
  "too-few-units",
  "unbounded-ci",
  "zero-denominator",
  "invalid-input"
)
export type DegenerateReason = typeof DegenerateReason.Type

export const RobustnessMethod = Schema.Literal("mann-whitney-exact", "mann-whitney-asymptotic")

export const VariantSummary = Schema.Struct({
  variant: Schema.String,
  /** Units with a value (for durations: completed units). */
  n: Schema.Number,
  /** Rate (binomial), mean (mean, duration), Σx/Σy (ratio) or the quantile (quantile). */
  mean: Stat,
  /** Durations: units started and not finished. */
  open: optional(Schema.Number),
  /** Cluster-randomized pilots: the clusters (managers) the variant's units belong to. */
  clusters: optional(Schema.Number)
}).annotations({ identifier: "VariantSummary" })
export type VariantSummary = typeof VariantSummary.Type

export const RelativeEffect = Schema.Struct({
  ...EffectEstimate.fields,
  method: RelativeMethod,
  /** Fieller's interval for the ratio of means; `bounded: false` when it is the whole line. */
  fieller: optional(Schema.Struct({ ...Interval.fields, bounded: Schema.Boolean }))
}).annotations({ identifier: "RelativeEffect" })
export type RelativeEffect = typeof RelativeEffect.Type

export const NonInferiorityResult = Schema.Struct({ margin: Stat, bound: Stat, pValue: Stat, nonInferior: Schema.Boolean })
  .annotations({ identifier: "NonInferiorityResult" })
export type NonInferiorityResult = typeof NonInferiorityResult.Type

/** The primary's effect among the units first exposed in one week of the pilot. */
export const NoveltyWeek = Schema.Struct({
  /** 0 for the week of the pilot's first exposure, 1 for the next, … */
  week: Schema.Number,
  /** The week's first day (UTC date). */
  from: Schema.String,
  /** Units of the week's cohort per arm. */
  control: Schema.Number,
  treatment: Schema.Number,
  ...EffectEstimate.fields,
  standardError: Stat
}).annotations({ identifier: "NoveltyWeek" })
export type NoveltyWeek = typeof NoveltyWeek.Type

/**
 * The novelty check of the primary metric: its effect per exposure-week cohort and the weighted
 * trend over the weeks (`weighted-trend`: WLS with weights 1/variance, Knapp–Hartung t on k − 2 df). `decaying` when the
 * overall effect is on the good side and the trend runs against it at one-sided α: a new tool's
 * pull wearing off. Weeks whose metric window has not closed by the as-of moment are left out.
 */
export const Novelty = Schema.Struct({
  method: Schema.Literal("weighted-trend"),
  weeks: Schema.Array(NoveltyWeek),
  /** Change of the weekly effect per week, in the metric's units. */
  slope: Stat,
  standardError: Stat,
  /** One-sided towards decay when the effect is on the good side; else two-sided. */
  pValue: Stat,
  decaying: Schema.Boolean,
  degenerate: optional(DegenerateReason)
}).annotations({ identifier: "Novelty" })
export type Novelty = typeof Novelty.Type

export const MetricComparison = Schema.Struct({
  variant: Schema.String,
  baseline: Schema.Struct({ variant: Schema.String, value: Stat }),
  absolute: EffectEstimate,
  relative: RelativeEffect,
  pValue: Stat,
  /** Holm-adjusted across the success metrics (primary and secondaries) of every treatment, as one family. */
  adjustedPValue: optional(Stat),
  method: ComparisonMethod,
  /** Why this method: the rule that chose it, in words. */
  why: Schema.String,
  standardError: Stat,
  probabilityToBeat: Stat,
  varianceReduction: optional(Stat),
  robustness: optional(Schema.Struct({ method: RobustnessMethod, pValue: Stat })),
  nonInferiority: optional(NonInferiorityResult),
  degenerate: optional(DegenerateReason),
  /** The primary metric: its effect by exposure week and the trend over them. */
  novelty: optional(Novelty)
}).annotations({ identifier: "MetricComparison", description: "One treatment against the control on one metric." })
export type MetricComparison = typeof MetricComparison.Type

const MetricTypes = Schema.Literal("binomial", "mean", "ratio", "duration", "quantile") satisfies Schema.Schema<MetricType>

export const MetricAnalysis = Schema.Struct({
  key: Schema.String,
  name: Schema.String,
  role: MetricRole,
  type: MetricTypes,
  direction: Direction,
  unit: optional(Schema.String),
  margin: optional(Schema.Number),
  variants: Schema.Array(VariantSummary),
  comparisons: Schema.Array(MetricComparison)
}).annotations({ identifier: "MetricAnalysis" })
export type MetricAnalysis = typeof MetricAnalysis.Type
