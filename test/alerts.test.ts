/**
 * Outbound alerts end to end, on SQLite and the real PostgreSQL server, against a local receiver:
 * a decision recorded over the API reaches a Slack target (`{"text": …}`), a Telegram target
 * (`sendMessage` form) and a JSON target, each signed with its secret; the request that recorded
 * it is answered while the receiver still holds the delivery open (nothing waits for it); a
 * receiver that fails twice gets the alert on the third attempt; and data that skews the split
 * raises an SRM alarm and a verdict change when its snapshot is computed.
 */
import { Alerts, Tokens } from "@pilotproof/engine"
import { start } from "@pilotproof/server"
import { Context, Effect, Exit, Scope } from "effect"
import { createHmac } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIALECTS } from "./fixtures/Databases.js"
import { minimalPilot } from "./fixtures/Definitions.js"

interface Received {
  readonly path: string
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}

/** A receiver recording every request; `/json` fails its first two, `/hold` answers only when released. */
const receiver = () => {
  const received: Array<Received> = []
  const held: Array<ServerResponse> = []
  let jsonFailures = 2
  const server = createServer((req, res) => {
    let body = ""
    req.on("data", (c) => (body += c))
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body })
      if (req.url === "/hold") return void held.push(res)
      if (req.url === "/json" && jsonFailures > 0) {
        jsonFailures--
        res.writeHead(503)
        return res.end("busy")
      }
      res.writeHead(200, { "content-type": "application/json" })
      res.end('{"ok":true}')
    })
  })
  return { server, received, release: () => held.splice(0).forEach((r) => r.end("ok")) }
}

const eventually = async <A>(what: string, f: () => A | undefined, ms = 20_000): Promise<A> => {
  const until = Date.now() + ms
  for (;;) {
    const value = f()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const signed = (r: Received, secret: string) =>
  r.headers["x-pilotproof-signature"] === `sha256=${createHmac("sha256", secret).update(`${r.headers["x-pilotproof-timestamp"]}.${r.body}`).digest("hex")}`

for (const dialect of DIALECTS) {
  describe(`alerts on ${dialect.name}`, () => {
    const PILOT = `alerted-${dialect.name}`
    let dir: string
    let cleanup: () => Promise<void>
    let scope: Scope.CloseableScope
    let base: string
    let owner: string
    let analyst: string
    let queued: () => Promise<number>
    const sink = receiver()
    let hook: string
    const secrets: Record<string, string> = {}

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "pilotproof-alerts-"))
      const location = await dialect.location(dir)
      cleanup = location.cleanup
      await new Promise<void>((resolve) => sink.server.listen(0, "127.0.0.1", resolve))
      hook = `http://127.0.0.1:${(sink.server.address() as { port: number }).port}`
      scope = Effect.runSync(Scope.make())
      const started = await Effect.runPromise(Scope.extend(start({ location: location.url, port: 0, refreshInBackground: true, alertDelivery: { baseDelayMs: 100, timeoutMs: 1000 } }), scope))
      base = started.url
      const tokens = Context.get(started.context, Tokens)
      owner = (await Effect.runPromise(tokens.create("owner", "owner"))).token
      analyst = (await Effect.runPromise(tokens.create("analyst", "analyst"))).token
      const headers = { authorization: `Bearer ${owner}`, "content-type": "text/yaml" }
      expect((await fetch(`${base}/api/pilots`, { method: "POST", headers, body: JSON.stringify(minimalPilot(PILOT)) })).status).toBe(200)
      expect((await fetch(`${base}/api/pilots/${PILOT}/start`, { method: "POST", headers })).status).toBe(200)
      const alerts = Context.get(started.context, Alerts)
      queued = async () => (await Effect.runPromise(alerts.outbox(1000))).length
      const add = (input: Parameters<typeof alerts.add>[0]) => Effect.runPromise(alerts.add(input))
      secrets["/slack"] = (await add({ kind: "slack", url: `${hook}/slack` })).secret
      secrets["/bot42:token/sendMessage"] = (await add({ kind: "telegram", url: `${hook}/bot42:token/sendMessage`, chatId: "-100123" })).secret
      secrets["/json"] = (await add({ kind: "json", url: `${hook}/json`, pilotId: PILOT, secret: "json-secret" })).secret
      secrets["/hold"] = (await add({ kind: "json", url: `${hook}/hold`, pilotId: PILOT })).secret
    })

    afterAll(async () => {
      sink.release()
      await Effect.runPromise(Scope.close(scope, Exit.void))
      await new Promise((resolve) => sink.server.close(resolve))
      await cleanup()
      rmSync(dir, { recursive: true, force: true })
    })

    it("a recorded decision reaches Slack, Telegram and JSON targets, signed; nothing waits for them; a failing receiver gets it on a retry", async () => {
      const decided = await fetch(`${base}/api/pilots/${PILOT}/decisions`, {
        method: "POST",
        headers: { authorization: `Bearer ${analyst}`, "content-type": "application/json" },
        body: "{}"
      })
      expect(decided.status).toBe(201)
      const verdict = ((await decided.json()) as { record: { verdict: string } }).record.verdict
      // the /hold receiver has the alert and has not answered: the request above was answered anyway
      await eventually("the held delivery", () => sink.received.find((r) => r.path === "/hold"))

      const slack = await eventually("Slack", () => sink.received.find((r) => r.path === "/slack"))
      expect(slack.headers["content-type"]).toBe("application/json")
      expect(JSON.parse(slack.body)).toEqual({ text: expect.stringMatching(new RegExp(`^Pilotproof · ${PILOT}: decision recorded by .+: ${verdict} — `)) })
      expect(slack.headers["x-pilotproof-event"]).toBe("decision")
      expect(signed(slack, secrets["/slack"]!)).toBe(true)
      expect(signed({ ...slack, body: slack.body + " " }, secrets["/slack"]!)).toBe(false)

      const telegram = await eventually("Telegram", () => sink.received.find((r) => r.path === "/bot42:token/sendMessage"))
      expect(telegram.headers["content-type"]).toBe("application/x-www-form-urlencoded")
      const form = new URLSearchParams(telegram.body)
      expect(form.get("chat_id")).toBe("-100123")
      expect(form.get("text")).toContain(`decision recorded by`)
      expect(signed(telegram, secrets["/bot42:token/sendMessage"]!)).toBe(true)

      // the JSON receiver answers 503 twice: the third attempt delivers it
      const deliveries = await eventually("three JSON attempts", () => {
        const json = sink.received.filter((r) => r.path === "/json" && r.headers["x-pilotproof-event"] === "decision")
        return json.length >= 3 ? json : undefined
      })
      expect(deliveries.map((d) => d.body)).toEqual([deliveries[0]!.body, deliveries[0]!.body, deliveries[0]!.body])
      expect(JSON.parse(deliveries[0]!.body)).toMatchObject({ event: "decision", pilot: PILOT, verdict, computed: verdict, override: null })
      expect(signed(deliveries[2]!, "json-secret")).toBe(true)
      sink.release()
    })

    it("data that skews the split raises an SRM alarm and a verdict change when the snapshot is computed", async () => {
      const at = new Date(Date.now() - 3_600_000).toISOString()
      // three in four units logged as control: a split the 50/50 design cannot produce
      const exposures = Array.from({ length: 400 }, (_, i) => [
        { event_id: `x${i}`, unit_id: `lead-${i}`, type: "exposure", variant: i % 4 === 0 ? "bot" : "control", ts: at },
        { event_id: `c${i}`, unit_id: `lead-${i}`, type: "consent", value: 1, ts: at }
      ]).flat()
      const ingested = await fetch(`${base}/api/pilots/${PILOT}/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${owner}`, "content-type": "application/json" },
        body: JSON.stringify(exposures)
      })
      expect(ingested.status).toBe(200)
      // the results read after the import: its snapshot is the one that raises the alerts
      await fetch(`${base}/api/pilots/${PILOT}/analysis`, { headers: { authorization: `Bearer ${analyst}` } })
      const srm = await eventually("the SRM alarm", () => sink.received.find((r) => r.path === "/slack" && r.headers["x-pilotproof-event"] === "srm"))
      expect(JSON.parse(srm.body).text).toMatch(/sample ratio mismatch: the split between the arms is off \(χ² p = [0-9.e-]+ < 0\.001\)/)
      const change = await eventually("the verdict change", () => sink.received.find((r) => r.path === "/json" && r.headers["x-pilotproof-event"] === "verdict"))
      expect(JSON.parse(change.body)).toMatchObject({ event: "verdict", pilot: PILOT, to: "ITERATE" })
      // computing the same data again raises nothing new
      const before = await queued()
      expect((await fetch(`${base}/api/pilots/${PILOT}/analysis?refresh=1`, { headers: { authorization: `Bearer ${analyst}` } })).status).toBe(200)
      expect(await queued()).toBe(before)
    })
  })
}
