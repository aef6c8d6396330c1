/**
 * CRM connectors: registering one per CRM account, receiving its webhooks, and reading its
 * standard export. A delivery is authenticated the source's way before anything of it is kept
 * (a URL secret or Bitrix24's application token compared in constant time, HubSpot's v3
 * signature within five minutes, Salesforce's organization id and URL secret), parsed, mapped
 * through each running pilot's frozen `crm:` mapping for the connector, checked like every
 * other event (`toEventRow`: pseudonymized, types and values checked) and written in one
 * transaction, rejects with it. Only then is the sender answered: a 2xx (Salesforce: its Ack)
 * means it is stored; re-delivering it changes nothing (an event is one per entity and event
 * type, `mappedEventId`, the earliest time kept).
 */
import {
  type AmoCrmAccount,
  AMOCRM_EXPORT,
  BITRIX24_EXPORT,
  bitrix24DealRecord,
  type CrmProblem,
  type CrmRecord,
  exportRecord,
  type ExportColumns,
  HUBSPOT_EXPORT,
  isProblem,
  MalformedDelivery,
  mapRecord,
  missingExportColumns,
  newSecret,
  offsetMinutes,
  parseAmoCrmWebhook,
  parseBitrix24Webhook,
  parseHubSpotWebhook,
  parseSalesforceMessage,
  resolveColumns,
  SALESFORCE_ACK,
  SALESFORCE_EXPORT,
  salesforceFault,
  secretHash,
  secretMatches,
  verifyHubSpot
} from "@pilotproof/connectors"
import { ConnectorId, CRM_SOURCES, type CrmMapping, type CrmSource, InputError, type Pilot, type PilotNotFound, type StorageError } from "@pilotproof/domain"
import { type ConnectorRow, ConnectorRepo, type DeliveryPart, EventRepo, PilotRepo, type RejectRow } from "@pilotproof/store"
import { Clock, Effect, Either, Option, ParseResult, Schema, Stream } from "effect"
import { createHash, randomUUID } from "node:crypto"
import { Bitrix24Rest } from "./Bitrix24Rest.js"
import { eventRules, type EventRules, type SourceItem, storableText, toEventRow, UNSTORED_RAW } from "./EventRows.js"
import { identityKind, normalizeEmail, normalizePhone } from "./Identity.js"
import { nowIso } from "./Now.js"
import { Pseudonymizer } from "./Pseudonymizer.js"
import { Snapshots } from "./Snapshots.js"

export const isCrmSource = (value: string): value is CrmSource => (CRM_SOURCES as ReadonlyArray<string>).includes(value)

/** What a webhook endpoint hears: the request as the sender signed it. */
export interface WebhookRequest {
  readonly source: string
  readonly connectorId: string
  readonly method: string
  /** The full URL the sender called (scheme, host, path, query): HubSpot signs it. */
  readonly uri: string
  readonly query: Readonly<Record<string, string | undefined>>
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: string
}

/** What the endpoint answers. */
export interface WebhookAnswer {
  readonly status: number
  readonly contentType: string
  readonly body: string
}

export interface DeliveryCounts {
  readonly records: number
  readonly accepted: number
  readonly duplicates: number
  readonly rejected: number
  /** Records at a stage no pilot reads (most of a CRM's changes), or for no running pilot. */
  readonly ignored: number
  readonly pilots: ReadonlyArray<string>
  /** Bitrix24 deals whose fetch failed, kept to fetch again. */
  readonly pending: number
}

const CONTENT_TYPES: Record<CrmSource, { readonly test: RegExp; readonly expected: string }> = {
  amocrm: { test: /^application\/x-www-form-urlencoded\b/i, expected: "application/x-www-form-urlencoded" },
  bitrix24: { test: /^application\/x-www-form-urlencoded\b/i, expected: "application/x-www-form-urlencoded" },
  hubspot: { test: /^application\/json\b/i, expected: "application/json" },
  salesforce: { test: /^(?:text\/xml|application\/soap\+xml|application\/xml)\b/i, expected: "text/xml" }
}

const EXPORTS: Record<CrmSource, ExportColumns> = {
  amocrm: AMOCRM_EXPORT,
  bitrix24: BITRIX24_EXPORT,
  hubspot: HUBSPOT_EXPORT,
  salesforce: SALESFORCE_EXPORT
}

/** How often a Bitrix24 deal whose fetch keeps failing is tried (a day of the server's minutely retries). */
export const MAX_FETCH_ATTEMPTS = 1440

/** A field that names a person's phone or e-mail (`phone`, `contact_phone`, `Work email`): normalized before it is a unit id. */
const unitKind = (field: string): "phone" | "email" | undefined =>
  identityKind(field) ?? (/phone$/i.test(field) ? "phone" : /e_?mail$/i.test(field) ? "email" : undefined)

const json = (status: number, body: unknown): WebhookAnswer => ({ status, contentType: "application/json", body: JSON.stringify(body) })

/** The answer to a refused delivery, in the sender's own terms (Salesforce: a SOAP fault). */
export const webhookRefusal = (source: string, status: number, tag: string, message: string): WebhookAnswer =>
  source === "salesforce"
    ? { status, contentType: "text/xml; charset=utf-8", body: salesforceFault(message) }
    : json(status, { _tag: tag, message })

/** A body's hash: what identifies the problems of a delivery that name no record. */
const bodyHash = (body: string): string => createHash("sha256").update(body).digest("hex").slice(0, 16)

export interface RegisterConnector {
  readonly id: string
  readonly source: string
  readonly name?: string | undefined
  /** HubSpot: the app's client secret; Bitrix24: the application token. */
  readonly secret?: string | undefined
  /** Bitrix24: the inbound webhook URL of the portal's REST. */
  readonly portalUrl?: string | undefined
  /** Salesforce: the organization id (required); amoCRM: the account id; Bitrix24: the portal's domain; HubSpot: the portal id. */
  readonly account?: string | undefined
}

export interface RegisteredConnector {
  readonly id: string
  readonly source: CrmSource
  readonly name: string
  /** The path the CRM posts to; with `?secret=…` for amoCRM and Salesforce (shown once). */
  readonly webhookPath: string
  readonly urlSecret?: string
}

export class Connectors extends Effect.Service<Connectors>()("@pilotproof/engine/Connectors", {
  effect: Effect.gen(function*() {
    const repo = yield* ConnectorRepo
    const pilots = yield* PilotRepo
    const events = yield* EventRepo
    const pseudonymizer = yield* Pseudonymizer
    const rest = yield* Bitrix24Rest
    const snapshots = yield* Snapshots

    const register = Effect.fn("Connectors.register")(function*(input: RegisterConnector) {
      const where = `connector ${input.id}`
      const badId = Either.getLeft(Schema.decodeUnknownEither(ConnectorId)(input.id))
      if (Option.isSome(badId)) return yield* new InputError({ source: where, detail: ParseResult.TreeFormatter.formatErrorSync(badId.value) })
      if (!isCrmSource(input.source)) {
        return yield* new InputError({ source: where, detail: `source must be one of ${CRM_SOURCES.join(", ")}; got ${JSON.stringify(input.source)}` })
      }
      const source = input.source
      const secret = input.secret?.trim()
      if ((source === "hubspot" || source === "bitrix24") && (secret === undefined || secret === "")) {
        return yield* new InputError({
          source: where,
          detail: source === "hubspot"
            ? "a HubSpot connector needs the app's client secret (--secret): it checks every delivery's X-HubSpot-Signature-v3"
            : "a Bitrix24 connector needs the application token Bitrix24 shows for the handler (--secret): it checks every delivery's auth[application_token]"
        })
      }
      if (source === "bitrix24") {
        const portal = input.portalUrl?.trim()
        let ok = false
        try {
          ok = portal !== undefined && /^https?:$/.test(new URL(portal).protocol)
        } catch {
          ok = false
        }
        if (!ok) return yield* new InputError({ source: where, detail: "a Bitrix24 connector needs --portal, the inbound webhook URL of its REST (https://<portal>/rest/<user>/<code>/): the webhook names only the deal, which is fetched from there" })
      }
      if (source === "salesforce" && (input.account === undefined || !/^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/.test(input.account.trim()))) {
        return yield* new InputError({ source: where, detail: "a Salesforce connector needs --account, the organization id (00D…, 15 or 18 characters): every outbound message's OrganizationId is checked against it" })
      }
      const urlSecret = source === "amocrm" || source === "salesforce" ? newSecret() : undefined
      const row: ConnectorRow = {
        id: input.id,
        source,
        name: input.name?.trim() || input.id,
        secret_hash: urlSecret !== undefined ? secretHash(urlSecret) : source === "bitrix24" ? secretHash(secret!) : null,
        signing_secret: source === "hubspot" ? secret! : null,
        portal_url: source === "bitrix24" ? input.portalUrl!.trim() : null,
        account: input.account?.trim() || null,
        created_at: yield* nowIso,
        revoked_at: null
      }
      const inserted = yield* repo.insert(row)
      if (!inserted) return yield* new InputError({ source: where, detail: "a connector with this id exists already; choose another id, or revoke it first" })
      const path = `/api/connectors/${source}/${input.id}`
      return {
        id: row.id,
        source,
        name: row.name,
        webhookPath: urlSecret === undefined ? path : `${path}?secret=${urlSecret}`,
        ...(urlSecret === undefined ? {} : { urlSecret })
      } satisfies RegisteredConnector
    })

    /** The running pilots whose frozen design maps this connector (as the source it is), with their rules. */
    const mappedPilots = (connector: ConnectorRow) =>
      Effect.map(pilots.list(), (all) =>
        all.flatMap((pilot: Pilot) => {
          const mapping = pilot.definition.crm?.find((m) => m.connector === connector.id && m.source === connector.source)
          return pilot.status === "running" && mapping !== undefined ? [{ pilot, mapping, rules: eventRules(pilot.definition) }] : []
        }))

    /**
     * What keeps a pilot's crm: mappings from receiving anything: a connector not registered, revoked,
     * or registered for another CRM. Said when the pilot starts; webhooks cannot say it.
     */
    const mappingProblems = Effect.fn("Connectors.mappingProblems")(function*(pilotId: string) {
      const pilot = yield* pilots.get(pilotId)
      const problems: Array<string> = []
      for (const mapping of pilot.definition.crm ?? []) {
        const connector = yield* repo.get(mapping.connector)
        if (connector === undefined) problems.push(`crm: connector ${mapping.connector} is not registered, so ${mapping.source} has no webhook URL to send to yet (pilotproof connector add ${mapping.connector} --source ${mapping.source})`)
        else if (connector.revoked_at !== null) problems.push(`crm: connector ${mapping.connector} was revoked: its webhooks are refused`)
        else if (connector.source !== mapping.source) problems.push(`crm: connector ${mapping.connector} is a ${connector.source} connector, but the mapping reads ${mapping.source}: none of its webhooks will map`)
      }
      return problems
    })

    /** The unit id a mapped record names, normalized when it is a phone or an e-mail. */
    const unitText = (mapping: CrmMapping, value: string): string | undefined => {
      const kind = unitKind(mapping.unit)
      return kind === "phone" ? normalizePhone(value) : kind === "email" ? normalizeEmail(value) : value
    }

    /**
     * A record through a mapping, with each event's unit id normalized (the webhook and the
     * export path alike): ignored, rejected, or its events — each read, or unreadable with why.
     */
    const mapWithUnits = (record: CrmRecord, mapping: CrmMapping) => {
      const outcome = mapRecord(record, mapping)
      if (outcome._tag !== "Events") return outcome
      return {
        _tag: "Events" as const,
        events: outcome.events.map((event) => {
          const unit = unitText(mapping, event.unit_id)
          return unit === undefined
            ? { _tag: "Unreadable" as const, reason: `${record.entity} (item ${record.position}): its ${mapping.unit} is not a ${unitKind(mapping.unit)} that can be read` }
            : { _tag: "Event" as const, type: event.type, fields: { ...event, unit_id: unit } }
        })
      }
    }

    /**
     * A reject's own tag, from what it is about (the record and the reason), never from the
     * delivery that brought it: a retry batched differently meets the same rejects, two deliveries
     * with different problems never share one. Keyed when pseudonymizing (ids are guessable).
     */
    const rejectTag = (identity: string) =>
      pseudonymizer.enabled ? pseudonymizer.eventKey(identity).slice(2, 18) : createHash("sha256").update(identity).digest("hex").slice(0, 16)

    /** What a reject keeps of a record: where it came from, its ids keyed when pseudonymizing. */
    const recordRaw = (r: { readonly entity?: string; readonly id?: string | undefined; readonly stage?: string | undefined; readonly pipeline?: string | undefined }) =>
      JSON.stringify({
        ...(r.entity === undefined ? {} : { entity: r.entity }),
        ...(r.id === undefined ? {} : { id: pseudonymizer.unitKey(r.id) }),
        ...(r.stage === undefined ? {} : { stage: r.stage }),
        ...(r.pipeline === undefined ? {} : { pipeline: r.pipeline })
      })

    /**
     * Records (and the problems beside them) through one pilot's mapping into event rows and
     * rejects. `source` names the connector in the events; each reject is `source#tag`, line 1,
     * its tag from what it is about (`rejectTag`; `fixedTag` for a failed fetch).
     */
    const mapForPilot = (
      target: { readonly pilot: Pilot; readonly mapping: CrmMapping; readonly rules: EventRules },
      records: ReadonlyArray<CrmRecord>,
      problems: ReadonlyArray<CrmProblem>,
      source: string,
      delivery: { readonly bodyHash: string; readonly fixedTag?: string | undefined },
      batchId: string
    ) => {
      const rows: Array<DeliveryPart["rows"][number]> = []
      const rejects: Array<RejectRow> = []
      let ignored = 0
      const reject = (identity: string, reason: string, raw: string, id: string | undefined) =>
        rejects.push({
          pilot_id: target.pilot.id,
          source: `${source}#${delivery.fixedTag ?? rejectTag(`${identity}\u0000${reason}`)}`,
          line: 1,
          // the record's own id is the unit when the mapping says so: erasure finds it by key
          unit_id: id !== undefined && target.mapping.unit === "id" ? pseudonymizer.unitKey(id) : null,
          reason: storableText(reason),
          raw,
          batch_id: batchId
        })
      for (const p of problems) {
        reject(p.id === undefined ? `${delivery.bodyHash}:${p.position}` : `id:${p.id}`, p.reason, p.id === undefined ? "{}" : recordRaw({ id: p.id }), p.id)
      }
      for (const record of records) {
        const outcome = mapWithUnits(record, target.mapping)
        if (outcome._tag === "Ignored") {
          ignored++
          continue
        }
        const identity = `${record.entity}:${record.id}:${record.stage ?? ""}:${record.occurredAt}`
        if (outcome._tag === "Rejected") {
          reject(identity, outcome.reason, recordRaw(record), record.id)
          continue
        }
        for (const event of outcome.events) {
          if (event._tag === "Unreadable") {
            reject(identity, event.reason, recordRaw(record), record.id)
            continue
          }
          const row = toEventRow({ line: record.position, fields: event.fields }, target.rules, pseudonymizer, source, batchId)
          if (row._tag === "Event") rows.push(row.row)
          else reject(`${identity}:${event.type}`, row.row.reason, recordRaw(record), record.id)
        }
      }
      return { rows, rejects, ignored }
    }

    /** Writes records to every pilot mapping the connector, in one transaction. */
    const deliver = Effect.fn("Connectors.deliver")(function*(
      connector: ConnectorRow,
      records: ReadonlyArray<CrmRecord>,
      problems: ReadonlyArray<CrmProblem>,
      delivery: { readonly bodyHash: string; readonly fixedTag?: string | undefined; readonly skipped?: number | undefined },
      pending: {
        readonly add?: { readonly entityId: string; readonly error: string; readonly retryable: boolean }
        /** A deal no longer pending; `resolved`: fetched, so its failed fetches' rejects go too. */
        readonly remove?: { readonly entityId: string; readonly resolved: boolean }
      } = {}
    ) {
      const targets = yield* mappedPilots(connector)
      const source = `${connector.source}:${connector.id}`
      const now = yield* nowIso
      let ignored = (targets.length === 0 ? records.length : 0) + (delivery.skipped ?? 0)
      const parts: Array<DeliveryPart> = []
      for (const target of targets) {
        const batchId = randomUUID()
        const mapped = mapForPilot(target, records, problems, source, delivery, batchId)
        ignored = Math.max(ignored, mapped.ignored + (delivery.skipped ?? 0))
        parts.push({ pilotId: target.pilot.id, source, batchId, rows: mapped.rows, rejects: mapped.rejects })
      }
      const also = Effect.gen(function*() {
        if (pending.add?.retryable === true) yield* repo.addPending(connector.id, pending.add.entityId, now, pending.add.error)
        if (pending.remove !== undefined) {
          yield* repo.removePending(connector.id, pending.remove.entityId, pending.remove.resolved ? `${source}#${fetchTag(pending.remove.entityId)}` : undefined)
        }
      })
      const written = yield* events.writeDelivery(parts, now, also)
      for (const part of parts) if (part.rows.length + part.rejects.length > 0) yield* snapshots.refreshSoon(part.pilotId)
      return {
        records: records.length,
        accepted: written.reduce((n, w) => n + w.inserted, 0),
        duplicates: written.reduce((n, w) => n + w.duplicates, 0),
        rejected: parts.reduce((n, p) => n + p.rejects.length, 0),
        ignored,
        pilots: parts.map((p) => p.pilotId),
        pending: pending.add?.retryable === true ? 1 : 0
      } satisfies DeliveryCounts
    })

    /** The tag of a deal's failed fetches (its rejects' source): from its key, never its id. */
    const fetchTag = (dealId: string) => `fetch-${createHash("sha256").update(pseudonymizer.unitKey(dealId)).digest("hex").slice(0, 16)}`

    /**
     * A Bitrix24 deal fetched and delivered; or, when the fetch failed, a reject saying so and —
     * unless the portal refused for good (the deal is gone, the webhook URL is wrong) — the deal
     * kept to fetch again, at most `MAX_FETCH_ATTEMPTS` times.
     */
    const deliverBitrixDeal = (connector: ConnectorRow, dealId: string, position: number, attempts = 0): Effect.Effect<DeliveryCounts, StorageError | PilotNotFound> =>
      Effect.gen(function*() {
        const fetched = yield* rest.getDeal(connector.portal_url ?? "", dealId)
        const bodyHash = fetchTag(dealId)
        if (fetched._tag === "Deal") {
          const record = bitrix24DealRecord(fetched.deal, position)
          const remove = { entityId: dealId, resolved: true }
          if (typeof record !== "string") return yield* deliver(connector, [record], [], { bodyHash }, { remove })
          return yield* deliver(connector, [], [{ position, id: dealId, reason: `crm.deal.get: ${record}` }], { bodyHash }, { remove })
        }
        const retryable = fetched.retryable === true && attempts + 1 < MAX_FETCH_ATTEMPTS
        const reason = retryable
          ? `the deal could not be fetched (${fetched.error}); it is kept and fetched again every minute by pilotproof serve, or now by: pilotproof connector retry ${connector.id}`
          : `the deal could not be fetched (${fetched.error})${fetched.retryable === true ? `, ${MAX_FETCH_ATTEMPTS} times: given up` : ""}; deliver it again from Bitrix24 once that is fixed`
        return yield* deliver(connector, [], [{ position, id: dealId, reason }], { bodyHash, fixedTag: fetchTag(dealId) }, {
          ...(retryable ? {} : { remove: { entityId: dealId, resolved: false } }),
          add: { entityId: dealId, error: fetched.error ?? "unknown", retryable }
        })
      })

    const receive = Effect.fn("Connectors.receive")(function*(request: WebhookRequest) {
      const { source } = request
      if (!isCrmSource(source)) {
        return json(404, { _tag: "NotFound", message: `no CRM source "${source.slice(0, 40)}": connectors exist for ${CRM_SOURCES.join(", ")}` })
      }
      const connector = yield* repo.get(request.connectorId)
      if (connector === undefined || connector.revoked_at !== null || connector.source !== source) {
        return webhookRefusal(source, 404, "NotFound", `no active ${source} connector "${request.connectorId.slice(0, 64)}"; register one with: pilotproof connector add`)
      }
      if (request.method !== "POST") return webhookRefusal(source, 405, "MethodNotAllowed", "webhooks are POSTed")
      const unauthorized = (why: string) => webhookRefusal(source, 401, "Unauthorized", `the delivery is not authenticated: ${why}; nothing was stored`)

      // Authentication first: nothing of an unauthenticated request is kept, not even a reject.
      if (source === "amocrm" || source === "salesforce") {
        if (!secretMatches(request.query["secret"], connector.secret_hash ?? "")) return unauthorized("the URL's secret is missing or wrong")
      } else if (source === "hubspot") {
        const check = verifyHubSpot(connector.signing_secret ?? "", {
          method: request.method,
          uri: request.uri,
          body: request.body,
          signature: request.headers["x-hubspot-signature-v3"],
          timestamp: request.headers["x-hubspot-request-timestamp"]
        }, yield* Clock.currentTimeMillis)
        if (!check.ok) return unauthorized(check.reason)
      }
      const type = request.headers["content-type"] ?? ""
      if (!CONTENT_TYPES[source].test.test(type.trim())) {
        return webhookRefusal(source, 415, "UnsupportedMediaType", `${source} webhooks are ${CONTENT_TYPES[source].expected}, not ${JSON.stringify(type.slice(0, 80))}`)
      }

      if (source === "bitrix24") {
        let notice
        try {
          notice = parseBitrix24Webhook(request.body)
        } catch (e) {
          // the token is in the body: a body that cannot be read cannot be authenticated
          if (e instanceof MalformedDelivery) return unauthorized(`the body cannot be read (${e.reason}), so its auth[application_token] cannot be checked`)
          throw e
        }
        if (!secretMatches(notice.applicationToken, connector.secret_hash ?? "")) return unauthorized("auth[application_token] is missing or not the connector's")
        if (connector.account !== null && notice.domain !== undefined && notice.domain !== connector.account) {
          return unauthorized(`auth[domain] ${JSON.stringify(notice.domain.slice(0, 80))} is not the connector's portal`)
        }
        if (notice.dealId === undefined) {
          // another event the handler is subscribed to (ONCRMDEALDELETE, contacts): answered, skipped
          return json(200, { records: 0, accepted: 0, duplicates: 0, rejected: 0, ignored: 1, pilots: [], pending: 0 } satisfies DeliveryCounts)
        }
        return json(200, yield* deliverBitrixDeal(connector, notice.dealId, 1))
      }

      let parsed: { readonly records: ReadonlyArray<CrmRecord>; readonly problems: ReadonlyArray<CrmProblem>; readonly skipped?: number | undefined }
      try {
        if (source === "amocrm") {
          const delivery = parseAmoCrmWebhook(request.body)
          if (connector.account !== null && !accountMatches(delivery.account, connector.account)) {
            return unauthorized(`account ${JSON.stringify((delivery.account.id ?? delivery.account.subdomain ?? "").slice(0, 40))} is not the connector's account`)
          }
          parsed = delivery
        } else if (source === "hubspot") {
          const delivery = parseHubSpotWebhook(request.body)
          // one app's secret signs every portal that installed it: only the connector's portal counts
          parsed = connector.account === null ? delivery : { ...delivery, records: delivery.records.filter((r) => r.fields["portalId"] === connector.account) }
          if (parsed.records.length < delivery.records.length) parsed = { ...parsed, skipped: (delivery.skipped ?? 0) + delivery.records.length - parsed.records.length }
        } else {
          const message = parseSalesforceMessage(request.body)
          if (message.organizationId === undefined || message.organizationId.slice(0, 15) !== (connector.account ?? "").slice(0, 15)) {
            return unauthorized("the message's OrganizationId is not the connector's organization")
          }
          parsed = message
        }
      } catch (e) {
        if (!(e instanceof MalformedDelivery)) throw e
        // authenticated but unreadable: kept as a reject (its text only where ids are not keyed)
        const raw = pseudonymizer.enabled ? UNSTORED_RAW : storableText(request.body.slice(0, 2000))
        const kept = yield* keepMalformed(connector, e.reason, raw, rejectTag(`body:${bodyHash(request.body)}`))
        return webhookRefusal(source, 400, "MalformedDelivery", `${source} delivery not read: ${e.reason}${kept > 0 ? "; kept as a rejected row" : ""}`)
      }
      const counts = yield* deliver(connector, parsed.records, parsed.problems, { bodyHash: bodyHash(request.body), skipped: parsed.skipped })
      return source === "salesforce" ? { status: 200, contentType: "text/xml; charset=utf-8", body: SALESFORCE_ACK } : json(200, counts)
    })

    /** A delivery that could not be read, kept as one reject in every pilot mapping the connector. */
    const keepMalformed = (connector: ConnectorRow, reason: string, raw: string, tag: string) =>
      Effect.gen(function*() {
        const targets = yield* mappedPilots(connector)
        const source = `${connector.source}:${connector.id}`
        const now = yield* nowIso
        if (targets.length === 0) return 0
        yield* events.writeDelivery(targets.map((t) => {
          const batchId = randomUUID()
          return {
            pilotId: t.pilot.id,
            source,
            batchId,
            rows: [],
            rejects: [{ pilot_id: t.pilot.id, source: `${source}#${tag}`, line: 1, unit_id: null, reason: `not a readable ${connector.source} delivery: ${reason}`, raw, batch_id: batchId }]
          }
        }), now)
        return targets.length
      })

    /** Fetches the connector's pending Bitrix24 deals again; what each gave. */
    const retry = Effect.fn("Connectors.retry")(function*(connectorId: string) {
      const connector = yield* repo.get(connectorId)
      if (connector === undefined) return yield* new InputError({ source: `connector ${connectorId}`, detail: "no such connector (pilotproof connector list)" })
      if (connector.source !== "bitrix24") return yield* new InputError({ source: `connector ${connectorId}`, detail: `only Bitrix24 connectors fetch deals; this one is ${connector.source}` })
      if (connector.revoked_at !== null) return yield* new InputError({ source: `connector ${connectorId}`, detail: "the connector is revoked; register it again to fetch its deals" })
      const waiting = yield* repo.pending(connectorId)
      let fetched = 0
      let failed = 0
      for (const p of waiting) {
        const counts = yield* deliverBitrixDeal(connector, p.entity_id, 1, p.attempts)
        if (counts.pending === 0) fetched++
        else failed++
      }
      return { connector: connectorId, pending: waiting.length, fetched, failed }
    })

    /** Fetches again every active Bitrix24 connector's pending deals (the server does this every minute). */
    const retryAll = Effect.fn("Connectors.retryAll")(function*() {
      const bitrix = (yield* repo.list()).filter((c) => c.source === "bitrix24" && c.revoked_at === null)
      return yield* Effect.forEach(bitrix, (c) => retry(c.id))
    })

    const list = Effect.fn("Connectors.list")(function*() {
      const rows = yield* repo.list()
      return rows.map((r) => ({ id: r.id, source: r.source, name: r.name, account: r.account, created_at: r.created_at, revoked_at: r.revoked_at }))
    })

    const revoke = Effect.fn("Connectors.revoke")(function*(connectorId: string) {
      const done = yield* repo.revoke(connectorId, yield* nowIso)
      if (!done) return yield* new InputError({ source: `connector ${connectorId}`, detail: "no active connector has this id" })
      return connectorId
    })

    /**
     * A CRM's standard CSV export as the import's records: each row through the pilot's mapping
     * for that source (the one of `connectorId`, or its only one), rows that map to no event
     * counted as ignored, rows that cannot be read kept as rejects with their line.
     */
    const exportBatches = Effect.fn("Connectors.exportBatches")(function*(
      pilotId: string,
      source: string,
      rows: Stream.Stream<ReadonlyArray<{ readonly line: number; readonly fields: Readonly<Record<string, string>> } | { readonly line: number; readonly reason: string; readonly raw: string }>, InputError>,
      headers: ReadonlyArray<string>,
      options: { readonly connectorId?: string | undefined; readonly utcOffset?: string | undefined; readonly file: string }
    ) {
      if (!isCrmSource(source)) return yield* new InputError({ source: options.file, detail: `--from must be one of ${CRM_SOURCES.join(", ")}; got ${JSON.stringify(source)}` })
      const pilot = yield* pilots.get(pilotId)
      const candidates = (pilot.definition.crm ?? []).filter((m) => m.source === source && (options.connectorId === undefined || m.connector === options.connectorId))
      if (candidates.length !== 1) {
        return yield* new InputError({
          source: options.file,
          detail: candidates.length === 0
            ? `pilot "${pilotId}" has no crm mapping for ${source}${options.connectorId === undefined ? "" : ` connector ${options.connectorId}`}: add one to its crm: section`
            : `pilot "${pilotId}" maps ${candidates.length} ${source} connectors (${candidates.map((c) => c.connector).join(", ")}): name one with --connector`
        })
      }
      const mapping = candidates[0]!
      const offset = options.utcOffset === undefined ? undefined : offsetMinutes(options.utcOffset.trim())
      if (options.utcOffset !== undefined && offset === undefined) {
        return yield* new InputError({ source: options.file, detail: `--utc-offset ${JSON.stringify(options.utcOffset)} is not an offset such as +03:00 or -05:00` })
      }
      const columns = EXPORTS[source]
      const missing = missingExportColumns(columns, headers)
      if (missing !== undefined) return yield* new InputError({ source: options.file, detail: `${missing}; nothing was imported` })
      const resolved = resolveColumns(columns, headers)
      const counts = { ignored: 0 }
      const batches = Stream.map(rows, (items) => {
        const out: Array<SourceItem> = []
        for (const item of items) {
          if ("reason" in item) {
            out.push(item)
            continue
          }
          const record = exportRecord(columns, resolved, item.fields, item.line, offset)
          if (isProblem(record)) {
            out.push({ line: item.line, reason: record.reason, raw: recordRaw({ id: record.id }) })
            continue
          }
          const outcome = mapWithUnits(record, mapping)
          if (outcome._tag === "Ignored") counts.ignored++
          else if (outcome._tag === "Rejected") out.push({ line: item.line, reason: outcome.reason, raw: recordRaw(record) })
          else {
            for (const event of outcome.events) {
              out.push(event._tag === "Event" ? { line: item.line, fields: event.fields } : { line: item.line, reason: event.reason, raw: recordRaw(record) })
            }
          }
        }
        return out
      })
      return { batches, ignored: () => counts.ignored, mapping }
    })

    return { register, receive, retry, retryAll, list, revoke, exportBatches, mappingProblems } as const
  }),
  dependencies: [ConnectorRepo.Default, PilotRepo.Default, EventRepo.Default, Pseudonymizer.Default]
}) {}

const accountMatches = (account: AmoCrmAccount, expected: string): boolean =>
  account.id === expected || account.subdomain === expected
