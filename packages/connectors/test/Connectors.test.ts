/**
 * The CRM sources, pure: payloads in each CRM's documented shape parse to the records they
 * hold; signatures match the reference vector; hostile bodies fail only as MalformedDelivery.
 */
import type { CrmMapping } from "@pilotproof/domain"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  exportTime,
  hubSpotSignature,
  MalformedDelivery,
  mapRecord,
  parseAmoCrmWebhook,
  parseBitrix24Webhook,
  parseFormBody,
  parseHubSpotWebhook,
  parseSalesforceMessage,
  verifyHubSpot
} from "../src/index.js"

/** A status change as amoCRM sends it (field list of real captures), URL-encoded. */
const AMO_BODY = [
  "account[subdomain]=mbamoscow", "account[id]=29638927", "account[_links][self]=https://mbamoscow.amocrm.ru",
  "leads[status][0][id]=30307415", "leads[status][0][name]=Заявка", "leads[status][0][status_id]=142",
  "leads[status][0][old_status_id]=41893093", "leads[status][0][price]=15000", "leads[status][0][responsible_user_id]=8744098",
  "leads[status][0][last_modified]=1689281821", "leads[status][0][modified_user_id]=8421298", "leads[status][0][date_create]=1689256449",
  "leads[status][0][pipeline_id]=4542166", "leads[status][0][account_id]=29638927",
  "leads[status][0][custom_fields][0][id]=432373", "leads[status][0][custom_fields][0][name]=roistat",
  "leads[status][0][custom_fields][0][values][0][value]=139919",
  "leads[status][0][created_at]=1689256449", "leads[status][0][updated_at]=1689281821"
].map((pair) => pair.split("=").map(encodeURIComponent).join("=")).join("&")

/** The official PHP SDK's captured body (RemoteEventsFabricTest), as a deal update. */
const BITRIX_BODY = "event=ONCRMDEALUPDATE&event_handler_id=58&data%5BFIELDS%5D%5BID%5D=134806&ts=1727018926&auth%5Baccess_token%5D=be45f0660071849a0058f18a000000010000077261ef50fc26f1357adbd86a052c9e48&auth%5Bexpires%5D=1727022526&auth%5Bexpires_in%5D=3600&auth%5Bscope%5D=crm%2Cplacement%2Cuser_brief&auth%5Bdomain%5D=bitrix24-php-sdk-playground.bitrix24.com&auth%5Bserver_endpoint%5D=https%3A%2F%2Foauth.bitrix.info%2Frest%2F&auth%5Bstatus%5D=L&auth%5Bclient_endpoint%5D=https%3A%2F%2Fbitrix24-php-sdk-playground.bitrix24.com%2Frest%2F&auth%5Bmember_id%5D=010b6886ebc205e43ae65000ee00addb&auth%5Buser_id%5D=1&auth%5Bapplication_token%5D=3c6c9248ec54af6bea1159b43ee0ab32"

/** A captured Opportunity notification (structure of the Outbound Messaging WSDL), with LastModifiedDate. */
const SALESFORCE_BODY = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>00D7F00000107XsUAI</OrganizationId>
   <ActionId>04k7F0000008V3hQAE</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://ap5.salesforce.com/services/Soap/c/47.0/00D7F00000107Xs</EnterpriseUrl>
   <PartnerUrl>https://ap5.salesforce.com/services/Soap/u/47.0/00D7F00000107Xs</PartnerUrl>
   <Notification>
    <Id>04l7F000008aeAyQAI</Id>
    <sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>0067F000003pmdWQAQ</sf:Id>
     <sf:Amount>120000.0</sf:Amount>
     <sf:CloseDate>2017-04-03</sf:CloseDate>
     <sf:LastModifiedDate>2017-04-03T10:15:30.000Z</sf:LastModifiedDate>
     <sf:Name>Express Logistics &amp; SLA</sf:Name>
     <sf:StageName>Closed Won</sf:StageName>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`

describe("form bodies", () => {
  it("reads PHP-style brackets into groups, with no special keys", () => {
    const form = parseFormBody("a[b][0][c]=1&a[b][1][c]=2&__proto__[x]=y&constructor=z")
    expect(Object.keys(form)).toEqual(["a", "__proto__", "constructor"])
    expect(JSON.stringify(form)).toBe('{"a":{"b":{"0":{"c":"1"},"1":{"c":"2"}}},"__proto__":{"x":"y"},"constructor":"z"}')
    expect(({} as Record<string, unknown>)["x"]).toBeUndefined()
  })

  it("refuses malformed names, bad escapes, clashes and deep nesting as MalformedDelivery", () => {
    for (const body of ["a[b=1", "a%ZZ=1", "a=1&a[b]=2", "a[b]=1&a=2", `${"a" + "[x]".repeat(9)}=1`, "=1"]) {
      expect(() => parseFormBody(body), body).toThrow(MalformedDelivery)
    }
  })

  it("fails only with MalformedDelivery on any input (fast-check)", () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (body) => {
      for (const parse of [parseFormBody, parseAmoCrmWebhook, parseBitrix24Webhook, parseHubSpotWebhook, parseSalesforceMessage]) {
        try {
          parse(body)
        } catch (e) {
          if (!(e instanceof MalformedDelivery)) throw e
        }
      }
    }), { numRuns: 500 })
  })
})

describe("amoCRM", () => {
  it("reads a status change with its fields, custom fields and time", () => {
    const { account, problems, records } = parseAmoCrmWebhook(AMO_BODY)
    expect(problems).toEqual([])
    expect(account).toEqual({ id: "29638927", subdomain: "mbamoscow" })
    expect(records).toHaveLength(1)
    const r = records[0]!
    expect([r.entity, r.id, r.stage, r.pipeline, r.occurredAt]).toEqual(["lead", "30307415", "142", "4542166", 1_689_281_821_000])
    expect(r.fields["price"]).toBe("15000")
    expect(r.fields["cf_432373"]).toBe("139919")
    // the same change always has the same key; another time is another change
    expect(parseAmoCrmWebhook(AMO_BODY).records[0]!.key).toBe(r.key)
    expect(parseAmoCrmWebhook(AMO_BODY.replaceAll("1689281821", "1689281822")).records[0]!.key).not.toBe(r.key)
  })

  it("says what is missing", () => {
    expect(() => parseAmoCrmWebhook("account[id]=1")).toThrow(/no leads\[status\] or leads\[add\]/)
    const { problems } = parseAmoCrmWebhook("leads[status][0][status_id]=142")
    expect(problems).toEqual([{ position: 1, reason: "leads[status] item 1 has no id" }])
  })
})

describe("Bitrix24", () => {
  it("reads the SDK's captured body", () => {
    expect(parseBitrix24Webhook(BITRIX_BODY)).toEqual({
      event: "ONCRMDEALUPDATE",
      dealId: "134806",
      ts: 1_727_018_926_000,
      applicationToken: "3c6c9248ec54af6bea1159b43ee0ab32",
      domain: "bitrix24-php-sdk-playground.bitrix24.com"
    })
    // another event is read for its token (the engine checks it first), and names no deal
    expect(parseBitrix24Webhook(BITRIX_BODY.replace("ONCRMDEALUPDATE", "ONCRMCONTACTADD"))).toMatchObject({ event: "ONCRMCONTACTADD", dealId: undefined, applicationToken: "3c6c9248ec54af6bea1159b43ee0ab32" })
    expect(() => parseBitrix24Webhook(BITRIX_BODY.replace("134806", "abc"))).toThrow(/data\[FIELDS\]\[ID\]/)
  })
})

describe("HubSpot", () => {
  it("signs as the reference vector (hubspot-v3-vector.py)", () => {
    expect(hubSpotSignature("yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy", "POST", "https://www.example.com/webhook_uri", '{"example_field":"example_value"}', "1700000000000"))
      .toBe("rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=")
  })

  it("accepts a fresh signature, refuses a stale, a wrong or a missing one", () => {
    const secret = "s3cret"
    const base = { method: "POST", uri: "https://pp.example.com/api/connectors/hubspot/hs?x=1", body: "[]", timestamp: "1700000000000" }
    const signature = hubSpotSignature(secret, base.method, base.uri, base.body, base.timestamp)
    expect(verifyHubSpot(secret, { ...base, signature }, 1_700_000_060_000)).toEqual({ ok: true })
    // HubSpot decodes %3A, %2F, … before signing
    expect(verifyHubSpot(secret, { ...base, uri: "https%3A%2F%2Fpp.example.com/api/connectors/hubspot/hs?x=1", signature }, 1_700_000_060_000)).toEqual({ ok: true })
    expect(verifyHubSpot(secret, { ...base, signature }, 1_700_000_301_000).ok).toBe(false)
    expect(verifyHubSpot("other", { ...base, signature }, 1_700_000_060_000).ok).toBe(false)
    expect(verifyHubSpot(secret, { ...base, body: "[ ]", signature }, 1_700_000_060_000).ok).toBe(false)
    expect(verifyHubSpot(secret, { ...base, signature: undefined }, 1_700_000_060_000).ok).toBe(false)
  })

  it("reads a dealstage change; other subscriptions carry no stage", () => {
    const { records } = parseHubSpotWebhook(JSON.stringify([
      { eventId: 100, subscriptionId: 2001, portalId: 62515, appId: 54321, occurredAt: 1700000000000, subscriptionType: "deal.propertyChange", attemptNumber: 0, objectId: 9876543210, propertyName: "dealstage", propertyValue: "closedwon", changeSource: "CRM_UI" },
      { eventId: 101, subscriptionId: 2002, portalId: 62515, appId: 54321, occurredAt: 1700000000500, subscriptionType: "deal.creation", attemptNumber: 0, objectId: 9876543211, changeFlag: "NEW", changeSource: "CRM_UI" }
    ]))
    expect(records.map((r) => [r.id, r.stage, r.occurredAt, r.key])).toEqual([
      ["9876543210", "closedwon", 1700000000000, "62515:100"],
      ["9876543211", undefined, 1700000000500, "62515:101"]
    ])
  })
})

describe("HubSpot ids", () => {
  it("keeps object ids past 2^53 exact", () => {
    const { records } = parseHubSpotWebhook(`[{"eventId":7,"portalId":1,"occurredAt":1700000000000,"subscriptionType":"deal.propertyChange","objectId":90071992547409931,"propertyName":"dealstage","propertyValue":"closedwon"}]`)
    expect(records[0]!.id).toBe("90071992547409931")
  })
})

describe("Salesforce", () => {
  it("reads a notification, its organization and its Id as the key", () => {
    const m = parseSalesforceMessage(SALESFORCE_BODY)
    expect(m.organizationId).toBe("00D7F00000107XsUAI")
    expect(m.records.map((r) => [r.entity, r.id, r.stage, r.occurredAt, r.key, r.fields["Amount"], r.fields["Name"]])).toEqual([
      ["Opportunity", "0067F000003pmdWQAQ", "Closed Won", Date.parse("2017-04-03T10:15:30.000Z"), "04l7F000008aeAyQAI", "120000.0", "Express Logistics & SLA"]
    ])
  })

  it("refuses DOCTYPEs (no entity expansion), broken XML and other envelopes", () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><x>&b;</x>`
    expect(() => parseSalesforceMessage(bomb)).toThrow(/DOCTYPE/)
    expect(() => parseSalesforceMessage("<a><b></a>")).toThrow(/not well-formed/)
    expect(() => parseSalesforceMessage("<Envelope><Body><other/></Body></Envelope>")).toThrow(/no soapenv:Envelope/)
  })
})

describe("mapping", () => {
  const mapping: CrmMapping = {
    connector: "amo", source: "amocrm", unit: "id", pipelines: ["4542166"],
    events: [{ type: "deal_won", stages: ["142", "Успешно реализовано"], value: "price" }, { type: "deal_lost", stages: ["143"] }]
  }
  const record = parseAmoCrmWebhook(AMO_BODY).records[0]!

  it("makes one event per matching rule: one per entity and event type, at the source's time", () => {
    expect(mapRecord(record, mapping)).toEqual({
      _tag: "Events",
      events: [{ event_id: "amocrm:lead:30307415:deal_won", unit_id: "30307415", type: "deal_won", ts: "2023-07-13T20:57:01.000Z", value: "15000", crm_stage: "142" }]
    })
    // the export names the stage, the webhook its id: the same event
    const exported = { ...record, stage: "Успешно реализовано", occurredAt: record.occurredAt + 60_000 }
    expect(mapRecord(exported, mapping)).toMatchObject({ events: [{ event_id: "amocrm:lead:30307415:deal_won", crm_stage: "Успешно реализовано" }] })
  })

  it("ignores stages it does not read; rejects other pipelines and missing values", () => {
    expect(mapRecord({ ...record, stage: "41893093" }, mapping)).toEqual({ _tag: "Ignored" })
    expect(mapRecord({ ...record, pipeline: "1" }, mapping)).toMatchObject({ _tag: "Rejected", reason: expect.stringContaining("pipeline 1") })
    const noPrice = { ...record, fields: { ...record.fields, price: "" } }
    expect(mapRecord(noPrice, mapping)).toMatchObject({ _tag: "Rejected", reason: expect.stringContaining("has no price") })
  })
})

describe("export times", () => {
  it("reads ISO with its offset, and local dates only with the account's offset", () => {
    expect(exportTime("2026-03-01T09:30:00+03:00", undefined)).toEqual({ _tag: "Time", ms: Date.parse("2026-03-01T06:30:00Z") })
    expect(exportTime("01.03.2026 09:30:00", 180)).toEqual({ _tag: "Time", ms: Date.parse("2026-03-01T06:30:00Z") })
    expect(exportTime("2026-03-01 09:30", -300)).toEqual({ _tag: "Time", ms: Date.parse("2026-03-01T14:30:00Z") })
    expect(exportTime("01.03.2026 09:30", undefined)).toEqual({ _tag: "NeedsOffset" })
    expect(exportTime("31.02.2026 09:30", 0)).toEqual({ _tag: "Invalid" })
  })
})
