/**
 * HubSpot: webhook deliveries are JSON arrays of events (`eventId`, `subscriptionType`,
 * `objectId`, `propertyName`, `propertyValue`, `occurredAt` in epoch ms, `attemptNumber`), sent in
 * batches, retried for up to three days and not in order. Each is signed (v3): base64 of
 * HMAC-SHA256, keyed with the app's client secret, over method + URI + body + the
 * `X-HubSpot-Request-Timestamp` header; a timestamp older than five minutes is refused.
 * A deal's stage arrives as `deal.propertyChange` of `dealstage` (stage ids are unique across
 * pipelines, so no pipeline is needed); other subscriptions carry no stage.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import type { ExportColumns } from "./ExportRow.js"
import { bare, type CrmProblem, type CrmRecord, MalformedDelivery, type ParsedDelivery } from "./CrmRecord.js"

/** How old a signed request may be (HubSpot's own rule). */
export const HUBSPOT_MAX_AGE_MS = 5 * 60_000

/** The v3 signature of a request: base64(HMAC-SHA256(secret, method + uri + body + timestamp)). */
export const hubSpotSignature = (secret: string, method: string, uri: string, body: string, timestamp: string): string =>
  createHmac("sha256", secret).update(`${method}${uri}${body}${timestamp}`, "utf8").digest("base64")

/** The characters HubSpot's validation guide decodes in the URI before signing. */
const SIGNED_DECODES: Readonly<Record<string, string>> = {
  "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";"
}

export const decodeSignedUri = (uri: string): string => uri.replace(/%(?:3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => SIGNED_DECODES[m.toUpperCase()]!)

export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string }

/**
 * Checks a v3 signature in constant time, and the timestamp's age against `now`. HubSpot signs
 * the full URL (scheme, host, path, query) with a handful of percent-encoded characters decoded
 * (`decodeSignedUri`); the URI is checked decoded and, failing that, as given.
 */
export const verifyHubSpot = (
  secret: string,
  request: { readonly method: string; readonly uri: string; readonly body: string; readonly signature: string | undefined; readonly timestamp: string | undefined },
  now: number
): SignatureCheck => {
  if (request.signature === undefined || request.signature === "") return { ok: false, reason: "no X-HubSpot-Signature-v3 header" }
  if (request.timestamp === undefined || !/^\d{10,13}$/.test(request.timestamp)) return { ok: false, reason: "no valid X-HubSpot-Request-Timestamp header" }
  const age = now - Number(request.timestamp)
  if (age > HUBSPOT_MAX_AGE_MS) return { ok: false, reason: `the request timestamp is ${Math.round(age / 1000)} s old; HubSpot signatures are valid for 5 minutes` }
  if (age < -HUBSPOT_MAX_AGE_MS) return { ok: false, reason: "the request timestamp is more than 5 minutes in the future" }
  const given = Buffer.from(request.signature, "utf8")
  const matches = (uri: string) => {
    const expected = Buffer.from(hubSpotSignature(secret, request.method, uri, request.body, request.timestamp!), "utf8")
    return expected.length === given.length && timingSafeEqual(expected, given)
  }
  const decoded = decodeSignedUri(request.uri)
  return matches(decoded) || (decoded !== request.uri && matches(request.uri)) ? { ok: true } : { ok: false, reason: "the X-HubSpot-Signature-v3 does not match" }
}

const MAX_EVENTS = 1000

export const parseHubSpotWebhook = (body: string): ParsedDelivery => {
  let value: unknown
  try {
    // ids past 2^53 (new portals' object ids) would lose digits as numbers: read them as text
    value = JSON.parse(body.replace(/("(?:objectId|eventId|portalId|subscriptionId|appId)"\s*:\s*)(\d{16,})(?=\s*[,}])/g, '$1"$2"'))
  } catch {
    throw new MalformedDelivery("the body is not JSON: HubSpot sends a JSON array of events")
  }
  if (!Array.isArray(value)) throw new MalformedDelivery("the body is not a JSON array of events")
  if (value.length > MAX_EVENTS) throw new MalformedDelivery(`${value.length} events in one delivery; at most ${MAX_EVENTS} are read (HubSpot sends up to 100)`)
  const records: Array<CrmRecord> = []
  const problems: Array<CrmProblem> = []
  value.forEach((event: unknown, i) => {
    const position = i + 1
    if (event === null || typeof event !== "object" || Array.isArray(event)) {
      problems.push({ position, reason: `event ${position} is not an object` })
      return
    }
    const e = event as Record<string, unknown>
    const id = typeof e["objectId"] === "number" || typeof e["objectId"] === "string" ? String(e["objectId"]) : undefined
    const eventId = typeof e["eventId"] === "number" || typeof e["eventId"] === "string" ? String(e["eventId"]) : undefined
    // a real moment: from 2000 to 2100 (Date cannot even print 9e15)
    const occurredAt = typeof e["occurredAt"] === "number" && Number.isSafeInteger(e["occurredAt"]) && e["occurredAt"] >= 946_684_800_000 && e["occurredAt"] < 4_102_444_800_000
      ? e["occurredAt"]
      : undefined
    const type = typeof e["subscriptionType"] === "string" ? e["subscriptionType"] : undefined
    if (eventId === undefined) return problems.push({ position, id, reason: `event ${position} has no eventId` })
    if (id === undefined) return problems.push({ position, reason: `event ${position} has no objectId` })
    if (occurredAt === undefined) return problems.push({ position, id, reason: `event ${position} has no occurredAt in epoch milliseconds between 2000 and 2100` })
    if (type === undefined) return problems.push({ position, id, reason: `event ${position} has no subscriptionType` })
    const fields = bare<string>()
    for (const [k, v] of Object.entries(e)) if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") fields[k] = String(v)
    const isStage = type.endsWith(".propertyChange") && e["propertyName"] === "dealstage" && typeof e["propertyValue"] === "string"
    const stage = isStage ? (e["propertyValue"] as string) : undefined
    fields["id"] = id
    if (stage !== undefined) fields["stage"] = stage
    // a property change carries its value: `amount` when that is the property
    if (type.endsWith(".propertyChange") && typeof e["propertyName"] === "string" && typeof e["propertyValue"] === "string") {
      fields[e["propertyName"]] ??= e["propertyValue"]
    }
    const portal = typeof e["portalId"] === "number" || typeof e["portalId"] === "string" ? String(e["portalId"]) : ""
    records.push({
      source: "hubspot",
      entity: type.split(".")[0] ?? "deal",
      id,
      stage,
      pipeline: undefined,
      occurredAt,
      key: `${portal}:${eventId}`,
      fields,
      position
    })
  })
  return { records, problems }
}

/** HubSpot's deals export (CRM → Deals → Export, CSV): labels as headers, stage as its label. */
export const HUBSPOT_EXPORT: ExportColumns = {
  source: "hubspot",
  entity: "deal",
  id: "id",
  stage: "dealstage",
  pipeline: "pipeline",
  times: ["closedate", "hs_lastmodifieddate", "createdate"],
  fields: {
    id: ["Record ID", "Deal ID", "hs_object_id"],
    dealname: ["Deal Name"],
    dealstage: ["Deal Stage"],
    pipeline: ["Pipeline"],
    amount: ["Amount"],
    closedate: ["Close Date"],
    createdate: ["Create Date"],
    hs_lastmodifieddate: ["Last Modified Date", "Last Activity Date"]
  }
}
