/**
 * Salesforce Outbound Messaging: a SOAP 1.1 envelope whose `notifications` (namespace
 * http://soap.sforce.com/2005/09/outbound) carry the `OrganizationId` and up to 100
 * `Notification`s, each with its own `Id` (the idempotency key: a retried message repeats it)
 * and an `sObject` with the fields the outbound message selected (`sf:Id`, `sf:StageName`,
 * `sf:Amount`, `sf:LastModifiedDate`). Delivery is at least once, retried for 24 hours and not
 * in order; the listener answers with an Ack envelope, without which Salesforce sends it again.
 */
import { parseTimestamp } from "@pilotproof/domain"
import { XMLParser, XMLValidator } from "fast-xml-parser"
import type { ExportColumns } from "./ExportRow.js"
import { bare, type CrmProblem, type CrmRecord, MalformedDelivery, type ParsedDelivery } from "./CrmRecord.js"

/** The answer Salesforce waits for: `Ack` true, or it redelivers. */
export const SALESFORCE_ACK = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
  <soapenv:Body>
    <notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">
      <Ack>true</Ack>
    </notificationsResponse>
  </soapenv:Body>
</soapenv:Envelope>
`

/** A SOAP fault (for a delivery that is refused): Salesforce keeps it for retry. */
export const salesforceFault = (message: string): string => `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
  <soapenv:Body>
    <soapenv:Fault>
      <faultcode>soapenv:Client</faultcode>
      <faultstring>${message.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)}</faultstring>
    </soapenv:Fault>
  </soapenv:Body>
</soapenv:Envelope>
`

const MAX_NOTIFICATIONS = 100

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => name === "Notification"
})

type Node = Record<string, unknown>
const isNode = (v: unknown): v is Node => v !== null && typeof v === "object" && !Array.isArray(v)
const text = (v: unknown): string | undefined =>
  typeof v === "string" ? v.trim() : isNode(v) && typeof v["#text"] === "string" ? (v["#text"] as string).trim() : undefined

export interface SalesforceDelivery extends ParsedDelivery {
  readonly organizationId: string | undefined
}

export const parseSalesforceMessage = (body: string): SalesforceDelivery => {
  if (body.trim() === "") throw new MalformedDelivery("the body is empty: Salesforce sends a SOAP envelope")
  // DOCTYPE declarations are refused outright: no entity expansion, no external references
  if (/<!DOCTYPE/i.test(body)) throw new MalformedDelivery("the SOAP message has a DOCTYPE declaration, which an outbound message never has")
  const valid = XMLValidator.validate(body)
  if (valid !== true) throw new MalformedDelivery(`the body is not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`)
  let document: unknown
  try {
    document = parser.parse(body)
  } catch (e) {
    throw new MalformedDelivery(`the body is not well-formed XML: ${(e as Error).message}`)
  }
  const envelope = isNode(document) ? document["Envelope"] : undefined
  const soapBody = isNode(envelope) ? envelope["Body"] : undefined
  const notifications = isNode(soapBody) ? soapBody["notifications"] : undefined
  if (!isNode(notifications)) throw new MalformedDelivery("no soapenv:Envelope/soapenv:Body/notifications element: not a Salesforce outbound message")
  const list = Array.isArray(notifications["Notification"]) ? notifications["Notification"] as Array<unknown> : []
  if (list.length === 0) throw new MalformedDelivery("the message holds no Notification")
  if (list.length > MAX_NOTIFICATIONS) throw new MalformedDelivery(`${list.length} notifications in one message; Salesforce sends at most ${MAX_NOTIFICATIONS}`)
  const records: Array<CrmRecord> = []
  const problems: Array<CrmProblem> = []
  list.forEach((n, i) => {
    const position = i + 1
    const notificationId = isNode(n) ? text(n["Id"]) : undefined
    const sObject = isNode(n) ? n["sObject"] : undefined
    if (notificationId === undefined || notificationId === "") return problems.push({ position, reason: `Notification ${position} has no Id` })
    if (!isNode(sObject)) return problems.push({ position, reason: `Notification ${position} has no sObject` })
    const fields = bare<string>()
    for (const [k, v] of Object.entries(sObject)) {
      if (k.startsWith("@")) continue
      const value = text(v)
      if (value !== undefined && value !== "") fields[k] = value
    }
    const id = fields["Id"]
    if (id === undefined) return problems.push({ position, reason: `Notification ${position}'s sObject has no Id` })
    const type = typeof sObject["@type"] === "string" ? (sObject["@type"] as string).replace(/^.*:/, "") : "sObject"
    const when = fields["LastModifiedDate"] ?? fields["SystemModstamp"]
    const occurredAt = when === undefined ? undefined : parseTimestamp(when)
    if (occurredAt === undefined) {
      return problems.push({ position, id, reason: `Notification ${position} has no LastModifiedDate or SystemModstamp in ISO 8601: add LastModifiedDate to the outbound message's fields` })
    }
    const stage = fields["StageName"] ?? fields["Status"]
    fields["id"] = id
    if (stage !== undefined) fields["stage"] = stage
    records.push({ source: "salesforce", entity: type, id, stage, pipeline: undefined, occurredAt, key: notificationId, fields, position })
  })
  return { records, problems, organizationId: text(notifications["OrganizationId"]) }
}

/** An opportunity export by Data Loader or Data Export: API names as headers, in any case. */
export const SALESFORCE_EXPORT: ExportColumns = {
  source: "salesforce",
  entity: "Opportunity",
  id: "Id",
  stage: "StageName",
  times: ["LastModifiedDate", "SystemModstamp", "CloseDate", "CreatedDate"],
  fields: {
    Id: ["Opportunity ID"],
    Name: ["Opportunity Name"],
    StageName: ["Stage"],
    Amount: [],
    CloseDate: ["Close Date"],
    CreatedDate: ["Created Date"],
    LastModifiedDate: ["Last Modified Date"],
    SystemModstamp: [],
    IsWon: ["Won"]
  }
}
