/**
 * The pilot definition: what a product owner writes in `experiments/<id>.yaml` and what is
 * frozen as the pre-registration when the pilot starts.
 *
 * Decoding is strict: unknown fields are errors (a typo such as `minDay` must not silently
 * fall back to a default), and cross-field rules report each violation with the field path
 * it concerns, so the file reader can point at the line.
 */
import { Option, Schema } from "effect"
import { WarehouseSource } from "./Warehouse.js"
import { CrmMapping } from "./CrmMapping.js"
import { CONSENT, EXPOSURE } from "./Event.js"
import { EventName, MetricKey, PilotId, VariantKey } from "./Ids.js"

const NonEmpty = (what: string) =>
  Schema.Trim.pipe(Schema.nonEmptyString({ message: () => `${what} must not be empty` }))

const Finite = Schema.Number.pipe(Schema.finite({ message: () => "must be a finite number" }))
const NonNegative = Finite.pipe(Schema.nonNegative({ message: () => "must be zero or more" }))
const Positive = Finite.pipe(Schema.positive({ message: () => "must be greater than zero" }))
const PositiveInt = Schema.Int.pipe(Schema.positive({ message: () => "must be a whole number greater than zero" }))
const Share = (what: string, lo: number, hi: number, loOpen: boolean, hiOpen: boolean) =>
  Finite.pipe(
    Schema.filter((x) => (loOpen ? x > lo : x >= lo) && (hiOpen ? x < hi : x <= hi), {
      message: () => `${what} must be in ${loOpen ? "(" : "["}${lo}, ${hi}${hiOpen ? ")" : "]"}`
    })
  )

/** A literal union with one message listing the allowed values (instead of one per member). */
export const OneOf = <const L extends ReadonlyArray<string>>(...values: L) =>
  Schema.Literal(...values).annotations({
    message: (issue) => {
      const actual = "actual" in issue ? JSON.stringify(issue.actual) : "a different value"
      return {
        message: `must be one of ${values.map((v) => JSON.stringify(v)).join(", ")}; got ${actual}`,
        override: true
      }
    }
  })

// ---------------------------------------------------------------------------------------------
// Parts

export const PilotKind = OneOf("bot", "scoring", "personalization", "assistant")
export type PilotKind = typeof PilotKind.Type

/**
 * The randomization unit: what is assigned to a variant and, unless the pilot names an
 * `analysisUnit`, what every metric is measured on. People and teams (manager, operator, agent,
 * team, branch) are randomized as clusters of the deals, conversations or tickets they handle.
 */
export const RandomizationUnit = OneOf(
  "lead", "customer", "conversation", "deal", "ticket", "account", "user",
  "manager", "operator", "agent", "team", "branch"
)
export type RandomizationUnit = typeof RandomizationUnit.Type

export const Owner = Schema.Struct({
  name: NonEmpty("owner.name"),
  email: Schema.String.pipe(
    Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => "owner.email must be an e-mail address" })
  )
})

export const Variant = Schema.Struct({
  key: VariantKey,
  weight: Positive,
  /** Marks the control arm; when no variant is marked, the variant keyed `control` is the control. */
  control: Schema.optional(Schema.Boolean),
  description: Schema.optional(Schema.String)
})
export type Variant = typeof Variant.Type

export const MetricRole = OneOf("primary", "secondary", "guardrail")
export type MetricRole = typeof MetricRole.Type
export const Direction = OneOf("increase", "decrease")
export type Direction = typeof Direction.Type

/** How a unit's events of one type become the unit's value. */
export const Aggregate = OneOf("sum", "count", "mean")
export type Aggregate = typeof Aggregate.Type

/** Time after the unit's first exposure in which an event counts towards the metric. */
export const Window = Schema.Struct({ days: PositiveInt })

/** A pre-exposure covariate for CUPED variance reduction: the same unit's events before exposure. */
export const Covariate = Schema.Struct({
  event: EventName,
  aggregate: Schema.optionalWith(Aggregate, { default: () => "sum" as const }),
  days: Schema.optionalWith(PositiveInt, { default: () => 30 })
})

const metricCommon = {
  key: MetricKey,
  name: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  role: MetricRole,
  direction: Direction,
  /**
   * Non-inferiority margin (guardrails only), in the metric's own units: 0.01 on a binomial
   * metric is one percentage point; 0.2 on a CSAT mean is 0.2 points.
   */
  margin: Schema.optional(NonNegative),
  window: Schema.optional(Window),
  covariate: Schema.optional(Covariate),
  /** Display unit, e.g. `minutes` or `RUB`. */
  unit: Schema.optional(Schema.String),
  /**
   * The metric pack this metric was expanded from (`bot.containment`), set by the expansion
   * (`MetricPacks`): the stored, frozen design keeps the expanded metric and where it came from.
   */
  fromPack: Schema.optional(Schema.String.pipe(Schema.pattern(/^[a-z]+\.[a-z-]+$/, {
    message: () => "fromPack names a metric pack, such as bot.containment"
  })))
}

export const BinomialMetric = Schema.Struct({
  ...metricCommon,
  type: Schema.Literal("binomial"),
  /** The unit converts when it has at least one such event inside the window … */
  event: EventName,
  /**
   * … and none of these inside the same window (a conversation is contained when the bot
   * resolved it and no handoff or recontact followed). Needs a window.
   */
  unless: Schema.optional(Schema.Array(EventName).pipe(Schema.minItems(1, { message: () => "unless lists at least one event" })))
})

export const MeanMetric = Schema.Struct({
  ...metricCommon,
  type: Schema.Literal("mean"),
  event: EventName,
  /** The unit's value: sum of its event values (default), number of events, or their mean. */
  aggregate: Schema.optionalWith(Aggregate, { default: () => "sum" as const })
})

export const RatioPart = Schema.Struct({
  event: EventName,
  aggregate: Schema.optionalWith(OneOf("sum", "count"), { default: () => "sum" as const })
})

export const RatioMetric = Schema.Struct({
  ...metricCommon,
  type: Schema.Literal("ratio"),
  numerator: RatioPart,
  denominator: RatioPart
})

export const DurationMetric = Schema.Struct({
  ...metricCommon,
  type: Schema.Literal("duration"),
  /** The unit's first `from` event starts the clock … */
  from: EventName,
  /** … and its first `to` event after it stops it. Units with a start and no end are open. */
  to: EventName,
  in: Schema.optionalWith(OneOf("minutes", "hours", "days"), { default: () => "minutes" as const })
})

/** A quantile metric's per-unit value: a duration (from → to), or a value (the unit's events aggregated). */
export const QuantileOf = Schema.Union(
  Schema.Struct({
    from: EventName,
    to: EventName,
    in: Schema.optionalWith(OneOf("minutes", "hours", "days"), { default: () => "minutes" as const })
  }),
  Schema.Struct({
    event: EventName,
    aggregate: Schema.optionalWith(Aggregate, { default: () => "sum" as const })
  })
)
export type QuantileOf = typeof QuantileOf.Type

/**
 * A quantile of a per-unit value across units — p50 time to first reply, p90 handle time — as
 * `quantile: 0.9` of `of: { from, to }` (a duration; open units have no value) or of
 * `of: { event, aggregate }`. Compared as the difference of the arms' quantiles.
 */
export const QuantileMetric = Schema.Struct({
  ...metricCommon,
  type: Schema.Literal("quantile"),
  quantile: Share("quantile", 0, 1, true, true),
  of: QuantileOf
})

export const Metric = Schema.Union(BinomialMetric, MeanMetric, RatioMetric, DurationMetric, QuantileMetric)
export type Metric = typeof Metric.Type
export type QuantileMetric = typeof QuantileMetric.Type

/**
 * The per-unit value a quantile metric is the quantile of, as the duration or mean metric that
 * measures it (same key, role, direction and window): what aggregation, ingest rules and the
 * simulator read for it.
 */
export const quantileValueMetric = (m: QuantileMetric): Extract<Metric, { readonly type: "duration" | "mean" }> => {
  const { of, quantile: _, type: __, ...common } = m
  return "from" in of
    ? { ...common, type: "duration", from: of.from, to: of.to, in: of.in }
    : { ...common, type: "mean", event: of.event, aggregate: of.aggregate }
}
export type MetricType = Metric["type"]

// ---------------------------------------------------------------------------------------------
// Diagnostics: measures of what the AI did, read on the arms that have it, never decided on

const diagnosticCommon = {
  key: MetricKey,
  name: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  /** The pack this diagnostic was expanded from (`scoring.quality`), as on a metric. */
  fromPack: metricCommon.fromPack
}

/**
 * Σ numerator / Σ denominator over each arm's units, with a delta-method interval: draft
 * acceptance (drafts accepted over drafts shown), edit share (the sum of the sent drafts' edit
 * shares over their count: the mean share of a draft edited). Read on every arm whose units have a denominator: usually only the treatment's.
 */
export const RatioDiagnostic = Schema.Struct({
  ...diagnosticCommon,
  type: Schema.Literal("ratio"),
  numerator: RatioPart,
  denominator: RatioPart,
  window: Schema.optional(Window),
  /** Display unit, e.g. `share`. */
  unit: Schema.optional(Schema.String)
})

/**
 * A scoring model's quality on the pilot's own units: each unit's score (the value of its first
 * `score` event in the window after its first exposure, a predicted probability) against its outcome (an `outcome` event
 * in the window) — AUC with DeLong's interval, the Brier score, a reliability table of `bins`
 * equal-width bins and the top-decile lift, on every arm whose units were scored.
 */
export const ScoringDiagnostic = Schema.Struct({
  ...diagnosticCommon,
  type: Schema.Literal("scoring"),
  score: EventName,
  outcome: EventName,
  window: Window,
  bins: Schema.optionalWith(Schema.Int.pipe(Schema.between(2, 20, { message: () => "bins must be a whole number from 2 to 20" })), { default: () => 10 })
})

export const Diagnostic = Schema.Union(RatioDiagnostic, ScoringDiagnostic)
export type Diagnostic = typeof Diagnostic.Type
export type RatioDiagnostic = typeof RatioDiagnostic.Type
export type ScoringDiagnostic = typeof ScoringDiagnostic.Type

/** A ratio diagnostic's numbers as the ratio metric the aggregation computes them by. */
export const diagnosticRatioMetric = (d: RatioDiagnostic): Extract<Metric, { readonly type: "ratio" }> => ({
  key: d.key,
  role: "secondary",
  direction: "increase",
  type: "ratio",
  numerator: d.numerator,
  denominator: d.denominator,
  ...(d.window === undefined ? {} : { window: d.window })
})

export const Plan = Schema.Struct({
  alpha: Schema.optionalWith(Share("plan.alpha", 0, 0.5, true, true), { default: () => 0.05 }),
  power: Schema.optionalWith(Share("plan.power", 0, 1, true, true), { default: () => 0.8 }),
  /** Minimum detectable effect, relative to the control's baseline (0.05 = a 5% relative lift). */
  mde: Share("plan.mde", 0, 10, true, false),
  /** Expected control value of the primary metric (a rate for binomial metrics), for planning. */
  baseline: Schema.optional(Finite),
  /** Expected standard deviation of the primary metric per unit (non-binomial primaries). */
  baselineSd: Schema.optional(Positive),
  /** Planned units per arm; computed from baseline, mde, alpha and power when omitted. */
  sampleSizePerArm: Schema.optional(PositiveInt),
  minDays: PositiveInt,
  maxDays: PositiveInt,
  /** Analyse with always-valid (sequential) inference, so results may be read daily. */
  sequential: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /**
   * The always-valid method of a sequential plan: "msprt" (the default; the normal-mixture SPRT,
   * τ = the absolute MDE) or "asymptotic-cs" (the asymptotic confidence sequences of
   * Waudby-Smith et al., GrowthBook's sequential method, tightest at `sequentialTuning` units).
   * "msprt" decodes to left out, so spelling the default out leaves the design hash as it was.
   */
  sequentialMethod: Schema.optionalToOptional(
    Schema.Literal("msprt", "asymptotic-cs").annotations({
      message: (issue) => ({
        message: `plan.sequentialMethod must be "msprt" or "asymptotic-cs"; got ${"actual" in issue ? JSON.stringify(issue.actual) : "a different value"}`,
        override: true
      })
    }),
    Schema.Literal("asymptotic-cs"),
    { decode: Option.filter((m): m is "asymptotic-cs" => m === "asymptotic-cs"), encode: (o) => o }
  ),
  /**
   * N* of "asymptotic-cs": the units of the two arms compared (together) at which its interval
   * is tightest; default twice the planned units per arm.
   */
  sequentialTuning: Schema.optional(PositiveInt),
  /**
   * Cluster-randomized pilots: the expected intra-cluster correlation of the primary metric
   * (the share of its variance between clusters), for the design effect 1 + (m − 1)·ICC.
   */
  icc: Schema.optional(Share("plan.icc", 0, 1, false, true)),
  /** Cluster-randomized pilots: the expected analysis units per cluster (m, deals per manager). */
  clusterSize: Schema.optional(Positive),
  /**
   * 1: a pre-registered one-sided hypothesis. Every primary and secondary metric is tested on
   * the side its `direction` names (the one-sided p-value), and each end of its interval is a
   * one-sided (1 − alpha) bound, so the reported interval is the two-sided 1 − 2·alpha one.
   * 2 (the default): two-sided. `sides: 2` decodes to "left out", so spelling the default out
   * leaves the design hash as it was.
   */
  sides: Schema.optionalToOptional(
    Schema.Literal(1, 2).annotations({ message: () => ({ message: "plan.sides must be 1 (one-sided) or 2 (two-sided)", override: true }) }),
    Schema.Literal(1),
    { decode: Option.filter((s): s is 1 => s === 1), encode: (o) => o }
  )
})
export type Plan = typeof Plan.Type

/** The plan's number of sides: 1 for a pre-registered one-sided hypothesis, else 2. */
export const sidesOf = (plan: { readonly sides?: 1 | undefined }): 1 | 2 => plan.sides ?? 2

export const CostCategory = OneOf(
  "integration", "license", "usage", "training", "support", "infrastructure", "other"
)
export type CostCategory = typeof CostCategory.Type

export const CostLine = Schema.Struct({
  item: NonEmpty("cost item"),
  category: Schema.optional(CostCategory),
  /** Paid once, before the first month at scale. */
  oneTime: Schema.optional(NonNegative),
  /** Paid every month of the horizon. */
  monthly: Schema.optional(NonNegative),
  /** Paid for every unit handled at scale. */
  perUnit: Schema.optional(NonNegative)
}).pipe(
  Schema.filter((line) =>
    line.oneTime !== undefined || line.monthly !== undefined || line.perUnit !== undefined
      ? undefined
      : `cost line "${line.item}" needs an amount: oneTime, monthly or perUnit`
  )
)
export type CostLine = typeof CostLine.Type

export const Economics = Schema.Struct({
  currency: Schema.String.pipe(
    Schema.pattern(/^[A-Z]{3}$/, { message: () => "economics.currency is an ISO 4217 code such as RUB, EUR or USD" })
  ),
  horizonMonths: Schema.Int.pipe(
    Schema.between(1, 120, { message: () => "economics.horizonMonths must be a whole number from 1 to 120" })
  ),
  /** Annual discount rate (0.16 = 16% a year), converted to a monthly rate for NPV. */
  discountRate: Share("economics.discountRate", 0, 1, false, false),
  /** Reserve added on top of every cost line (0.15 = 15%). */
  contingency: Share("economics.contingency", 0, 1, false, true),
  targetPaybackMonths: Positive,
  volume: Schema.Struct({ unitsPerMonth: Positive }),
  /** Months over which volume ramps linearly up to `unitsPerMonth` after scale-up. */
  rampMonths: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 0 }),
  /**
   * Money per unit of a metric's effect, per unit at scale: `converted: 12000` means one extra
   * conversion is worth 12 000; `handle_minutes: 15` means one minute saved is worth 15.
   */
  value: Schema.Record({ key: MetricKey, value: NonNegative }),
  costs: Schema.NonEmptyArray(CostLine)
})
export type Economics = typeof Economics.Type

export const Readiness = Schema.Struct({
  /** Whether every analysed unit needs a recorded consent event. */
  consent: Schema.optionalWith(OneOf("required", "not-required"), { default: () => "required" as const }),
  /** Who answers for the source data (a team or a person). */
  dataOwner: NonEmpty("readiness.dataOwner")
})

/**
 * The decision policy's default thresholds, defined once: GO needs P(NPV > 0) ≥ 0.8 and
 * P(payback ≤ target) ≥ 0.7; an SRM χ² p-value below 0.001 makes the data invalid (the usual
 * choice for SRM alarms: Fabijan et al. 2019, "Diagnosing Sample Ratio Mismatch in Online
 * Controlled Experiments", KDD).
 */
export const POLICY_DEFAULTS = { minProbNpvPositive: 0.8, minProbPayback: 0.7, srmAlpha: 0.001 } as const

/** Thresholds of the decision policy; a pilot may tighten the defaults. */
export const Policy = Schema.Struct({
  minProbNpvPositive: Schema.optionalWith(Share("policy.minProbNpvPositive", 0, 1, false, false), {
    default: () => POLICY_DEFAULTS.minProbNpvPositive
  }),
  minProbPayback: Schema.optionalWith(Share("policy.minProbPayback", 0, 1, false, false), { default: () => POLICY_DEFAULTS.minProbPayback }),
  srmAlpha: Schema.optionalWith(Share("policy.srmAlpha", 0, 0.05, true, false), { default: () => POLICY_DEFAULTS.srmAlpha })
})
export type Policy = typeof Policy.Type

// ---------------------------------------------------------------------------------------------
// The whole definition

/** The definition's fields without the cross-field rules (each section decodes on its own). */
export const PilotDefinitionFields = Schema.Struct({
  id: PilotId,
  name: NonEmpty("name"),
  kind: PilotKind,
  owner: Owner,
  hypothesis: NonEmpty("hypothesis"),
  unit: RandomizationUnit,
  /**
   * A cluster-randomized pilot: what the metrics are measured on (`deal`) when the randomization
   * unit is a cluster of them (`unit: manager`). Events are then the analysis units' (`unit_id` is
   * the deal), and each exposure names its cluster in the attribute `clusterField`.
   */
  analysisUnit: Schema.optional(RandomizationUnit),
  /** The event attribute that carries the cluster's id (default: the unit's name, `manager`). */
  clusterField: Schema.optional(
    Schema.String.pipe(Schema.pattern(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, {
      message: () => "clusterField must be an attribute name (letters, digits and _), such as manager_id"
    }))
  ),
  /**
   * Pre-registered segments: exposure attributes (operator tenure, region, lead source) by which
   * the primary's effect is also reported, with a heterogeneity test. They inform; the decision
   * never reads them.
   */
  segments: Schema.optional(
    Schema.Array(Schema.String.pipe(Schema.pattern(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, {
      message: () => "a segment is an exposure attribute's name (letters, digits and _), such as tenure or lead_source"
    }))).pipe(Schema.maxItems(5, { message: () => "at most 5 pre-registered segments: every one more is another look at the data" }))
  ),
  /** Salt of the assignment hash; defaults to the pilot id. Never change it on a running pilot. */
  salt: Schema.optional(NonEmpty("salt")),
  /** Share of units kept out of the pilot entirely (neither arm). */
  holdout: Schema.optional(Share("holdout", 0, 0.5, false, false)),
  variants: Schema.Array(Variant).pipe(Schema.minItems(2, { message: () => "a pilot needs at least two variants" })),
  metrics: Schema.Array(Metric).pipe(Schema.minItems(1, { message: () => "a pilot needs at least one metric" })),
  /**
   * What the AI itself did — draft acceptance, edit share, a scoring model's AUC — reported on the
   * arms that have it beside the metrics; the decision never reads them.
   */
  diagnostics: Schema.optional(Schema.Array(Diagnostic).pipe(Schema.maxItems(10, { message: () => "at most 10 diagnostics" }))),
  /** Where outcome events come from in the CRM, by connector (`CrmMapping`); part of the frozen design. */
  crm: Schema.optional(Schema.Array(CrmMapping).pipe(Schema.maxItems(8, { message: () => "at most 8 CRM mappings" }))),
  /** A warehouse-native pilot: its events read in place from a ClickHouse table (`WarehouseSource`). */
  warehouse: Schema.optional(WarehouseSource),
  plan: Plan,
  economics: Economics,
  readiness: Readiness,
  policy: Schema.optionalWith(Policy, { default: () => Policy.make({}) })
})

type Fields = typeof PilotDefinitionFields.Type

/**
 * What the cross-field rules read: the whole definition, or the sections of a file that did not
 * decode whole. A struct section with a broken field (plan, economics) comes with the fields that
 * did decode, and `failed` names the broken ones ("plan.alpha"): a rule reads only fields that
 * decoded or were left out, so a file with a wrong alpha still hears that minDays exceeds maxDays.
 */
export interface RuleSections {
  readonly segments?: Fields["segments"] | undefined
  readonly unit?: Fields["unit"] | undefined
  readonly analysisUnit?: Fields["analysisUnit"] | undefined
  readonly clusterField?: Fields["clusterField"] | undefined
  readonly variants?: Fields["variants"] | undefined
  readonly metrics?: Fields["metrics"] | undefined
  readonly diagnostics?: Fields["diagnostics"] | undefined
  readonly crm?: Fields["crm"] | undefined
  readonly warehouse?: Fields["warehouse"] | undefined
  readonly plan?: Partial<Fields["plan"]> | undefined
  readonly economics?: Partial<Fields["economics"]> | undefined
  readonly failed?: ReadonlySet<string> | undefined
}

/**
 * Cross-field rules; each violation carries the path of the field it concerns. Accepts a
 * partial definition, so that a file with a broken section still gets the rules checked
 * between the sections (and fields) that did decode.
 */
export const crossFieldIssues = (d: RuleSections): Array<Schema.FilterIssue> => {
  const issues: Array<Schema.FilterIssue> = []
  const at = (path: ReadonlyArray<PropertyKey>, message: string) => issues.push({ path, message })
  const readable = (...fields: ReadonlyArray<string>) => fields.every((f) => d.failed?.has(f) !== true)
  if (d.variants !== undefined) variantIssues(d.variants, at)
  if (d.metrics !== undefined) metricIssues(d.metrics, at)
  if (d.diagnostics !== undefined) diagnosticIssues(d.diagnostics, d.metrics, at)
  if (d.crm !== undefined) crmIssues(d.crm, d.metrics, d.diagnostics, at)
  if (d.warehouse !== undefined) warehouseIssues(d, at)
  if (d.plan !== undefined) planIssues(d.plan, d.metrics, at, readable)
  clusterIssues(d, at, readable)
  segmentIssues(d, at)
  if (d.economics !== undefined) economicsIssues(d.economics, d.metrics, at)
  return issues
}

type At = (path: ReadonlyArray<PropertyKey>, message: string) => void

const variantIssues = (variants: Fields["variants"], at: At) => {
  variants.forEach((v, i) => {
    if (variants.findIndex((w) => w.key === v.key) !== i) at(["variants", i, "key"], `variant key "${v.key}" is used twice`)
  })
  const marked = variants.flatMap((v, i) => (v.control === true ? [i] : []))
  if (marked.length > 1) {
    at(["variants", marked[1]!, "control"], `exactly one variant is the control; ${marked.length} are marked control: true`)
  } else if (marked.length === 0 && !variants.some((v) => v.key === "control")) {
    at(["variants"], `exactly one variant is the control: mark one with control: true or key it "control"`)
  }
}

const metricIssues = (metrics: Fields["metrics"], at: At) => {
  metrics.forEach((m, i) => {
    if (metrics.findIndex((n) => n.key === m.key) !== i) at(["metrics", i, "key"], `metric key "${m.key}" is used twice`)
    if (m.role === "guardrail" && m.margin === undefined) {
      at(["metrics", i], `guardrail "${m.key}" needs a non-inferiority margin (field margin, in the metric's units)`)
    }
    if (m.role !== "guardrail" && m.margin !== undefined) {
      at(["metrics", i, "margin"], `a margin applies to guardrails only; "${m.key}" is ${m.role}`)
    }
    if (m.type === "duration" && m.from === m.to) at(["metrics", i, "to"], `a duration needs two different events; both are "${m.from}"`)
    if (m.type === "binomial" && m.unless !== undefined) {
      if (m.window === undefined) at(["metrics", i, "unless"], `"${m.key}" converts unless another event follows: it needs a window (window: { days: 7 }) to say for how long`)
      m.unless.forEach((u, j) => {
        if (u === m.event) at(["metrics", i, "unless", j], `"${u}" is the metric's own event; unless names the events that cancel it`)
        else if (m.unless!.indexOf(u) !== j) at(["metrics", i, "unless", j], `"${u}" is listed twice`)
      })
    }
    if (m.type === "quantile") {
      if ("from" in m.of && m.of.from === m.of.to) at(["metrics", i, "of", "to"], `a duration needs two different events; both are "${m.of.from}"`)
      if (m.covariate !== undefined) at(["metrics", i, "covariate"], `CUPED adjusts means: the quantile metric "${m.key}" takes no covariate`)
    }
  })
  const primaries = metrics.flatMap((m, i) => (m.role === "primary" ? [i] : []))
  if (primaries.length === 0) at(["metrics"], "exactly one metric must have role: primary; none has")
  if (primaries.length > 1) {
    at(["metrics", primaries[1]!, "role"], `exactly one metric may have role: primary; ${primaries.length} have (${primaries.map((i) => metrics[i]!.key).join(", ")})`)
  }
}

const diagnosticIssues = (diagnostics: NonNullable<Fields["diagnostics"]>, metrics: Fields["metrics"] | undefined, at: At) => {
  diagnostics.forEach((d, i) => {
    if (diagnostics.findIndex((e) => e.key === d.key) !== i) at(["diagnostics", i, "key"], `diagnostic key "${d.key}" is used twice`)
    else if (metrics?.some((m) => m.key === d.key) === true) at(["diagnostics", i, "key"], `"${d.key}" is a metric's key already; a diagnostic needs its own`)
    if (d.type === "scoring" && d.score === d.outcome) at(["diagnostics", i, "outcome"], `a scoring diagnostic needs two different events; both are "${d.score}"`)
  })
}

/** The event types a pilot's metrics and diagnostics read (exposures and consent aside). */
export const metricEventTypes = (
  metrics: ReadonlyArray<Metric>,
  diagnostics: ReadonlyArray<Diagnostic> = []
): Set<string> => {
  const types = new Set<string>()
  for (const metric of metrics) {
    const m = metric.type === "quantile" ? quantileValueMetric(metric) : metric
    if (m.type === "binomial") [m.event, ...(m.unless ?? [])].forEach((t) => types.add(t))
    else if (m.type === "mean") types.add(m.event)
    else if (m.type === "ratio") types.add(m.numerator.event).add(m.denominator.event)
    else if (m.type === "duration") types.add(m.from).add(m.to)
    if (m.covariate !== undefined) types.add(m.covariate.event)
  }
  for (const d of diagnostics) {
    if (d.type === "ratio") types.add(d.numerator.event).add(d.denominator.event)
    else types.add(d.score).add(d.outcome)
  }
  return types
}

const crmIssues = (
  crm: NonNullable<Fields["crm"]>,
  metrics: Fields["metrics"] | undefined,
  diagnostics: Fields["diagnostics"] | undefined,
  at: At
) => {
  const used = metrics === undefined ? undefined : metricEventTypes(metrics, diagnostics ?? [])
  crm.forEach((mapping, i) => {
    if (crm.findIndex((o) => o.connector === mapping.connector) !== i) {
      at(["crm", i, "connector"], `connector "${mapping.connector}" is mapped twice; put all its rules in one entry`)
    }
    if (mapping.pipelines !== undefined && (mapping.source === "hubspot" || mapping.source === "salesforce")) {
      at(["crm", i, "pipelines"], mapping.source === "hubspot"
        ? "a HubSpot dealstage webhook names no pipeline (stage ids are unique across pipelines): map the stages and leave pipelines out"
        : "a Salesforce outbound message names no pipeline: map the StageNames and leave pipelines out")
    }
    const seen = new Map<string, string>()
    mapping.events.forEach((rule, j) => {
      if (rule.type === EXPOSURE || rule.type === CONSENT) {
        at(["crm", i, "events", j, "type"], `a CRM record never says which variant a unit saw or whether it consented: "${rule.type}" comes from the pilot's assignment and consent log, not from ${mapping.source}`)
      } else if (used !== undefined && !used.has(rule.type)) {
        at(["crm", i, "events", j, "type"], `event type "${rule.type}" is read by no metric or diagnostic of this pilot (${[...used].join(", ")})`)
      }
      rule.stages.forEach((stage, k) => {
        const other = seen.get(`${rule.type}\u0000${stage}`)
        if (other !== undefined) at(["crm", i, "events", j, "stages", k], `stage "${stage}" already makes a ${rule.type} event (${other})`)
        else seen.set(`${rule.type}\u0000${stage}`, `events[${j}]`)
      })
    })
  })
}

const planIssues = (
  plan: Partial<Fields["plan"]>,
  metrics: Fields["metrics"] | undefined,
  at: At,
  readable: (...fields: ReadonlyArray<string>) => boolean
) => {
  if (plan.minDays !== undefined && plan.maxDays !== undefined && plan.minDays > plan.maxDays) {
    at(["plan", "minDays"], `plan.minDays (${plan.minDays}) exceeds plan.maxDays (${plan.maxDays})`)
  }
  const primaries = metrics?.filter((m) => m.role === "primary") ?? []
  const primary = primaries.length === 1 ? primaries[0] : undefined
  // left out and broken differ here: a broken baseline was given, so "needs a baseline" would be wrong
  if (primary?.type === "quantile" && plan.sampleSizePerArm === undefined && readable("plan.sampleSizePerArm")) {
    at(["plan"], `the primary metric "${primary.key}" is a quantile: give plan.sampleSizePerArm (a quantile's sample is not computed from a baseline and SD)`)
  } else if (plan.sampleSizePerArm === undefined && readable("plan.sampleSizePerArm", "plan.baseline", "plan.baselineSd")) {
    if (plan.baseline === undefined) {
      at(["plan"], "the plan needs sampleSizePerArm, or a baseline (with mde) to compute it from")
    } else if (primary !== undefined && primary.type !== "binomial" && plan.baselineSd === undefined) {
      at(["plan"], `the primary metric "${primary.key}" is not binomial: computing the sample size needs plan.baselineSd`)
    }
  }
  if (primary?.type === "binomial" && plan.baseline !== undefined && !(plan.baseline > 0 && plan.baseline < 1)) {
    at(["plan", "baseline"], `the primary metric "${primary.key}" is binomial: plan.baseline is a rate in (0, 1)`)
  } else if (primary?.type === "binomial" && plan.baseline !== undefined && plan.mde !== undefined) {
    // the rate the plan wants to detect must be a rate too
    const target = primary.direction === "increase" ? plan.baseline * (1 + plan.mde) : plan.baseline * (1 - plan.mde)
    if (!(target > 0 && target < 1)) {
      at(["plan", "mde"], `plan.mde (${plan.mde}) would move the rate ${plan.baseline} to ${Number(target.toPrecision(6))}, outside (0, 1): a ${primary.direction === "increase" ? "lift" : "fall"} of at most ${Number((primary.direction === "increase" ? 1 / plan.baseline - 1 : 1).toPrecision(4))} is a rate`)
    }
  }
  if (plan.sequential !== true && readable("plan.sequential")) {
    if (plan.sequentialMethod !== undefined) {
      at(["plan", "sequentialMethod"], "plan.sequentialMethod applies to a sequential plan: set plan.sequential: true, or leave it out")
    }
    if (plan.sequentialTuning !== undefined) {
      at(["plan", "sequentialTuning"], "plan.sequentialTuning applies to a sequential plan with sequentialMethod: asymptotic-cs")
    }
  } else if (plan.sequential === true) {
    if (plan.sequentialTuning !== undefined && plan.sequentialMethod === undefined && readable("plan.sequentialMethod")) {
      at(["plan", "sequentialTuning"], "plan.sequentialTuning tunes sequentialMethod: asymptotic-cs; mSPRT (the default) is tuned by plan.mde")
    }
    if (plan.sequentialMethod === "asymptotic-cs" && plan.sides === 1) {
      at(["plan", "sides"], "a one-sided sequential plan uses mSPRT's half-normal mixture: the asymptotic confidence sequence is two-sided; leave plan.sequentialMethod out or make the plan two-sided")
    }
  }
  if (primary !== undefined && primary.type !== "binomial" && plan.baseline === 0 && plan.sampleSizePerArm === undefined) {
    at(["plan", "baseline"], `plan.mde is relative to plan.baseline, which is 0: give a non-zero baseline or plan.sampleSizePerArm`)
  }
}

/** Fields an event's wire form already uses, and identities: none can carry the cluster. */
const RESERVED_FIELDS = new Set([
  "event_id", "unit_id", "type", "variant", "value", "ts", "attributes",
  // the identity attributes ingest normalizes and, when pseudonymizing, removes (engine's Identity)
  "phone", "phone_number", "telephone", "mobile", "email", "e_mail", "mail"
])

/**
 * A warehouse table carries unit, type, time, value and variant only: no CRM mapping (its events
 * are the table's), no attributes (segments, a cluster's manager), no phones or e-mails.
 */
const warehouseIssues = (d: RuleSections, at: At) => {
  if (d.crm !== undefined) at(["crm"], "a warehouse pilot reads its events from warehouse.table: it takes no crm mapping")
  if ((d.segments ?? []).length > 0) at(["segments"], "a warehouse pilot's table has no exposure attributes to segment by (warehouse.columns maps unit, type, ts, value and variant)")
  if (d.analysisUnit !== undefined || d.clusterField !== undefined) {
    at([d.analysisUnit !== undefined ? "analysisUnit" : "clusterField"], "a warehouse pilot cannot be cluster-randomized yet: its table has no cluster column")
  }
}

const segmentIssues = (d: RuleSections, at: At) => {
  const segments = d.segments ?? []
  const primary = d.metrics?.find((m) => m.role === "primary")
  if (segments.length > 0 && primary?.type === "quantile") {
    at(["segments"], `segments read the primary's sufficient statistics; the primary "${primary.key}" is a quantile: leave segments out or make a mean or duration the primary`)
  }
  segments.forEach((name, i) => {
    if (segments.indexOf(name) !== i) at(["segments", i], `segment "${name}" is listed twice`)
    if (RESERVED_FIELDS.has(name.toLowerCase())) at(["segments", i], `"${name}" is an event's own field or an identity, not a segment attribute`)
    if (d.analysisUnit !== undefined) at(["segments", i], "segments are not analysed in a cluster-randomized pilot yet: a manager's deals would land in several segments")
  })
}

const clusterIssues = (d: RuleSections, at: At, readable: (...fields: ReadonlyArray<string>) => boolean) => {
  const clustered = d.analysisUnit !== undefined
  if (!clustered) {
    if (d.clusterField !== undefined) at(["clusterField"], "clusterField applies to a cluster-randomized pilot: name its analysisUnit too (unit: manager, analysisUnit: deal)")
    for (const field of ["icc", "clusterSize"] as const) {
      if (d.plan?.[field] !== undefined) at(["plan", field], `plan.${field} applies to a cluster-randomized pilot (one with an analysisUnit)`)
    }
    return
  }
  if (d.unit !== undefined && d.analysisUnit === d.unit) {
    at(["analysisUnit"], `analysisUnit is the unit the metrics are measured on when "${d.unit}" is a cluster of them; it cannot be "${d.unit}" itself`)
  }
  const field = d.clusterField ?? d.unit
  if (field !== undefined && RESERVED_FIELDS.has(field.toLowerCase())) {
    at([d.clusterField === undefined ? "unit" : "clusterField"], `the cluster cannot travel in the event field "${field}" (it is an event's own field or an identity); set clusterField, e.g. ${d.unit ?? "manager"}_id`)
  }
  const plan = d.plan
  if (plan === undefined) return
  if (plan.sequential === true) {
    at(["plan", "sequential"], "a cluster-randomized pilot is analysed at a fixed horizon: sequential monitoring needs many independent units, and a pilot has tens of clusters; leave plan.sequential out")
  }
  if (plan.sampleSizePerArm === undefined && readable("plan.sampleSizePerArm", "plan.icc", "plan.clusterSize")) {
    const missing = (["icc", "clusterSize"] as const).filter((f) => plan[f] === undefined)
    if (missing.length > 0) {
      at(["plan"], `a cluster-randomized plan needs ${missing.map((f) => `plan.${f}`).join(" and ")} to compute its sample (the design effect 1 + (m − 1)·ICC), or plan.sampleSizePerArm in ${d.analysisUnit}s`)
    }
  }
  if ((d.diagnostics?.length ?? 0) > 0) {
    at(["diagnostics"], "diagnostics are not analysed in a cluster-randomized pilot yet: leave them out")
  }
  d.metrics?.forEach((m, i) => {
    if (m.type === "quantile") {
      at(["metrics", i, "type"], `a quantile is not a per-cluster total: the quantile metric "${m.key}" cannot be analysed in a cluster-randomized pilot`)
    }
    if (m.type === "mean" && m.covariate !== undefined) {
      at(["metrics", i, "covariate"], `CUPED is not available for a cluster-randomized pilot: "${m.key}" is analysed on per-cluster totals; leave its covariate out`)
    }
  })
}

const economicsIssues = (economics: Partial<Fields["economics"]>, metrics: Fields["metrics"] | undefined, at: At) => {
  if (metrics !== undefined && economics.value !== undefined) {
    for (const key of Object.keys(economics.value)) {
      if (metrics.some((m) => m.key === key && m.type === "quantile")) {
        at(["economics", "value", key], `economics.value names the quantile metric "${key}": a shift of a quantile is not an amount per unit; value the mean or duration beside it`)
      } else if (!metrics.some((m) => m.key === key)) {
        at(["economics", "value", key], `economics.value names "${key}", which is not a metric of this pilot (${metrics.map((m) => m.key).join(", ")})`)
      }
    }
  }
  if (economics.targetPaybackMonths !== undefined && economics.horizonMonths !== undefined && economics.targetPaybackMonths > economics.horizonMonths) {
    at(["economics", "targetPaybackMonths"], `targetPaybackMonths (${economics.targetPaybackMonths}) is beyond the horizon (${economics.horizonMonths} months)`)
  }
}

export const PilotDefinition = PilotDefinitionFields.pipe(
  Schema.filter((d) => crossFieldIssues(d)),
  Schema.annotations({ identifier: "PilotDefinition" })
)
export type PilotDefinition = typeof PilotDefinition.Type
export type PilotDefinitionEncoded = typeof PilotDefinition.Encoded

/** The control variant: the one marked `control: true`, else the one keyed `control`. */
export const controlVariant = (d: PilotDefinition): Variant =>
  d.variants.find((v) => v.control === true) ?? d.variants.find((v) => v.key === "control")!

/** A cluster-randomized pilot's design: the cluster unit, the analysis unit and the cluster's event field. */
export interface ClusterDesign {
  readonly unit: RandomizationUnit
  readonly analysisUnit: RandomizationUnit
  readonly field: string
}

/** The cluster design of a pilot, or `undefined` when units are randomized one by one. */
export const clusterDesignOf = (
  d: { readonly unit: RandomizationUnit; readonly analysisUnit?: RandomizationUnit | undefined; readonly clusterField?: string | undefined }
): ClusterDesign | undefined =>
  d.analysisUnit === undefined ? undefined : { unit: d.unit, analysisUnit: d.analysisUnit, field: d.clusterField ?? d.unit }

export const primaryMetric = (d: PilotDefinition): Metric => d.metrics.find((m) => m.role === "primary")!

/**
 * Advice that does not make a definition invalid: reserves and horizons outside what finance
 * usually accepts, and cost categories a full cost of ownership normally has.
 */
export const definitionWarnings = (d: PilotDefinition): Array<Schema.FilterIssue> => {
  const warnings: Array<Schema.FilterIssue> = []
  const { contingency, horizonMonths, costs } = d.economics
  if (contingency < 0.15 || contingency > 0.2) {
    warnings.push({ path: ["economics", "contingency"], message: `contingency ${contingency} is outside the usual 15–20% reserve` })
  }
  if (horizonMonths < 24 || horizonMonths > 36) {
    warnings.push({ path: ["economics", "horizonMonths"], message: `a ${horizonMonths}-month horizon is outside the usual 2–3 years` })
  }
  const present = new Set(costs.flatMap((c) => (c.category === undefined ? [] : [c.category])))
  const missing = (["integration", "license", "training", "support"] as const).filter((c) => !present.has(c))
  if (missing.length > 0) {
    warnings.push({ path: ["economics", "costs"], message: `no cost line with category ${missing.join(", ")}: is the cost of ownership complete?` })
  }
  return warnings
}
