/**
 * Metric packs: named, documented templates for the measures AI pilots are judged by, written in
 * a pilot file's `metrics` list as `- pack: bot.containment` (with the pack's options) and
 * expanded into ordinary metrics — events, window, role, direction — when the file is validated.
 * The expansion is what is stored and frozen: the design hash covers it, each expanded metric
 * names its pack in `fromPack`, and a later change to a pack's defaults never changes the design
 * of a pilot that was registered with it.
 *
 * Every pack has the same overrides — `key`, `name`, `description`, `events` (the names the
 * pilot's systems log) and, for a metric, `role` and a guardrail's `margin` — plus options of its
 * own. A few packs are diagnostics (draft acceptance, a scoring model's AUC): listed under
 * `diagnostics`, reported on the arms that have them, never decided on. docs/ai-pilots.md says,
 * for each, which events the bot, assistant or model must log and what the measure means.
 */
import { Either, ParseResult, Schema } from "effect"
import { EventName, MetricKey } from "./Ids.js"
import { withoutOptionalNoise } from "./ParseIssues.js"

/** A metric as a pilot file spells it (what a pack expands into, before decoding). */
export type MetricSpelling = Readonly<Record<string, unknown>>

const PositiveInt = Schema.Int.pipe(Schema.positive({ message: () => "must be a whole number greater than zero" }))
const NonNegative = Schema.Number.pipe(
  Schema.finite({ message: () => "must be a finite number" }),
  Schema.nonNegative({ message: () => "must be zero or more" })
)
const Role = Schema.Literal("primary", "secondary", "guardrail").annotations({
  message: () => ({ message: `must be one of "primary", "secondary", "guardrail"`, override: true })
})
const Days = Schema.Struct({ days: PositiveInt })

/** The overrides every pack takes. */
const named = {
  key: Schema.optional(MetricKey),
  name: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String)
}
/** … and every metric pack (a diagnostic has no role). */
const roled = {
  role: Schema.optional(Role),
  /** A guardrail's margin; a guardrail pack has a default. */
  margin: Schema.optional(NonNegative)
}

interface PackSpec<Events extends string, Options extends Schema.Struct.Fields> {
  readonly summary: string
  /** Where the pack is listed: a metric (the default), or a diagnostic of what the AI did. */
  readonly section?: "diagnostics"
  /** The role the metric takes when the file does not say (a diagnostic has none). */
  readonly role?: "primary" | "secondary" | "guardrail"
  /** A guardrail's default non-inferiority margin, in the metric's units (a guardrail pack has one). */
  readonly margin?: number
  /** The events the pack reads, by their part in the measure, with the names used when the file does not rename them. */
  readonly events: Readonly<Record<Events, string>>
  readonly options: Options
  /** The metric, from the options given and the events' names; key, name, role and margin are added after. */
  readonly expand: (options: Schema.Struct.Type<Options>, events: Readonly<Record<Events, string>>) => MetricSpelling
}

const pack = <Events extends string, Options extends Schema.Struct.Fields>(spec: PackSpec<Events, Options>) => spec

/** 0.9 → "90", 0.999 → "99_9", 0.99995 → "99_995": a quantile in a metric key (one out of (0, 1) is refused by the metric). */
const percentile = (q: number) => (q > 0 && q < 1 ? String(+(100 * q).toFixed(3)).replace(".", "_") : "quantile")

/** The packs, by name. */
export const METRIC_PACKS = {
  "bot.containment": pack({
    summary: "Share of conversations the bot resolved with no handoff to a human and no recontact within recontactDays",
    role: "primary",
    events: { resolved: "bot_resolved", handoff: "handoff", recontact: "recontact" },
    options: { recontactDays: Schema.optional(PositiveInt) },
    expand: (use, ev) => {
      const days = use.recontactDays ?? 7
      return {
        key: "contained",
        name: `Contained: resolved by the bot, no handoff, no recontact within ${days} days`,
        type: "binomial",
        event: ev.resolved,
        unless: [ev.handoff, ev.recontact],
        window: { days },
        direction: "increase"
      }
    }
  }),
  "bot.handoff": pack({
    summary: "Share of conversations handed to a human within the window",
    role: "secondary",
    events: { handoff: "handoff" },
    options: { window: Schema.optional(Days) },
    expand: (use, ev) => ({
      key: "handoff",
      name: "Handed off to a human",
      type: "binomial",
      event: ev.handoff,
      window: use.window ?? { days: 7 },
      direction: "decrease"
    })
  }),
  "bot.first-reply": pack({
    summary: "Time from the customer's first message to the first reply (the mean, or a quantile with quantile: 0.9)",
    role: "secondary",
    events: { start: "conversation_started", reply: "first_reply" },
    options: {
      quantile: Schema.optional(Schema.Number),
      in: Schema.optional(Schema.Literal("minutes", "hours").annotations({
        message: () => ({ message: `must be "minutes" or "hours"`, override: true })
      }))
    },
    expand: (use, ev) => {
      const unit = use.in ?? "minutes"
      const common = { direction: "decrease", unit }
      return use.quantile === undefined
        ? { key: `first_reply_${unit}`, name: "Time to first reply", ...common, type: "duration", from: ev.start, to: ev.reply, in: unit }
        : {
          key: `first_reply_p${percentile(use.quantile)}`,
          name: `Time to first reply, p${percentile(use.quantile)}`,
          ...common,
          type: "quantile",
          quantile: use.quantile,
          of: { from: ev.start, to: ev.reply, in: unit }
        }
    }
  }),
  "bot.complaints": pack({
    summary: "Guardrail: share of conversations with a complaint about the bot or its answers",
    role: "guardrail",
    margin: 0.01,
    events: { complaint: "complaint" },
    options: { window: Schema.optional(Days) },
    expand: (use, ev) => ({
      key: "complaint",
      name: "Complained about the bot or its answers",
      type: "binomial",
      event: ev.complaint,
      window: use.window ?? { days: 30 },
      direction: "decrease"
    })
  }),
  "assistant.handle-time": pack({
    summary: "Operator handle time, from assignment to resolution",
    role: "secondary",
    events: { assigned: "conversation_assigned", resolved: "conversation_resolved" },
    options: { window: Schema.optional(Days) },
    expand: (use, ev) => ({
      key: "handle_minutes",
      name: "Handle time",
      type: "duration",
      from: ev.assigned,
      to: ev.resolved,
      in: "minutes",
      direction: "decrease",
      unit: "minutes",
      ...(use.window === undefined ? {} : { window: use.window })
    })
  }),
  "assistant.resolutions-per-hour": pack({
    summary: "Resolutions per operator-hour: resolved conversations over the operator hours logged on them",
    role: "secondary",
    events: { resolved: "conversation_resolved", hours: "operator_hours" },
    options: { window: Schema.optional(Days) },
    expand: (use, ev) => ({
      key: "resolutions_per_hour",
      name: "Resolutions per operator-hour",
      type: "ratio",
      numerator: { event: ev.resolved, aggregate: "count" },
      denominator: { event: ev.hours, aggregate: "sum" },
      direction: "increase",
      unit: "per hour",
      ...(use.window === undefined ? {} : { window: use.window })
    })
  }),
  "assistant.csat": pack({
    summary: "Guardrail: the customer's satisfaction score (the mean of the unit's ratings)",
    role: "guardrail",
    margin: 0.2,
    events: { rating: "csat_score" },
    options: { window: Schema.optional(Days) },
    expand: (use, ev) => ({
      key: "csat",
      name: "Customer satisfaction",
      type: "mean",
      event: ev.rating,
      aggregate: "mean",
      direction: "increase",
      ...(use.window === undefined ? {} : { window: use.window })
    })
  }),
  "scoring.win-rate": pack({
    summary: "Share of leads won within the window: a scoring model's business outcome",
    role: "primary",
    events: { won: "deal_won" },
    options: { window: Schema.optional(Days) },
    expand: (use, ev) => ({
      key: "won",
      name: "Lead won",
      type: "binomial",
      event: ev.won,
      window: use.window ?? { days: 30 },
      direction: "increase"
    })
  }),
  "personalization.revenue": pack({
    summary: "Revenue per customer in the window, with CUPED on the same customer's revenue before exposure",
    role: "primary",
    events: { purchase: "purchase" },
    options: {
      window: Schema.optional(Days),
      covariateDays: Schema.optional(PositiveInt),
      unit: Schema.optional(Schema.String)
    },
    expand: (use, ev) => ({
      key: "revenue",
      name: "Revenue per customer",
      type: "mean",
      event: ev.purchase,
      aggregate: "sum",
      window: use.window ?? { days: 30 },
      covariate: { event: ev.purchase, aggregate: "sum", days: use.covariateDays ?? 30 },
      direction: "increase",
      ...(use.unit === undefined ? {} : { unit: use.unit })
    })
  }),
  "personalization.ctr": pack({
    summary: "Click-through rate: clicks over impressions, pooled per arm",
    role: "secondary",
    events: { impression: "impression", click: "click" },
    options: { window: Schema.optional(Days) },
    expand: (use, ev) => ({
      key: "ctr",
      name: "Click-through rate",
      type: "ratio",
      numerator: { event: ev.click, aggregate: "count" },
      denominator: { event: ev.impression, aggregate: "count" },
      direction: "increase",
      window: use.window ?? { days: 30 }
    })
  }),
  "personalization.unsubscribes": pack({
    summary: "Guardrail: share of customers who unsubscribed within the window",
    role: "guardrail",
    margin: 0.005,
    events: { unsubscribe: "unsubscribe" },
    options: { window: Schema.optional(Days) },
    expand: (use, ev) => ({
      key: "unsubscribed",
      name: "Unsubscribed",
      type: "binomial",
      event: ev.unsubscribe,
      window: use.window ?? { days: 30 },
      direction: "decrease"
    })
  }),
  "assistant.acceptance": pack({
    summary: "Diagnostic: share of the assistant's drafts the operator accepted (sent with little editing)",
    section: "diagnostics",
    events: { shown: "draft_shown", accepted: "draft_accepted" },
    options: { window: Schema.optional(Days) },
    expand: (use, ev) => ({
      key: "draft_acceptance",
      name: "Drafts accepted",
      type: "ratio",
      numerator: { event: ev.accepted, aggregate: "count" },
      denominator: { event: ev.shown, aggregate: "count" },
      unit: "share",
      ...(use.window === undefined ? {} : { window: use.window })
    })
  }),
  "assistant.edit-share": pack({
    summary: "Diagnostic: the share of each sent draft the operator changed (its edit distance over its length), averaged over drafts",
    section: "diagnostics",
    events: { sent: "draft_sent" },
    options: { window: Schema.optional(Days) },
    expand: (use, ev) => ({
      key: "edit_share",
      name: "Share of a draft edited",
      type: "ratio",
      numerator: { event: ev.sent, aggregate: "sum" },
      denominator: { event: ev.sent, aggregate: "count" },
      unit: "share",
      ...(use.window === undefined ? {} : { window: use.window })
    })
  }),
  "scoring.quality": pack({
    summary: "Diagnostic: the model's AUC (DeLong interval), Brier score, reliability table and top-decile lift on the pilot's own leads",
    section: "diagnostics",
    events: { score: "lead_scored", outcome: "deal_won" },
    options: { window: Schema.optional(Days), bins: Schema.optional(Schema.Number) },
    expand: (use, ev) => ({
      key: "model_quality",
      name: "Scoring model quality",
      type: "scoring",
      score: ev.score,
      outcome: ev.outcome,
      window: use.window ?? { days: 30 },
      ...(use.bins === undefined ? {} : { bins: use.bins })
    })
  })
} as const

export type MetricPackName = keyof typeof METRIC_PACKS
export const METRIC_PACK_NAMES = Object.keys(METRIC_PACKS) as ReadonlyArray<MetricPackName>

/** The list a pack is used in: `metrics`, or `diagnostics` for a measure of what the AI did. */
export const packSection = (name: MetricPackName): "metrics" | "diagnostics" =>
  (METRIC_PACKS[name] as { readonly section?: "diagnostics" }).section ?? "metrics"

/** The schema of one use of pack `name` in a pilot file: the common overrides, its options and its events. */
const useSchema = (name: MetricPackName) => {
  const spec: PackSpec<string, Schema.Struct.Fields> = METRIC_PACKS[name]
  const events = Object.fromEntries(Object.keys(spec.events).map((part) => [part, Schema.optional(EventName)]))
  return Schema.Struct({
    pack: Schema.Literal(name),
    ...named,
    ...(spec.section === "diagnostics" ? {} : roled),
    ...spec.options,
    events: Schema.optional(Schema.Struct(events))
  })
}
const useSchemas = new Map(METRIC_PACK_NAMES.map((name) => [name, useSchema(name)] as const))

/** One problem with a pack's use, at a path inside its item. */
export interface PackIssue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

/** Whether a `metrics` item is a pack's use: it names a pack and is not itself a metric (expanded metrics keep `type`). */
export const isPackUse = (item: unknown): item is Readonly<Record<string, unknown>> =>
  item !== null && typeof item === "object" && !Array.isArray(item) && "pack" in item && !("type" in item)

/**
 * One pack use → the metric it expands into, spelled as in a pilot file so that it is decoded
 * (and checked by the cross-field rules) like any other; or the use's own problems: an unknown
 * pack, an option it does not have, a wrong value.
 */
export const expandPackUse = (
  item: Readonly<Record<string, unknown>>,
  section: "metrics" | "diagnostics" = "metrics"
): Either.Either<MetricSpelling, ReadonlyArray<PackIssue>> => {
  const name = item["pack"]
  const schema = typeof name === "string" ? useSchemas.get(name as MetricPackName) : undefined
  const listed = (n: MetricPackName) => packSection(n) === section
  if (schema === undefined) {
    return Either.left([{ path: ["pack"], message: `unknown ${section === "metrics" ? "metric" : "diagnostic"} pack ${JSON.stringify(name)}; the packs are ${METRIC_PACK_NAMES.filter(listed).join(", ")}` }])
  }
  if (!listed(name as MetricPackName)) {
    return Either.left([{
      path: ["pack"],
      message: section === "metrics"
        ? `${String(name)} is a diagnostic of what the AI did, not a metric to decide on: list it under diagnostics`
        : `${String(name)} is a metric pack: list it under metrics`
    }])
  }
  const decoded = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(item)
  if (Either.isLeft(decoded)) {
    const raw = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
    const fields = Object.keys(schema.fields).filter((f) => f !== "pack").join(", ")
    return Either.left(withoutOptionalNoise(raw)
      .map((i) => ({
        path: i.path,
        message: !i.message.startsWith("is unexpected")
          ? `pack ${String(name)}: ${i.message}`
          : i.path.length === 1
          ? `${String(i.path[0])} is not an option of the pack ${String(name)} (its options: ${fields})`
          : i.path[0] === "events" && i.path.length === 2
          ? `the pack ${String(name)} reads no event "${String(i.path[1])}" (its events: ${Object.keys(METRIC_PACKS[name as MetricPackName].events).join(", ")})`
          : `pack ${String(name)}: ${i.path.map(String).join(".")} is not a field of ${String(i.path[0])}`
      })))
  }
  const spec: PackSpec<string, Schema.Struct.Fields> = METRIC_PACKS[name as MetricPackName]
  const use = decoded.right as Readonly<Record<string, unknown>> & {
    readonly role?: "primary" | "secondary" | "guardrail" | undefined
    readonly margin?: number | undefined
    readonly events?: Readonly<Record<string, string | undefined>> | undefined
  }
  const events = Object.fromEntries(Object.entries(spec.events).map(([part, byDefault]) => [part, use.events?.[part] ?? byDefault]))
  const given = Object.fromEntries((["key", "name", "description"] as const).flatMap((f) => (use[f] === undefined ? [] : [[f, use[f]]])))
  if (spec.section === "diagnostics") return Either.right({ ...spec.expand(use as never, events), ...given, fromPack: name })
  const role = use.role ?? spec.role
  // a margin given on a pack used as a primary or secondary is left for the metric rules to refuse
  const margin = use.margin ?? (role === "guardrail" ? spec.margin : undefined)
  return Either.right({ ...spec.expand(use as never, events), ...given, role, ...(margin === undefined ? {} : { margin }), fromPack: name })
}

/**
 * A pilot file's value with each pack's use (`- pack: bot.containment`, under `metrics` or
 * `diagnostics`) replaced by the metric or diagnostic it expands into, so the definition decodes,
 * and is checked, as if the file spelled it out. A use with problems of its own (in `issues`,
 * with their paths in the file) is replaced by a placeholder that fails to decode: the
 * metrics then count as broken, so no rule reads a list missing, say, its primary. `toSource`
 * turns a problem's path in the expanded value into one in the file (or `undefined` for the
 * placeholders' own, which `issues` already tells): a problem of an expanded metric is reported on its pack's item, at the
 * option of the same name when the use has one, and says which pack.
 */
export const expandMetricPacks = (value: Readonly<Record<string, unknown>>) => {
  type Use = { readonly pack: string; readonly fields: ReadonlySet<string> } | "failed"
  const uses = new Map<string, Map<number, Use>>()
  const issues: Array<PackIssue> = []
  const expanded: Record<string, unknown> = { ...value }
  for (const section of ["metrics", "diagnostics"] as const) {
    const items = value[section]
    if (!Array.isArray(items)) continue
    const here = new Map<number, Use>()
    uses.set(section, here)
    expanded[section] = items.map((item: unknown, i) => {
      if (!isPackUse(item)) return item
      const metric = expandPackUse(item, section)
      if (Either.isLeft(metric)) {
        here.set(i, "failed")
        issues.push(...metric.left.map((issue) => ({ path: [section, i, ...issue.path], message: issue.message })))
        return null
      }
      here.set(i, { pack: String(item["pack"]), fields: new Set(Object.keys(item)) })
      return metric.right
    })
  }
  const toSource = (path: ReadonlyArray<PropertyKey>, message: string) => {
    const use = typeof path[0] === "string" && typeof path[1] === "number" ? uses.get(path[0])?.get(path[1]) : undefined
    if (use === undefined) return { path, message }
    if (use === "failed") return undefined
    const field = path[2]
    return {
      path: typeof field === "string" && use.fields.has(field) ? path.slice(0, 3) : path.slice(0, 2),
      message: `pack ${use.pack}: ${message}`
    }
  }
  const any = [...uses.values()].some((m) => m.size > 0)
  return { value: any ? expanded : value, issues, toSource }
}
