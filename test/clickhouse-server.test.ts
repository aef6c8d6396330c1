/**
 * `serve` with its events in ClickHouse (PILOTPROOF_EVENTS set in this test process, so the
 * server and its snapshot worker thread open the test cluster): HTTP ingestion is idempotent,
 * the analysis the worker computes counts what was ingested, and an erasure through the API
 * leaves no event of the person on any shard.
 */
import { Tokens } from "@pilotproof/engine"
import { start } from "@pilotproof/server"
import { Context, Effect, Exit, Scope } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dropClickHouseDatabase, freshClickHouseUrl } from "./fixtures/ClickHouse.js"
import { minimalPilot } from "./fixtures/Definitions.js"

const PILOT = "ingest-to-clickhouse"
const url = freshClickHouseUrl("srv")

describe("serve with PILOTPROOF_EVENTS=clickhouse://…", () => {
  let dir: string
  let scope: Scope.CloseableScope
  let base: string
  let auth: Record<string, string>

  beforeAll(async () => {
    process.env["PILOTPROOF_EVENTS"] = url
    dir = mkdtempSync(join(tmpdir(), "pilotproof-ch-server-"))
    scope = Effect.runSync(Scope.make())
    const started = await Effect.runPromise(Scope.extend(start({ location: join(dir, "registry.db"), port: 0, snapshotWorkers: 1 }), scope))
    base = started.url
    const token = (await Effect.runPromise(Context.get(started.context as Context.Context<Tokens>, Tokens).create("ch test", "admin"))).token
    auth = { authorization: `Bearer ${token}` }
  }, 120_000)

  afterAll(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    delete process.env["PILOTPROOF_EVENTS"]
    await dropClickHouseDatabase(url)
    rmSync(dir, { recursive: true, force: true })
  })

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${base}${path}`, { method, headers: { ...auth, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })

  it("ingests over HTTP idempotently, analyses in the worker thread, and erases a person through the API", async () => {
    expect((await call("POST", "/api/pilots", { source: "p.json", text: JSON.stringify(minimalPilot(PILOT)) })).status).toBe(200)
    expect((await call("POST", `/api/pilots/${PILOT}/start`)).status).toBe(200)
    const events = []
    for (let i = 0; i < 400; i++) {
      const variant = i % 2 === 0 ? "control" : "bot"
      events.push({ event_id: `c-${i}`, unit_id: `lead-${i}`, type: "consent", ts: "2026-03-02T09:00:00Z" })
      events.push({ event_id: `x-${i}`, unit_id: `lead-${i}`, type: "exposure", variant, ts: "2026-03-02T10:00:00Z" })
      if (i % (variant === "bot" ? 4 : 8) === 1) events.push({ event_id: `w-${i}`, unit_id: `lead-${i}`, type: "deal_won", ts: "2026-03-05T10:00:00Z" })
    }
    const first = await (await call("POST", `/api/pilots/${PILOT}/events`, events)).json() as Record<string, number>
    expect(first).toMatchObject({ records: events.length, accepted: events.length, duplicates: 0, rejected: 0 })
    const again = await (await call("POST", `/api/pilots/${PILOT}/events`, events)).json() as Record<string, number>
    expect(again).toMatchObject({ accepted: 0, duplicates: events.length })

    const analysis = await (await call("GET", `/api/pilots/${PILOT}/analysis?refresh=1`)).json() as {
      readiness: { exposure: { units: Record<string, number> } }
      metrics: Array<{ key: string; variants: Array<{ variant: string; n: number; mean: number }> }>
    }
    expect(analysis.readiness.exposure.units).toEqual({ bot: 200, control: 200 })
    const converted = (report: typeof analysis) => Object.fromEntries(report.metrics.find((m) => m.key === "converted")!.variants.map((v) => [v.variant, [v.n, v.mean]]))
    // the bots (odd i) with i % 4 = 1 won (lead-1, lead-5, …): 100 of 200; no control (even i) has i % 8 = 1
    expect(converted(analysis)).toEqual({ bot: [200, 0.5], control: [200, 0] })

    const erased = await call("POST", "/api/erasures", { unitId: "lead-1" })
    expect(erased.status).toBe(200)
    expect(await erased.json()).toMatchObject({ events_deleted: 3, pilots: JSON.stringify([PILOT]) })
    const after = await (await call("GET", `/api/pilots/${PILOT}/analysis?refresh=1`)).json() as typeof analysis
    expect(after.readiness.exposure.units).toEqual({ bot: 199, control: 200 })
    expect(converted(after)).toEqual({ bot: [199, 99 / 199], control: [200, 0] })
  }, 120_000)
})
