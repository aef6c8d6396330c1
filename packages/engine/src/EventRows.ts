/**
 * One incoming record (a CSV row or a JSON line) → a stored event row, or a reject with the
 * reason. Checks the row against the pilot: known event types, exposures to real variants,
 * values where a metric sums them; flags exposures that disagree with the assignment and
 * identity attributes that do not normalize.
 */
import { assign } from "@pilotproof/assignment"
import { canonicalJson, CONSENT, EXPOSURE, IncomingEvent, parseTimestamp, type PilotDefinition } from "@pilotproof/domain"
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
}

export const eventRules = (definition: PilotDefinition): EventRules => {
  const types = new Map<string, { metrics: Array<string>; needsValue: boolean }>()
  const use = (type: string, metric: string, needsValue: boolean) => {
    const entry = types.get(type) ?? { metrics: [], needsValue: false }
    entry.metrics.push(metric)
    entry.needsValue ||= needsValue
    types.set(type, entry)
  }
  for (const m of definition.metrics) {
    switch (m.type) {
      case "binomial":
        use(m.event, m.key, false)
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
  return {
    pilotId: definition.id,
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
  const tsMs = typeof ts === "string" ? parseTimestamp(ts) : undefined
  if (tsMs === undefined) return undefined
  if (event_id !== undefined && (typeof event_id !== "string" || event_id.length < 1 || event_id.length > 200)) return undefined
  if (variant !== undefined && (typeof variant !== "string" || variant.length > 32)) return undefined
  if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value))) return undefined
  if (attributes === null || typeof attributes !== "object") return undefined
  for (const v of Object.values(attributes)) if (typeof v !== "string") return undefined
  for (const k of Object.keys(c)) if (!INCOMING_KEYS.has(k)) return undefined
  const event: IncomingEvent = {
    unit_id: unit,
    type: type as string,
    ts: ts as string,
    attributes: attributes as Record<string, string>,
    ...(event_id === undefined ? {} : { event_id: event_id as string }),
    ...(variant === undefined ? {} : { variant: variant as string }),
    ...(value === undefined ? {} : { value: value as number })
  }
  return { event, tsMs }
}

export const quickDecode = (c: Record<string, unknown>): IncomingEvent | undefined => decodeFast(c)?.event
const INCOMING_KEYS = new Set(["event_id", "unit_id", "type", "variant", "value", "ts", "attributes"])

/** `""` and `null` are absent; CSV numbers may use a decimal comma (`12,5`). */
const present = (v: unknown): boolean => v !== undefined && v !== null && v !== ""
const toNumber = (v: unknown): unknown =>
  typeof v === "string" && /^\s*-?\d+(,\d+)?\s*$/.test(v) ? Number(v.replace(",", ".")) : typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v)) ? Number(v) : v

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

  const unitId = typeof fields["unit_id"] === "string" ? fields["unit_id"].trim() : fields["unit_id"]
  const unitKey = typeof unitId === "string" && unitId !== "" ? pseudonymizer.unitKey(unitId) : null
  const reject = (reason: string): RowOutcome => {
    const shown: Record<string, unknown> = { ...fields, ...(unitKey === null ? {} : { unit_id: unitKey }) }
    if (pseudonymizer.enabled) {
      for (const k of Object.keys(shown)) if (identityKind(k) !== undefined) delete shown[k]
    }
    return {
      _tag: "Reject",
      row: { pilot_id: rules.pilotId, source, line: record.line, unit_id: unitKey, reason, raw: JSON.stringify(shown), batch_id: batchId }
    }
  }

  const candidate: Record<string, unknown> = { unit_id: unitId, type: fields["type"], ts: fields["ts"], attributes }
  if (present(fields["event_id"])) candidate["event_id"] = String(fields["event_id"])
  if (present(fields["variant"])) candidate["variant"] = fields["variant"]
  if (present(fields["value"])) candidate["value"] = toNumber(fields["value"])
  const quick = decodeFast(candidate)
  const decoded = quick === undefined ? decodeIncoming(candidate) : Either.right(quick.event)
  if (Either.isLeft(decoded)) {
    return reject(
      ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
        .map((i) => `${i.path.join(".") || "row"}: ${i.message === "is missing" ? "is missing" : i.message}`)
        .join("; ")
    )
  }
  const event = decoded.right
  const tsMs = quick?.tsMs ?? parseTimestamp(event.ts)!

  let expectedVariant: string | null = null
  if (event.type === EXPOSURE) {
    if (event.variant === undefined) return reject("an exposure needs a variant")
    if (!rules.variants.has(event.variant)) {
      return reject(`variant "${event.variant}" is not a variant of pilot "${rules.pilotId}" (${[...rules.variants].join(", ")})`)
    }
    const assigned = assign(rules.allocation, event.unit_id)
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
      return reject(`event type "${event.type}" needs a numeric value (metric ${use.metrics.join(", ")} sums or averages it)`)
    }
  }

  const variant = event.type === EXPOSURE ? event.variant ?? null : null
  const value = event.value ?? null
  const attributesJson = canonicalJson(attributes)
  const eventId = event.event_id ??
    `h_${createHash("sha256").update(canonicalJson([unitKey, event.type, variant, value, tsMs, attributesJson])).digest("hex").slice(0, 32)}`
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
      source,
      line: record.line,
      batch_id: batchId
    }
  }
}
