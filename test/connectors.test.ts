/**
 * CRM connectors end to end, on SQLite and the real PostgreSQL server: a real server on an
 * ephemeral port receives amoCRM, Bitrix24, HubSpot and Salesforce webhooks in each source's
 * documented shape (test/fixtures/crm), authenticated each its own way; a delivery repeated
 * three times is stored once; wrong secrets and signatures get 401 and store nothing; hostile
 * bodies never get a 5xx; Bitrix24's deal is fetched from a local stand-in of its REST (the only
 * stand-in), a failed fetch is kept and fetched again; and the same outcomes sent as amoCRM
 * webhooks and imported from amoCRM's CSV export by the real binary give the same analysis.
 */
import { assign } from "@pilotproof/assignment"
import { Connectors, Tokens } from "@pilotproof/engine"
import { start } from "@pilotproof/server"
import { Context, Effect, Exit, Scope } from "effect"
import { spawnSync } from "node:child_process"
import { createHmac } from "node:crypto"
import { createServer, type Server } from "node:http"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIALECTS } from "./fixtures/Databases.js"
import { minimalPilot } from "./fixtures/Definitions.js"

const BIN = fileURLToPath(new URL("../packages/cli/dist/pilotproof.mjs", import.meta.url))
const SALT = "crm-shared-salt"
const VARIANTS = [{ key: "control", weight: 50 }, { key: "bot", weight: 50 }]
const variantOf = (unit: string) => {
  const a = assign({ salt: SALT, variants: VARIANTS }, unit)
  return a._tag === "Assignment" ? a.variant ?? "control" : "control"
}

const AMO_MAPPING = {
  source: "amocrm",
  pipelines: ["4542166", "Продажи"],
  events: [{ type: "deal_won", stages: ["142", "Успешно реализовано"], value: "price" }, { type: "complaint", stages: ["143", "Закрыто и не реализовано"] }]
}
/** Outcomes by webhook (amo-hooks, and the other three sources) … */
const HOOKED = {
  ...minimalPilot("crm-hooked"),
  salt: SALT,
  crm: [
    { connector: "amo-hooks", ...AMO_MAPPING },
    { connector: "hs", source: "hubspot", events: [{ type: "deal_won", stages: ["closedwon", "Closed Won"] }] },
    { connector: "sf", source: "salesforce", events: [{ type: "deal_won", stages: ["Closed Won"], value: "Amount" }] },
    { connector: "bx", source: "bitrix24", events: [{ type: "deal_won", stages: ["WON", "C1:WON"], value: "OPPORTUNITY" }] }
  ]
}
/** … and the same amoCRM outcomes from its export, through the same mapping. */
const EXPORTED = { ...minimalPilot("crm-exported"), salt: SALT, crm: [{ connector: "amo-export", ...AMO_MAPPING }] }

const LEADS = Array.from({ length: 60 }, (_, i) => `${30_300_000 + i}`)
const T0 = Date.parse("2026-03-02T09:00:00Z") / 1000
/** Lead i: won (142) when i % 3 == 0, lost (143) when i % 7 == 1, else still open; changed at T0 + i hours. */
const outcomeOf = (i: number) => (i % 3 === 0 ? "142" : i % 7 === 1 ? "143" : undefined)

const amoForm = (items: ReadonlyArray<{ id: string; status: string; at: number; pipeline?: string }>) =>
  [
    "account[subdomain]=shop", "account[id]=29638927",
    ...items.flatMap((item, k) => [
      `leads[status][${k}][id]=${item.id}`, `leads[status][${k}][status_id]=${item.status}`, `leads[status][${k}][old_status_id]=41893093`,
      `leads[status][${k}][price]=${1000 + Number(item.id) % 997}`, `leads[status][${k}][pipeline_id]=${item.pipeline ?? "4542166"}`,
      `leads[status][${k}][last_modified]=${item.at}`, `leads[status][${k}][updated_at]=${item.at}`, `leads[status][${k}][account_id]=29638927`
    ])
  ].map((pair) => pair.split("=").map(encodeURIComponent).join("=")).join("&")

/** amoCRM's leads export: Russian headers, stage and pipeline by name, local dates (Moscow). */
const amoExportCsv = () => {
  const moscow = (unix: number) => {
    const d = new Date((unix + 3 * 3600) * 1000)
    const p = (n: number) => String(n).padStart(2, "0")
    return `${p(d.getUTCDate())}.${p(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`
  }
  const rows = LEADS.map((id, i) => {
    const status = outcomeOf(i)
    const stage = status === "142" ? "Успешно реализовано" : status === "143" ? "Закрыто и не реализовано" : "Переговоры"
    return [id, `Сделка ${i}`, `${1000 + Number(id) % 997}`, stage, "Продажи", moscow(T0 - 86400), status === undefined ? "" : moscow(T0 + i * 3600)].join(";")
  })
  return ["ID;Название сделки;Бюджет;Этап сделки;Воронка;Дата создания;Дата закрытия", ...rows].join("\n") + "\n"
}

const salesforceMessage = (org: string, notifications: ReadonlyArray<{ id: string; opp: string; stage: string; at: string }>) =>
  `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>${org}</OrganizationId>
   <ActionId>04k7F0000008V3hQAE</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://ap5.salesforce.com/services/Soap/c/47.0/00D7F00000107Xs</EnterpriseUrl>
   <PartnerUrl>https://ap5.salesforce.com/services/Soap/u/47.0/00D7F00000107Xs</PartnerUrl>
${notifications.map((n) => `   <Notification>
    <Id>${n.id}</Id>
    <sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>${n.opp}</sf:Id>
     <sf:Amount>120000.0</sf:Amount>
     <sf:LastModifiedDate>${n.at}</sf:LastModifiedDate>
     <sf:StageName>${n.stage}</sf:StageName>
    </sObject>
   </Notification>`).join("\n")}
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`

/** Bitrix24's REST, as `crm.deal.get` answers (all values strings, ISO times with the portal's offset). */
const standIn = () => {
  const state = { failing: false, calls: 0 }
  const server: Server = createServer((req, res) => {
    let body = ""
    req.on("data", (c) => (body += c))
    req.on("end", () => {
      state.calls++
      if (state.failing || req.url !== "/rest/1/code123/crm.deal.get") {
        res.writeHead(state.failing ? 503 : 404, { "content-type": "application/json" })
        return res.end(JSON.stringify({ error: "QUERY_LIMIT_EXCEEDED", error_description: "Too many requests" }))
      }
      const id = String((JSON.parse(body) as { id: string }).id)
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({
        result: {
          ID: id, TITLE: `Сделка #${id}`, STAGE_ID: "C1:WON", CATEGORY_ID: "1", OPPORTUNITY: "1000000.00", CURRENCY_ID: "RUB",
          CONTACT_ID: "84", DATE_CREATE: "2026-03-01T14:29:00+03:00", DATE_MODIFY: "2026-03-03T10:00:00+03:00",
          MOVED_TIME: "2026-03-03T09:00:00+03:00", STAGE_SEMANTIC_ID: "S", LEAD_ID: null
        },
        time: { start: 1725020945.5, finish: 1725020946.1 }
      }))
    })
  })
  return { server, state }
}

for (const dialect of DIALECTS) {
  describe(`CRM connectors on ${dialect.name}`, () => {
    let dir: string
    let base: string
    let db: string
    let cleanup: () => Promise<void>
    let scope: Scope.CloseableScope
    let context: Context.Context<never>
    let admin: string
    let amoSecret: string
    let sfSecret: string
    const bitrix = standIn()
    const HS_SECRET = "hubspot-client-secret"
    const BX_TOKEN = "3c6c9248ec54af6bea1159b43ee0ab32"
    const ORG = "00D7F00000107XsUAI"

    const run = <A, E>(effect: Effect.Effect<A, E, any>) => Effect.runPromise(Effect.provide(effect, context) as Effect.Effect<A, E>)
    const api = (method: string, path: string, body?: unknown) =>
      fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { "content-type": typeof body === "string" ? "text/yaml" : "application/json" }) },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
      })
    const hook = (path: string, body: string, type: string, headers: Record<string, string> = {}) =>
      fetch(base + path, { method: "POST", headers: { "content-type": type, ...headers }, body })
    const rejects = async (pilot: string) => ((await (await api("GET", `/api/pilots/${pilot}/events/rejects?limit=1000`)).json()) as { total: number; rows: Array<{ reason: string; raw: string; source: string }> })
    const hubspotHeaders = (body: string, at = Date.now(), path = "/api/connectors/hubspot/hs") => {
      const timestamp = String(at)
      const signature = createHmac("sha256", HS_SECRET).update(`POST${base}${path}${body}${timestamp}`).digest("base64")
      return { "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": timestamp }
    }

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "pilotproof-crm-"))
      const location = await dialect.location(dir)
      db = location.url
      cleanup = location.cleanup
      await new Promise<void>((resolve) => bitrix.server.listen(0, "127.0.0.1", resolve))
      const port = (bitrix.server.address() as { port: number }).port
      scope = Effect.runSync(Scope.make())
      const started = await Effect.runPromise(Scope.extend(start({ location: db, port: 0 }), scope))
      base = started.url
      context = started.context as Context.Context<never>
      admin = (await run(Effect.flatMap(Tokens, (t) => t.create("crm-admin", "admin")))).token
      const connectors = Context.get(started.context, Connectors)
      amoSecret = (await Effect.runPromise(connectors.register({ id: "amo-hooks", source: "amocrm", account: "29638927" }))).urlSecret!
      await Effect.runPromise(connectors.register({ id: "amo-export", source: "amocrm" }))
      sfSecret = (await Effect.runPromise(connectors.register({ id: "sf", source: "salesforce", account: ORG }))).urlSecret!
      await Effect.runPromise(connectors.register({ id: "hs", source: "hubspot", secret: HS_SECRET }))
      await Effect.runPromise(connectors.register({ id: "bx", source: "bitrix24", secret: BX_TOKEN, portalUrl: `http://127.0.0.1:${port}/rest/1/code123/` }))
      for (const pilot of [HOOKED, EXPORTED]) {
        expect((await api("POST", "/api/pilots", JSON.stringify(pilot))).status).toBe(200)
        expect((await api("POST", `/api/pilots/${pilot.id}/start`)).status).toBe(200)
        const exposures = LEADS.map((id) => ({ event_id: `x-${id}`, unit_id: id, type: "exposure", variant: variantOf(id), ts: new Date((T0 - 86400) * 1000).toISOString() }))
        const consent = LEADS.map((id) => ({ event_id: `c-${id}`, unit_id: id, type: "consent", value: 1, ts: new Date((T0 - 86400) * 1000).toISOString() }))
        expect((await api("POST", `/api/pilots/${pilot.id}/events`, [...exposures, ...consent])).status).toBe(200)
      }
    })

    afterAll(async () => {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      await new Promise((resolve) => bitrix.server.close(resolve))
      await cleanup()
      rmSync(dir, { recursive: true, force: true })
    })

    it("amoCRM: a delivery sent three times is stored once; a wrong or missing secret stores nothing", async () => {
      const body = amoForm([{ id: LEADS[0]!, status: "142", at: T0 }, { id: LEADS[1]!, status: "143", at: T0 + 3600 }])
      const path = `/api/connectors/amocrm/amo-hooks?secret=${amoSecret}`
      const answers = []
      for (let k = 0; k < 3; k++) answers.push(await (await hook(path, body, "application/x-www-form-urlencoded")).json())
      expect(answers.map((a) => [a.accepted, a.duplicates])).toEqual([[2, 0], [0, 2], [0, 2]])
      expect(answers[0].pilots).toEqual(["crm-hooked"])
      const before = await rejects("crm-hooked")
      for (const wrong of [`?secret=${amoSecret.slice(0, -1)}x`, "", "?secret="]) {
        const response = await hook(`/api/connectors/amocrm/amo-hooks${wrong}`, amoForm([{ id: LEADS[3]!, status: "142", at: T0 }]), "application/x-www-form-urlencoded")
        expect(response.status).toBe(401)
        expect(((await response.json()) as { message: string }).message).toContain("nothing was stored")
      }
      // another account's webhook, with the right secret, is refused too
      expect((await hook(path, body.replace("29638927", "1"), "application/x-www-form-urlencoded")).status).toBe(401)
      expect((await rejects("crm-hooked")).total).toBe(before.total)
    })

    it("amoCRM: a lead in a pipeline the mapping does not read is a reject with its reason, its id keyed", async () => {
      const response = await hook(`/api/connectors/amocrm/amo-hooks?secret=${amoSecret}`, amoForm([{ id: "99900001", status: "142", at: T0, pipeline: "777" }]), "application/x-www-form-urlencoded")
      expect(((await response.json()) as { rejected: number }).rejected).toBe(1)
      const found = (await rejects("crm-hooked")).rows.filter((r) => r.reason.includes("pipeline 777"))
      expect(found).toHaveLength(1)
      expect(found[0]!.reason).toContain("does not read (4542166, Продажи;")
      expect(found[0]!.source).toMatch(/^amocrm:amo-hooks#[0-9a-f]{16}$/)
      // what amoCRM sends beside status changes (every edit, deletions, contacts) is answered and skipped
      const edits = ["account[id]=29638927", "leads[update][0][id]=30300005", "leads[update][0][status_id]=142", "leads[delete][0][id]=30300006", "contacts[add][0][id]=7"]
        .map((pair) => pair.split("=").map(encodeURIComponent).join("=")).join("&")
      const rejectsBefore = (await rejects("crm-hooked")).total
      const skipped = await hook(`/api/connectors/amocrm/amo-hooks?secret=${amoSecret}`, edits, "application/x-www-form-urlencoded")
      expect(skipped.status).toBe(200)
      expect(await skipped.json()).toMatchObject({ records: 0, accepted: 0, rejected: 0, ignored: 3 })
      expect((await rejects("crm-hooked")).total).toBe(rejectsBefore)
    })

    it("HubSpot: a signed batch is stored; a stale, wrong or missing signature gets 401", async () => {
      const body = JSON.stringify([
        { eventId: 501, subscriptionId: 2001, portalId: 62515, appId: 54321, occurredAt: (T0 + 7200) * 1000, subscriptionType: "deal.propertyChange", attemptNumber: 0, objectId: Number(LEADS[6]), propertyName: "dealstage", propertyValue: "closedwon", changeSource: "CRM_UI" },
        { eventId: 502, subscriptionId: 2002, portalId: 62515, appId: 54321, occurredAt: (T0 + 7300) * 1000, subscriptionType: "deal.creation", attemptNumber: 0, objectId: 9876543211, changeFlag: "NEW", changeSource: "CRM_UI" }
      ])
      const ok = await hook("/api/connectors/hubspot/hs", body, "application/json", hubspotHeaders(body))
      expect(ok.status).toBe(200)
      expect(await ok.json()).toMatchObject({ records: 2, accepted: 1, ignored: 1 })
      // eventIds are not unique (HubSpot says so): another deal's change under the same eventId is its own event
      const same = JSON.stringify([{ eventId: 501, portalId: 62515, occurredAt: (T0 + 7400) * 1000, subscriptionType: "deal.propertyChange", objectId: Number(LEADS[18]), propertyName: "dealstage", propertyValue: "closedwon" }])
      expect(await (await hook("/api/connectors/hubspot/hs", same, "application/json", hubspotHeaders(same))).json()).toMatchObject({ accepted: 1 })
      // HubSpot retries with attemptNumber 1: the same event, stored once
      const retried = body.replaceAll('"attemptNumber":0', '"attemptNumber":1')
      expect(await (await hook("/api/connectors/hubspot/hs", retried, "application/json", hubspotHeaders(retried))).json()).toMatchObject({ accepted: 0, duplicates: 1 })
      for (const headers of [hubspotHeaders(body, Date.now() - 6 * 60_000), { ...hubspotHeaders(body), "x-hubspot-signature-v3": "AAAA" }, {}]) {
        expect((await hook("/api/connectors/hubspot/hs", body, "application/json", headers)).status).toBe(401)
      }
      expect((await hook("/api/connectors/hubspot/hs", body.replace("closedwon", "closedlost"), "application/json", hubspotHeaders(body))).status).toBe(401)
    })

    it("Salesforce: notifications are acknowledged once stored; another organization gets a SOAP fault", async () => {
      const message = salesforceMessage(ORG, [
        { id: "04l7F000008aeAyQAI", opp: LEADS[9]!, stage: "Closed Won", at: "2026-03-02T20:00:00.000Z" },
        { id: "04l7F000008aeAzQAI", opp: LEADS[10]!, stage: "Negotiation/Review", at: "2026-03-02T20:05:00.000Z" }
      ])
      const path = `/api/connectors/salesforce/sf?secret=${sfSecret}`
      for (let k = 0; k < 3; k++) {
        const response = await hook(path, message, "text/xml; charset=utf-8")
        expect(response.status).toBe(200)
        expect(response.headers.get("content-type")).toContain("text/xml")
        expect(await response.text()).toContain("<Ack>true</Ack>")
      }
      const fault = await hook(path, salesforceMessage("00D000000000001AAA", [{ id: "04l1", opp: "1", stage: "Closed Won", at: "2026-03-02T20:00:00.000Z" }]), "text/xml")
      expect(fault.status).toBe(401)
      expect(await fault.text()).toContain("<faultstring>the delivery is not authenticated")
      expect((await hook("/api/connectors/salesforce/sf", message, "text/xml")).status).toBe(401)
    })

    it("Bitrix24: the deal is fetched from the portal; an echo is the same change; a failed fetch is kept and fetched again", async () => {
      const notice = (id: string, token = BX_TOKEN) =>
        `event=ONCRMDEALUPDATE&event_handler_id=201&data%5BFIELDS%5D%5BID%5D=${id}&ts=1736405807&auth%5Bdomain%5D=some-domain.bitrix24.com&auth%5Bmember_id%5D=a223c6b3710f85df22e9377d6c4f7553&auth%5Bapplication_token%5D=${token}`
      const path = "/api/connectors/bitrix24/bx"
      const first = await (await hook(path, notice(LEADS[12]!), "application/x-www-form-urlencoded")).json()
      expect(first).toMatchObject({ accepted: 1, pending: 0 })
      // a handler writing back to the deal fires ONCRMDEALUPDATE again: same stage, same MOVED_TIME
      expect(await (await hook(path, notice(LEADS[12]!), "application/x-www-form-urlencoded")).json()).toMatchObject({ accepted: 0, duplicates: 1 })
      expect((await hook(path, notice(LEADS[13]!, "wrong-token"), "application/x-www-form-urlencoded")).status).toBe(401)
      // other events of the handler: authenticated first, then answered and skipped
      const deleted = notice(LEADS[13]!).replace("ONCRMDEALUPDATE", "ONCRMDEALDELETE")
      expect(await (await hook(path, deleted, "application/x-www-form-urlencoded")).json()).toMatchObject({ records: 0, ignored: 1 })
      expect((await hook(path, deleted.replace(BX_TOKEN, "wrong-token"), "application/x-www-form-urlencoded")).status).toBe(401)

      bitrix.state.failing = true
      const calls = bitrix.state.calls
      const failed = await (await hook(path, notice(LEADS[15]!), "application/x-www-form-urlencoded")).json()
      expect(failed).toMatchObject({ accepted: 0, rejected: 1, pending: 1 })
      expect(bitrix.state.calls - calls).toBe(3) // one try and two retries
      const kept = (await rejects("crm-hooked")).rows.filter((r) => r.reason.includes("could not be fetched"))
      expect(kept).toHaveLength(1)
      expect(kept[0]!.reason).toContain("pilotproof connector retry bx")
      expect(await run(Effect.flatMap(Connectors, (c) => c.retry("bx")))).toEqual({ connector: "bx", pending: 1, fetched: 0, failed: 1 })
      bitrix.state.failing = false
      expect(await run(Effect.flatMap(Connectors, (c) => c.retry("bx")))).toEqual({ connector: "bx", pending: 1, fetched: 1, failed: 0 })
      expect(await run(Effect.flatMap(Connectors, (c) => c.retry("bx")))).toEqual({ connector: "bx", pending: 0, fetched: 0, failed: 0 })
      expect((await rejects("crm-hooked")).rows.filter((r) => r.reason.includes("could not be fetched"))).toEqual([])
    })

    it("never answers a hostile body with a 5xx, and keeps serving", async () => {
      const cases: Array<[string, string, string, Record<string, string>?]> = [
        [`/api/connectors/amocrm/amo-hooks?secret=${amoSecret}`, "leads[status][0][id=1", "application/x-www-form-urlencoded"],
        [`/api/connectors/amocrm/amo-hooks?secret=${amoSecret}`, "%E0%A4%A", "application/x-www-form-urlencoded"],
        [`/api/connectors/amocrm/amo-hooks?secret=${amoSecret}`, "", "application/x-www-form-urlencoded"],
        [`/api/connectors/amocrm/amo-hooks?secret=${amoSecret}`, "{\"leads\":1}", "application/json"],
        [`/api/connectors/amocrm/amo-hooks?secret=${amoSecret}`, "a".repeat(200) + "[x]".repeat(50) + "=1", "application/x-www-form-urlencoded"],
        ["/api/connectors/bitrix24/bx", "event=ONCRMDEALUPDATE&data[FIELDS][ID]=abc", "application/x-www-form-urlencoded"],
        ["/api/connectors/bitrix24/bx", "<xml/>", "text/xml"],
        [`/api/connectors/salesforce/sf?secret=${sfSecret}`, "<soapenv:Envelope><unclosed>", "text/xml"],
        [`/api/connectors/salesforce/sf?secret=${sfSecret}`, `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`, "text/xml"],
        [`/api/connectors/salesforce/sf?secret=${sfSecret}`, "{}", "application/json"],
        ["/api/connectors/hubspot/hs", "[{", "application/json"],
        ["/api/connectors/hubspot/hs", "x".repeat(11 * 1024 * 1024), "application/json"],
        ["/api/connectors/nocrm/x", "{}", "application/json"],
        ["/api/connectors/amocrm/nobody", "a=1", "application/x-www-form-urlencoded"]
      ]
      for (const [path, body, type] of cases) {
        const signed = path.startsWith("/api/connectors/hubspot") ? hubspotHeaders(body) : {}
        const response = await hook(path, body, type, signed).catch((e: Error) => ({ status: 0, text: async () => e.message }))
        expect(response.status, `${path} ${body.slice(0, 40)}`).toBeGreaterThanOrEqual(400)
        expect(response.status, `${path} ${body.slice(0, 40)}`).toBeLessThan(500)
      }
      const signedBad = "[{"
      const hubspot = await hook("/api/connectors/hubspot/hs", signedBad, "application/json", hubspotHeaders(signedBad))
      expect(hubspot.status).toBe(400)
      expect((await rejects("crm-hooked")).rows.some((r) => r.reason.startsWith("not a readable hubspot delivery"))).toBe(true)
      expect((await api("GET", "/api/me")).status).toBe(200)
    })

    it("names, when a pilot starts, a mapping whose connector is missing, revoked or another CRM's", async () => {
      const pilot = {
        ...minimalPilot("crm-misconnected"),
        crm: [
          { connector: "nobody", source: "amocrm", events: [{ type: "deal_won", stages: ["142"] }] },
          { connector: "hs", source: "bitrix24", events: [{ type: "deal_won", stages: ["WON"] }] }
        ]
      }
      expect((await api("POST", "/api/pilots", JSON.stringify(pilot))).status).toBe(200)
      const started = spawnSync(process.execPath, [BIN, "--db", db, "pilot", "start", "crm-misconnected"], { encoding: "utf8" })
      expect(started.status).toBe(0)
      expect(started.stderr).toContain("warning: crm: connector nobody is not registered, so amocrm has no webhook URL to send to yet (pilotproof connector add nobody --source amocrm)")
      expect(started.stderr).toContain("warning: crm: connector hs is a hubspot connector, but the mapping reads bitrix24")
      // and HubSpot's deliveries do not reach the pilot that reads "hs" as Bitrix24
      const body = JSON.stringify([{ eventId: 777, portalId: 62515, occurredAt: (T0 + 9000) * 1000, subscriptionType: "deal.propertyChange", objectId: 1, propertyName: "dealstage", propertyValue: "closedwon" }])
      expect(((await (await hook("/api/connectors/hubspot/hs", body, "application/json", hubspotHeaders(body))).json()) as { pilots: Array<string> }).pilots).toEqual(["crm-hooked"])
    })

    it("the same amoCRM outcomes by webhook and from the CSV export give the same analysis", async () => {
      const items = LEADS.flatMap((id, i) => (outcomeOf(i) === undefined ? [] : [{ id, status: outcomeOf(i)!, at: T0 + i * 3600 }]))
      // delivered out of order, in batches of five: the source's times order them
      for (let k = items.length; k > 0; k -= 5) {
        const response = await hook(`/api/connectors/amocrm/amo-hooks?secret=${amoSecret}`, amoForm(items.slice(Math.max(0, k - 5), k)), "application/x-www-form-urlencoded")
        expect(response.status).toBe(200)
      }
      const file = join(dir, "amocrm-leads.csv")
      writeFileSync(file, amoExportCsv())
      const imported = spawnSync(process.execPath, [BIN, "--db", db, "events", "import", "crm-exported", file, "--from", "amocrm", "--utc-offset", "+03:00"], { encoding: "utf8" })
      expect(imported.stderr).toBe("")
      expect(imported.status).toBe(0)
      const open = LEADS.filter((_, i) => outcomeOf(i) === undefined).length
      expect(imported.stdout).toContain(`${LEADS.length - open} accepted, 0 duplicates, 0 rejected; ${open} amocrm rows at stages the pilot does not read`)
      const again = spawnSync(process.execPath, [BIN, "--db", db, "events", "import", "crm-exported", file, "--from", "amocrm", "--utc-offset", "+03:00"], { encoding: "utf8" })
      expect(again.stdout).toContain(`0 accepted, ${LEADS.length - open} duplicates`)
      const noOffset = spawnSync(process.execPath, [BIN, "--db", db, "events", "import", "crm-exported", file, "--from", "amocrm", "--dry-run"], { encoding: "utf8" })
      expect(noOffset.stderr).toContain("rows would be rejected")

      // the other sources' wins (leads 6, 9, 12, 15) are wins in amoCRM too: a unit converts once
      const analysis = async (pilot: string) => (await (await api("GET", `/api/pilots/${pilot}/analysis?refresh=1`)).json()) as { metrics: Array<Record<string, unknown>> }
      const hooked = await analysis("crm-hooked")
      const exported = await analysis("crm-exported")
      expect(hooked.metrics.map((m) => m["key"])).toEqual(["converted", "complaint"])
      expect(JSON.stringify(hooked.metrics)).toBe(JSON.stringify(exported.metrics))
    })
  })
}
