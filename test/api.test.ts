/**
 * The HTTP API end to end: a real server on an ephemeral port over SQLite and the real
 * PostgreSQL server. Every role × endpoint pair is checked against the permissions the contract
 * annotates (allowed → neither 401 nor 403; otherwise 403; no token → 401), then the statuses
 * and bodies of errors, ingestion limits and idempotency, and the OpenAPI document.
 */
import { AllowedRoles, LIMITS, PilotproofApi } from "@pilotproof/api"
import { ROLES, type Role } from "@pilotproof/domain"
import { Tokens } from "@pilotproof/engine"
import { start } from "@pilotproof/server"
import { Context, Effect, Exit, Option, Scope } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIALECTS } from "./fixtures/Databases.js"
import { EXPERIMENTS_DIR } from "./fixtures/Definitions.js"

const PILOT = "support-bot-lead-qualification"
const BOT_YAML = readFileSync(join(EXPERIMENTS_DIR, `${PILOT}.yaml`), "utf8")
/** A second pilot, kept running, for the tests that send it data (PILOT itself is stopped). */
const RUNNING = "api-running-pilot"
const RUNNING_YAML = BOT_YAML.replace(`id: ${PILOT}`, `id: ${RUNNING}`)

interface Endpoint {
  readonly key: string
  readonly method: string
  readonly path: string
  readonly allowed: ReadonlyArray<Role>
}

const endpoints: ReadonlyArray<Endpoint> = Object.values(PilotproofApi.groups).flatMap((group) =>
  Object.values(group.endpoints).map((e) => ({
    key: `${group.identifier}.${e.name}`,
    method: e.method,
    path: e.path,
    allowed: Option.getOrElse(Context.getOption(e.annotations, AllowedRoles), () => [])
  }))
)

/** A request each endpoint accepts when the role may call it. */
const bodies: Record<string, { readonly body: string; readonly type: string }> = {
  "pilots.register": { body: BOT_YAML, type: "text/yaml" },
  "assignment.assign": { body: JSON.stringify({ unitId: "lead-1" }), type: "application/json" },
  "assignment.assignBatch": { body: JSON.stringify({ unitIds: ["lead-1", "lead-2"] }), type: "application/json" },
  "events.ingest": {
    body: JSON.stringify([{ event_id: "e-1", unit_id: "lead-1", type: "exposure", variant: "bot", ts: "2026-01-05T10:00:00Z" }]),
    type: "application/json"
  },
  "decisions.decide": { body: "{}", type: "application/json" },
  "economics.recordActuals": { body: JSON.stringify({ actuals: [{ month: "2026-03", cost: 100, benefit: 250 }] }), type: "application/json" },
  "erasure.erase": { body: JSON.stringify({ unitId: "nobody" }), type: "application/json" },
  "tokens.create": { body: JSON.stringify({ name: "made in a test", role: "analyst" }), type: "application/json" }
}

const url = (path: string) => path.replace(":id", PILOT).replace(":tokenId", "00000000-0000-0000-0000-000000000000")

describe("HTTP API", () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pilotproof-api-"))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("annotates every endpoint with its roles, admin always among them", () => {
    expect(endpoints.length).toBeGreaterThanOrEqual(20)
    for (const e of endpoints) expect(e.allowed, e.key).toContain("admin")
  })

  for (const dialect of DIALECTS) {
    describe(`on ${dialect.name}`, () => {
      let base: string
      let scope: Scope.CloseableScope
      let cleanup: () => Promise<void>
      const token: Partial<Record<Role, string>> = {}

      const call = (method: string, path: string, options: { role?: Role; body?: string; type?: string; token?: string } = {}) =>
        fetch(base + path, {
          method,
          headers: {
            ...(options.role === undefined && options.token === undefined ? {} : { authorization: `Bearer ${options.token ?? token[options.role!]}` }),
            ...(options.type === undefined ? {} : { "content-type": options.type })
          },
          ...(options.body === undefined ? {} : { body: options.body })
        })

      beforeAll(async () => {
        const location = await dialect.location(dir)
        cleanup = location.cleanup
        scope = Effect.runSync(Scope.make())
        const started = await Effect.runPromise(Scope.extend(start({ location: location.url, port: 0 }), scope))
        base = started.url
        const tokens = Context.get(started.context, Tokens)
        for (const role of ROLES) token[role] = (await Effect.runPromise(tokens.create(`${role} in a test`, role))).token
        // Every test starts from the same registry, whatever ran before it: PILOT registered,
        // started and stopped (its design frozen); RUNNING registered and started.
        for (const yaml of [BOT_YAML, RUNNING_YAML]) {
          expect((await call("POST", "/api/pilots", { role: "owner", body: yaml, type: "text/yaml" })).status).toBe(200)
        }
        for (const [pilot, action] of [[PILOT, "start"], [PILOT, "stop"], [RUNNING, "start"]] as const) {
          expect((await call("POST", `/api/pilots/${pilot}/${action}`, { role: "owner" })).status, `${action} ${pilot}`).toBe(200)
        }
      })
      afterAll(async () => {
        await Effect.runPromise(Scope.close(scope, Exit.void))
        await cleanup()
      })

      it("answers every role × endpoint pair as the contract says; 401 without a token", async () => {
        const seen: Array<string> = []
        for (const e of endpoints) {
          const request = bodies[e.key] ?? {}
          const anonymous = await call(e.method, url(e.path), request)
          expect(anonymous.status, `${e.key} without a token`).toBe(401)
          expect((await anonymous.json() as { _tag: string })._tag).toBe("Unauthorized")
          const bad = await call(e.method, url(e.path), { ...request, token: "pp_not-a-real-token-at-all-000000" })
          expect(bad.status, `${e.key} with an unknown token`).toBe(401)
          for (const role of ROLES) {
            const response = await call(e.method, url(e.path), { ...request, role })
            const text = await response.text()
            if (e.allowed.includes(role)) {
              expect([401, 403], `${e.key} as ${role}: ${response.status} ${text.slice(0, 300)}`).not.toContain(response.status)
              expect(response.status, `${e.key} as ${role}: ${text.slice(0, 300)}`).toBeLessThan(500)
            } else {
              expect(response.status, `${e.key} as ${role}`).toBe(403)
              expect(JSON.parse(text)).toMatchObject({ _tag: "Forbidden", role })
            }
            seen.push(`${e.key}:${role}`)
          }
        }
        expect(seen).toHaveLength(endpoints.length * ROLES.length)
      })

      it("reports invalid pilot files with every issue and its line (400)", async () => {
        const bad = BOT_YAML.replace("kind: bot", "kind: chatbot").replace("  alpha: 0.05", "  alpha: 0.5")
        const response = await call("POST", "/api/pilots?source=bad.yaml", { role: "owner", body: bad, type: "text/yaml" })
        expect(response.status).toBe(400)
        const body = await response.json() as { _tag: string; source: string; issues: Array<{ path: string; line: number }> }
        expect(body._tag).toBe("InvalidPilotDefinition")
        expect(body.source).toBe("bad.yaml")
        expect(body.issues.map((i) => i.path)).toEqual(expect.arrayContaining(["kind", "plan.alpha"]))
        expect(body.issues.every((i) => typeof i.line === "number")).toBe(true)
        // the message is the one the CLI prints: every issue with file:line:column
        const message = (body as unknown as { message: string }).message
        expect(message).toMatch(/^bad\.yaml: \d+ problems in the pilot definition\n/)
        expect(message).toMatch(/\n  bad\.yaml:\d+:\d+ kind: /)
        // JSON { source, text } works too
        const json = await call("POST", "/api/pilots", { role: "owner", body: JSON.stringify({ source: "bad.json.yaml", text: bad }), type: "application/json" })
        expect(json.status).toBe(400)
        // a malformed request body is a 400 with the issues
        const malformed = await call("POST", `/api/pilots/${PILOT}/assign`, { role: "owner", body: JSON.stringify({ unit: 1 }), type: "application/json" })
        expect(malformed.status).toBe(400)
        expect((await malformed.json() as { _tag: string })._tag).toBe("HttpApiDecodeError")
      })

      it("404 for an unknown pilot, 409 for a frozen design and an invalid transition", async () => {
        const missing = await call("GET", "/api/pilots/no-such-pilot", { role: "analyst" })
        expect(missing.status).toBe(404)
        expect(await missing.json()).toMatchObject({
          _tag: "PilotNotFound",
          pilotId: "no-such-pilot",
          known: [RUNNING, PILOT],
          message: `no pilot with id "no-such-pilot"; registered: ${RUNNING}, ${PILOT}`
        })
        const changed = BOT_YAML.replace("weight: 50, description: The bot", "weight: 60, description: The bot")
        const frozen = await call("POST", "/api/pilots", { role: "owner", body: changed, type: "text/yaml" })
        expect(frozen.status).toBe(409)
        const frozenBody = await frozen.json() as { _tag: string; pilotId: string; changed: Array<string>; message: string }
        expect(frozenBody).toMatchObject({ _tag: "PilotDesignFrozen", pilotId: PILOT })
        expect(frozenBody.changed.length).toBeGreaterThan(0)
        expect(frozenBody.message).toContain(`pilot "${PILOT}" is stopped; its design (version 1`)
        expect(frozenBody.message).toContain(`changed: ${frozenBody.changed.join(", ")}`)
        const start = await call("POST", `/api/pilots/${PILOT}/start`, { role: "owner" })
        expect(start.status).toBe(409)
        expect(await start.json()).toMatchObject({ _tag: "InvalidTransition", action: "start", message: `cannot start pilot "${PILOT}": it is stopped` })
      })

      it("ingests batches idempotently, reports rejects with their position, and limits size (413)", async () => {
        const events = [
          { event_id: "x-1", unit_id: "lead-9", type: "exposure", variant: "control", ts: "2026-01-06T10:00:00Z" },
          { event_id: "x-2", unit_id: "lead-9", type: "deal_won", ts: "not a time" },
          42
        ]
        const first = await (await call("POST", `/api/pilots/${RUNNING}/events`, { role: "owner", body: JSON.stringify(events), type: "application/json" })).json() as Record<string, unknown>
        expect(first).toMatchObject({ records: 3, accepted: 1, duplicates: 0, rejected: 2 })
        expect((first["rejects"] as Array<{ line: number }>).map((r) => r.line)).toEqual([2, 3])
        const again = await (await call("POST", `/api/pilots/${RUNNING}/events`, { role: "owner", body: JSON.stringify(events), type: "application/json" })).json()
        expect(again).toMatchObject({ records: 3, accepted: 0, duplicates: 1, rejected: 2 })

        const tooMany = Array.from({ length: LIMITS.eventsPerBatch + 1 }, (_, i) => ({ unit_id: `u${i}`, type: "exposure", variant: "bot", ts: "2026-01-06T10:00:00Z" }))
        const many = await call("POST", `/api/pilots/${RUNNING}/events`, { role: "owner", body: JSON.stringify(tooMany), type: "application/json" })
        expect(many.status).toBe(413)
        expect(await many.json()).toMatchObject({ _tag: "PayloadTooLarge", unit: "events", limit: LIMITS.eventsPerBatch })

        const huge = await call("POST", `/api/pilots/${RUNNING}/events`, { role: "owner", body: `[${" ".repeat(LIMITS.bodyBytes)}]`, type: "application/json" })
        expect(huge.status).toBe(413)
        expect(await huge.json()).toMatchObject({ _tag: "PayloadTooLarge", unit: "bytes" })

        // Without Content-Length (chunked) the size is only known while reading: past the limit
        // the server stops reading and closes the connection; nothing is written and it serves on.
        const megabyte = new TextEncoder().encode(" ".repeat(1024 * 1024))
        let sent = 0
        const chunked = fetch(`${base}/api/pilots/${RUNNING}/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${token.owner}`, "content-type": "application/json" },
          body: new ReadableStream<Uint8Array>({
            pull(controller) {
              if (sent++ <= 4 * LIMITS.bodyBytes / megabyte.length) controller.enqueue(megabyte)
              else controller.close()
            }
          }),
          duplex: "half"
        } as RequestInit)
        await expect(chunked).rejects.toThrow()
        expect(sent * megabyte.length).toBeLessThan(3 * LIMITS.bodyBytes)
        const after = await (await call("GET", `/api/pilots/${RUNNING}/events/rejects`, { role: "owner" })).json()
        expect(after).toMatchObject({ total: 2 })
      })

      it("records a decision with an override and shows who overrode it; only an owner or an admin overrides", async () => {
        const refused = await call("POST", `/api/pilots/${PILOT}/decisions`, {
          role: "analyst",
          body: JSON.stringify({ override: { verdict: "GO", reason: "the board wants it" } }),
          type: "application/json"
        })
        expect(refused.status).toBe(403)
        expect(await refused.json()).toMatchObject({ _tag: "Forbidden", role: "analyst", allowed: ["owner", "admin"], message: expect.stringContaining("only the pilot's owner or an admin may override") })
        const response = await call("POST", `/api/pilots/${PILOT}/decisions`, {
          role: "owner",
          body: JSON.stringify({ override: { verdict: "EXTEND", reason: "wait for the holiday season" }, by: "Maria" }),
          type: "application/json"
        })
        expect(response.status).toBe(201)
        const body = await response.json() as { record: Record<string, unknown> }
        expect(body.record).toMatchObject({ verdict: "EXTEND", override_by: "Maria", override_reason: "wait for the holiday season" })
        const history = await (await call("GET", `/api/pilots/${PILOT}/decisions`, { role: "finance" })).json() as Array<{ verdict: string }>
        expect(history.at(-1)?.verdict).toBe("EXTEND")
      })

      it("serves the OpenAPI document with bearer security and every endpoint", async () => {
        const response = await fetch(`${base}/api/openapi.json`)
        expect(response.status).toBe(200)
        const spec = await response.json() as { paths: Record<string, Record<string, unknown>>; components: { securitySchemes: Record<string, unknown> } }
        for (const e of endpoints) {
          const path = e.path.replace(/:(\w+)/g, "{$1}")
          expect(spec.paths[path]?.[e.method.toLowerCase()], `${e.method} ${path}`).toBeDefined()
        }
        expect(Object.keys(spec.components.securitySchemes)).toContain("bearer")
        // domain errors are documented with their message
        const schemas = (spec.components as unknown as { schemas: Record<string, { properties: Record<string, unknown>; required: Array<string> }> }).schemas
        expect(Object.keys(schemas["PilotNotFoundResponse"]?.properties ?? {})).toEqual(["_tag", "pilotId", "known", "message"])
        expect(schemas["PilotNotFoundResponse"]?.required).toContain("message")
        // an invalid file nested in InvalidPilotFiles is sent without a message of its own
        expect(schemas["InvalidPilotFilesResponse"]?.required).toContain("message")
        expect(schemas["InvalidPilotDefinition"]?.required ?? []).not.toContain("message")
      })
    })
  }
})
