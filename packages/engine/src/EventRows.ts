/**
 * One incoming record (a CSV row or a JSON line) → a stored event row, or a reject with the
 * reason. Checks the row against the pilot: known event types, exposures to real variants,
 * values where a metric sums them; flags exposures that disagree with the assignment and
 * identity attributes that do not normalize.
 */
import { assign } from "@pilotproof/assignment"
import {
  canonicalJson,
  clusterDesignOf,
  quantileValueMetric,
  CONSENT,
  DECIMAL,
  EXPOSURE,
  IncomingEvent,
  parseTimestamp,
  type PilotDefinition,
  valueProblem
} from "@pilotproof/domain"
import type { EventRow, RejectRow } from "@pilotproof/store"
import { Either, ParseResult, Schema } from "effect"
import { createHash } from "node:crypto"
import { identityKind, normalizeEmail, normalizePhone } from "./Identity.js"
import type { Pseudonymizer } from "./Pseudonymizer.js"

/** A record as a source yields it: its line in the file and its fields. */
export interface RawRecord {
  readonly line: number
  readonly fields: Readonly<Record<string, unknown>>
}

/** A record the source itself could not parse (unbalanced quotes, wrong column count). */
export interface RawReject {
  readonly line: number
  readonly reason: string
  readonly raw: string
}

export type SourceItem = RawRecord | RawReject
export const isRawReject = (item: SourceItem): item is RawReject => "reason" in item

const KNOWN = new Set(["event_id", "unit_id", "type", "variant", "value", "ts"])

/** What a pilot accepts: event types, whether a type needs a value, and its allocation. */
export interface EventRules {
  readonly pilotId: string
  readonly variants: ReadonlySet<string>
  /** Event type → the metrics that use it and whether one of them needs a numeric value. */
  readonly types: ReadonlyMap<string, { readonly metrics: ReadonlyArray<string>; readonly needsValue: boolean }>
  readonly allocation: { readonly salt: string; readonly variants: ReadonlyArray<{ key: string; weight: number }>; readonly holdout?: number }
  /**
   * A cluster-randomized pilot: the attribute that carries the cluster (manager) id and the
   * cluster unit's name. Exposures must name it; the assignment is the cluster's.
   */
  readonly cluster?: { readonly field: string; readonly unit: string }
}

export const eventRules = (definition: PilotDefinition): EventRules => {
  const types = new Map<string, { metrics: Array<string>; needsValue: boolean }>()
  const use = (type: string, metric: string, needsValue: boolean) => {
    const entry = types.get(type) ?? { metrics: [], needsValue: false }
    if (!entry.metrics.includes(metric)) entry.metrics.push(metric)
    entry.needsValue ||= needsValue
    types.set(type, entry)
  }
  for (const metric of definition.metrics) {
    // a quantile metric reads the events of the duration or value it is the quantile of
    const m = metric.type === "quantile" ? quantileValueMetric(metric) : metric
    switch (m.type) {
      case "binomial":
        use(m.event, m.key, false)
        for (const cancel of m.unless ?? []) use(cancel, `${m.key} (unless)`, false)
        break
      case "mean":
        use(m.event, m.key, m.aggregate !== "count")
        break
      case "ratio":
        use(m.numerator.event, m.key, m.numerator.aggregate === "sum")
        use(m.denominator.event, m.key, m.denominator.aggregate === "sum")
        break
      case "duration":
        use(m.from, m.key, false)
        use(m.to, m.key, false)
        break
    }
    if (m.covariate !== undefined) use(m.covariate.event, `${m.key} (covariate)`, m.covariate.aggregate !== "count")
  }
  for (const d of definition.diagnostics ?? []) {
    if (d.type === "ratio") {
      use(d.numerator.event, `diagnostic ${d.key}`, d.numerator.aggregate === "sum")
      use(d.denominator.event, `diagnostic ${d.key}`, d.denominator.aggregate === "sum")
    } else {
      use(d.score, `diagnostic ${d.key}, whose score it is`, true)
      use(d.outcome, `diagnostic ${d.key}`, false)
    }
  }
  const cluster = clusterDesignOf(definition)
  return {
    pilotId: definition.id,
    ...(cluster === undefined ? {} : { cluster: { field: cluster.field, unit: cluster.unit } }),
    variants: new Set(definition.variants.map((v) => v.key)),
    types,
    allocation: {
      salt: definition.salt ?? definition.id,
      variants: definition.variants.map((v) => ({ key: v.key, weight: v.weight })),
      ...(definition.holdout === undefined ? {} : { holdout: definition.holdout })
    }
  }
}

const decodeIncoming = Schema.decodeUnknownEither(IncomingEvent, { errors: "all", onExcessProperty: "error" })

const TYPE = /^[A-Za-z][A-Za-z0-9_.:-]*$/

/**
 * The common case of `IncomingEvent` decoding without the Schema machinery (import speed): a
 * well-formed record is accepted here; anything else goes through the Schema, which decides
 * and writes the messages. A property test holds the two to the same answers.
 */
const decodeFast = (c: Record<string, unknown>): { readonly event: IncomingEvent; readonly tsMs: number } | undefined => {
  const { event_id, type, ts, variant, value, attributes } = c
  const unit = typeof c["unit_id"] === "string" ? c["unit_id"].trim() : undefined
  if (unit === undefined || unit.length < 1 || unit.length > 200) return undefined
  if (typeof type !== "string" || type.length > 64 || !TYPE.test(type)) return undefined
  if (typeof ts !== "string") return undefined
  const tsMs = parseTimestamp(ts)
  if (tsMs === undefined) return undefined
  if (event_id !== undefined && (typeof event_id !== "string" || event_id.length < 1 || event_id.length > 200)) return undefined
  if (variant !== undefined && (typeof variant !== "string" || variant.length > 32)) return undefined
  if (value !== undefined && (typeof value !== "number" || valueProblem(value) !== undefined)) return undefined
  if (!isStringRecord(attributes)) return undefined
  for (const k of Object.keys(c)) if (!INCOMING_KEYS.has(k)) return undefined
  const event: IncomingEvent = {
    unit_id: unit,
    type,
    ts,
    attributes: Object.hasOwn(attributes, "__proto__") ? withoutProto(attributes) : attributes,
    ...(event_id === undefined ? {} : { event_id }),
    ...(variant === undefined ? {} : { variant }),
    ...(value === undefined ? {} : { value })
  }
  return { event, tsMs }
}

/**
 * The attributes as the Schema gives them back: it builds its result by assignment, which does
 * not keep an own `__proto__` key (nor does the row decoder); the fast path must give the same.
 */
const withoutProto = (attributes: Record<string, string>): Record<string, string> => {
  const copy: Record<string, string> = {}
  for (const [k, v] of Object.entries(attributes)) if (k !== "__proto__") copy[k] = v
  return copy
}

/** An object whose every own value is a string (an event's attributes). */
const isStringRecord = (value: unknown): value is Record<string, string> =>
  value !== null && typeof value === "object" && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string")

export const quickDecode = (c: Record<string, unknown>): IncomingEvent | undefined => decodeFast(c)?.event
const INCOMING_KEYS = new Set(["event_id", "unit_id", "type", "variant", "value", "ts", "attributes"])

/** A field's text: strings as they are, anything else as JSON. */
const textOf = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v))

/** `""` and `null` are absent. */
const present = (v: unknown): boolean => v !== undefined && v !== null && v !== ""

/** A CSV value in decimal notation (a decimal comma allowed: `12,5`) as a number; else undefined. */
const decimalValue = (v: string): number | undefined => {
  const text = v.trim()
  return DECIMAL.test(text) && !AMBIGUOUS_COMMA.test(text) ? Number(text.replace(",", ".")) : undefined
}

/** `1,000` is a thousand in one locale and one in another: refused rather than guessed. */
const AMBIGUOUS_COMMA = /^[+-]?[1-9]\d*,\d{3}$/

/**
 * Why a record cannot be read at all, before its fields are decoded: a NUL character (no CRM
 * field holds one, and PostgreSQL cannot store it) or U+FFFD, the mark a decoder leaves where
 * bytes were not UTF-8 — two different ids would otherwise arrive as one (`u-\xff` and `u-\xfe`
 * both read `u-�`). The reason names the field, never its text.
 */
const unreadable = (fields: Readonly<Record<string, unknown>>): string | undefined => {
  for (const [name, value] of Object.entries(fields)) {
    const bad = typeof value === "string" ? UNREADABLE.exec(value)?.[0] : undefined
    if (bad === "\u0000") return `${name} contains a NUL character (\\0): not text a CRM exports; fix the export`
    if (bad !== undefined) return `${name} is not valid UTF-8 (bytes a decoder could not read, shown as \uFFFD): re-export the file as UTF-8`
  }
  return undefined
}

const UNREADABLE = /[\u0000\uFFFD]/

/** NUL characters escaped, so that a reject can always be stored (PostgreSQL refuses them in text). */
export const storableText = (text: string): string => (text.includes("\u0000") ? text.replaceAll("\u0000", "\\u0000") : text)

/** What a reject keeps of a row it could not read while ids are pseudonymized. */
export const UNSTORED_RAW = "(not stored: the row could not be read, so the identifiers in it could not be pseudonymized)"

/** "42" → "a number", "true" → "a boolean", "{…}" → "an object": what a JSON value is. */
const kindOf = (actual: string): string =>
  /^-?\d/.test(actual) ? "a number"
  : actual === "true" || actual === "false" ? "a boolean"
  : actual === "null" ? "null"
  : actual.startsWith("[") ? "a list"
  : actual.startsWith("{") ? "an object"
  : "that value"

/**
 * Schema issues in the words of someone fixing an export: one per field, the field named,
 * "Expected string, actual 7" as "must be text, not a number", and the optional field's
 * "Expected undefined" alternative (noise to a reader) left out.
 */
const describeIssues = (issues: ReadonlyArray<{ readonly path: ReadonlyArray<PropertyKey>; readonly message: string }>): string => {
  const seen = new Set<string>()
  const out: Array<string> = []
  for (const issue of issues) {
    const field = issue.path.map(String).join(".") || "row"
    if (seen.has(field) || issue.message.startsWith("Expected undefined")) continue
    seen.add(field)
    // the actual value is named by its kind, not quoted: it may be an id, and a reason is
    // stored even where the row's text is not
    const text = /^Expected string, actual (.*)$/.exec(issue.message)
    const long = /^Expected a string at most (\d+) character\(s\) long/.exec(issue.message)
    out.push(
      text !== null ? `${field} must be text, not ${kindOf(text[1]!)}`
      : long !== null ? `${field} is longer than ${long[1]} characters`
      : issue.message.startsWith(`${field} `) ? issue.message
      : `${field}: ${issue.message}`
    )
  }
  return out.join("; ")
}

export type RowOutcome =
  | { readonly _tag: "Event"; readonly row: EventRow }
  | { readonly _tag: "Reject"; readonly row: RejectRow }

/**
 * Decodes and checks one record. `unit_id` and identity attributes are pseudonymized before
 * anything is kept, rejects included.
 */
export const toEventRow = (
  record: RawRecord,
  rules: EventRules,
  pseudonymizer: Pseudonymizer,
  source: string,
  batchId: string
): RowOutcome => {
  const fields = record.fields
  const problem = unreadable(fields)
  if (problem !== undefined) {
    // Nothing of such a row is trusted as an id: no unit key, the raw text kept only when ids
    // are stored as received (never under pseudonymization).
    return {
      _tag: "Reject",
      row: {
        pilot_id: rules.pilotId,
        source,
        line: record.line,
        unit_id: null,
        reason: problem,
        raw: pseudonymizer.enabled ? UNSTORED_RAW : storableText(JSON.stringify(fields)),
        batch_id: batchId
      }
    }
  }
  const attributes: Record<string, string> = {}
  for (const [k, v] of Object.entries(fields)) {
    if (!KNOWN.has(k) && present(v)) attributes[k] = typeof v === "string" ? v : JSON.stringify(v)
  }

  // Identities: normalized, keyed when pseudonymizing, and never kept raw in that case.
  let phoneKey: string | null = null
  let emailKey: string | null = null
  const flags: Array<string> = []
  for (const name of Object.keys(attributes)) {
    const kind = identityKind(name)
    if (kind === undefined) continue
    const normalized = kind === "phone" ? normalizePhone(attributes[name]!) : normalizeEmail(attributes[name]!)
    if (normalized === undefined) flags.push(kind)
    else if (kind === "phone") phoneKey = pseudonymizer.identityKey("phone", normalized)
    else emailKey = pseudonymizer.identityKey("email", normalized)
    if (pseudonymizer.enabled) delete attributes[name]
  }

  // The cluster (a manager) travels in its own column, keyed when pseudonymizing, never in the attributes.
  let clusterRaw: string | undefined
  if (rules.cluster !== undefined && rules.cluster.field in attributes) {
    const text = attributes[rules.cluster.field]!.trim()
    delete attributes[rules.cluster.field]
    if (text !== "") clusterRaw = text
  }

  const unitId = typeof fields["unit_id"] === "string" ? fields["unit_id"].trim() : fields["unit_id"]
  const unitKey = typeof unitId === "string" && unitId !== "" ? pseudonymizer.unitKey(unitId) : null
  const reject = (reason: string): RowOutcome => {
    const shown: Record<string, unknown> = { ...fields, ...(unitKey === null ? {} : { unit_id: unitKey }) }
    if (pseudonymizer.enabled) {
      for (const k of Object.keys(shown)) if (identityKind(k) !== undefined) delete shown[k]
      // ids that are not text (a JSON number) are keyed as their text: the copy keeps none raw
      if (unitKey === null && present(shown["unit_id"])) shown["unit_id"] = pseudonymizer.unitKey(textOf(shown["unit_id"]))
      if (present(shown["event_id"])) shown["event_id"] = pseudonymizer.eventKey(textOf(shown["event_id"]))
      const field = rules.cluster?.field
      if (field !== undefined && present(shown[field])) shown[field] = pseudonymizer.clusterKey(textOf(shown[field]).trim())
    }
    return {
      _tag: "Reject",
      row: { pilot_id: rules.pilotId, source, line: record.line, unit_id: unitKey, reason, raw: JSON.stringify(shown), batch_id: batchId }
    }
  }

  for (const required of ["unit_id", "type", "ts"] as const) {
    if (!present(fields[required])) return reject(`${required} is missing (every event needs unit_id, type and ts)`)
  }
  const candidate: Record<string, unknown> = { unit_id: unitId, type: fields["type"], ts: fields["ts"], attributes }
  if (present(fields["event_id"])) candidate["event_id"] = String(fields["event_id"])
  if (present(fields["variant"])) candidate["variant"] = fields["variant"]
  if (present(fields["value"])) {
    const raw = fields["value"]
    const value = typeof raw === "string" ? decimalValue(raw) : raw
    if (typeof value !== "number") {
      return reject(
        typeof raw === "string" && AMBIGUOUS_COMMA.test(raw.trim())
          ? `value ${JSON.stringify(raw)} is ambiguous (a thousand, or one with a decimal comma?): write 1000 or 1.000`
          : `value ${JSON.stringify(raw)} is not a number: write it in decimal notation (12, -3.5, 12,5 or 1e3)`
      )
    }
    const outOfRange = valueProblem(value)
    if (outOfRange !== undefined) return reject(outOfRange)
    candidate["value"] = value
  }
  const quick = decodeFast(candidate)
  const decoded = quick === undefined ? decodeIncoming(candidate) : Either.right(quick.event)
  if (Either.isLeft(decoded)) return reject(describeIssues(ParseResult.ArrayFormatter.formatErrorSync(decoded.left)))
  const event = decoded.right
  const tsMs = quick?.tsMs ?? parseTimestamp(event.ts)!

  let expectedVariant: string | null = null
  if (event.type === EXPOSURE) {
    if (event.variant === undefined) return reject("an exposure needs a variant")
    if (!rules.variants.has(event.variant)) {
      return reject(`variant "${event.variant}" is not a variant of pilot "${rules.pilotId}" (${[...rules.variants].join(", ")})`)
    }
    if (rules.cluster !== undefined && clusterRaw === undefined) {
      return reject(`an exposure of cluster-randomized pilot "${rules.pilotId}" names its ${rules.cluster.unit} in the field ${rules.cluster.field}, which is missing or empty`)
    }
    // a cluster-randomized pilot assigns the cluster: every unit of a manager sees the manager's variant
    const assigned = assign(rules.allocation, clusterRaw ?? event.unit_id)
    if (assigned._tag === "Assignment") {
      const expected = assigned.variant ?? "holdout"
      if (expected !== event.variant) expectedVariant = expected
    }
  } else if (event.type !== CONSENT) {
    const use = rules.types.get(event.type)
    if (use === undefined) {
      const known = [EXPOSURE, CONSENT, ...rules.types.keys()].join(", ")
      return reject(`event type "${event.type}" is not used by pilot "${rules.pilotId}" (expected one of: ${known})`)
    }
    if (use.needsValue && event.value === undefined) {
      const readers = use.metrics.map((m) => (m.startsWith("diagnostic ") ? m : `metric ${m}`)).join(", ")
      return reject(`event type "${event.type}" needs a numeric value (${readers} ${use.metrics.some((m) => m.startsWith("diagnostic ")) ? "reads it" : "sums or averages it"})`)
    }
  }

  const variant = event.type === EXPOSURE ? event.variant ?? null : null
  const value = event.value ?? null
  const attributesJson = canonicalJson(attributes)
  const clusterId = clusterRaw === undefined ? null : pseudonymizer.clusterKey(clusterRaw)
  // the cluster joins the row's hash only when there is one, so other pilots' ids stay as they were
  const hashed = clusterId === null ? [unitKey, event.type, variant, value, tsMs, attributesJson] : [unitKey, event.type, variant, value, tsMs, attributesJson, clusterId]
  const eventId = event.event_id !== undefined ? pseudonymizer.eventKey(event.event_id) :
    `h_${createHash("sha256").update(canonicalJson(hashed)).digest("hex").slice(0, 32)}`
  return {
    _tag: "Event",
    row: {
      pilot_id: rules.pilotId,
      event_id: eventId,
      unit_id: unitKey!,
      type: event.type,
      variant,
      value,
      ts_ms: tsMs,
      attributes: attributesJson,
      phone_key: phoneKey,
      email_key: emailKey,
      format_flags: flags.length === 0 ? null : flags.join(","),
      expected_variant: expectedVariant,
      cluster_id: clusterId,
      source,
      line: record.line,
      batch_id: batchId
    }
  }
}
