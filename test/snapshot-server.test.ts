/**
 * The server answers results from snapshots computed in worker threads: while a stale snapshot
 * is computed, cheap requests are answered and the event loop stays mostly idle (its
 * utilization is what an analysis on it would fill); concurrent requests for one stale snapshot
 * share one computation; a current snapshot is read, `?refresh=1` computes again, and an HTTP
 * ingestion batch is in the next answer. The pilot page names the snapshot and its data version.
 */
import { DAY_MS } from "@pilotproof/domain"
import { Decisions, PilotRegistry, readScenario, Simulation, Tokens } from "@pilotproof/engine"
import { start } from "@pilotproof/server"
import { Database } from "@pilotproof/store"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EXPERIMENTS_DIR, experimentFiles } from "./fixtures/Definitions.js"

const PILOT = "reply-drafting-assistant"

const seed = (file: string) =>
  Effect.gen(function*() {
    const registry = yield* PilotRegistry
    yield* registry.register(experimentFiles().filter((f) => f.source.includes(PILOT)))
    yield* registry.start(PILOT)
    const scenarioPath = join(EXPERIMENTS_DIR, "scenarios", `${PILOT}.yaml`)
    yield* (yield* Simulation).intoPilot(scenarioPath)
    const scenario = yield* readScenario(scenarioPath)
    // a decision recorded at the scenario's end: the page shows it beside the snapshot's results
    yield* (yield* Decisions).record(PILOT, { asOfMs: Date.parse(scenario.start) + scenario.days * DAY_MS, actor: "test" })
  }).pipe(Effect.provide(Layer.mergeAll(PilotRegistry.Default, Simulation.Default, Decisions.Default).pipe(Layer.provide(Database.sqlite(file)))))

describe("a server answering from snapshots", () => {
  let dir: string
  let base: string
  let scope: Scope.CloseableScope
  let auth: Record<string, string>
  let token: string
  let end: string
  /** A second server over the same database that lets only two results requests wait at once. */
  let queued: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pilotproof-snapshot-server-"))
    const file = join(dir, "pilotproof.db")
    await Effect.runPromise(seed(file))
    scope = Effect.runSync(Scope.make())
    const started = await Effect.runPromise(Scope.extend(start({ location: file, port: 0, snapshotWorkers: 1 }), scope))
    base = started.url
    token = (await Effect.runPromise(Context.get(started.context as Context.Context<Tokens>, Tokens).create("snapshot test", "admin"))).token
    auth = { authorization: `Bearer ${token}` }
    const small = await Effect.runPromise(Scope.extend(start({ location: file, port: 0, snapshotWorkers: 1, resultsQueue: { limit: 2, retryAfterSeconds: 7 } }), scope))
    queued = small.url
    const scenario = await Effect.runPromise(readScenario(join(EXPERIMENTS_DIR, "scenarios", `${PILOT}.yaml`)))
    end = new Date(Date.parse(scenario.start) + scenario.days * DAY_MS).toISOString()
  }, 180_000)

  afterAll(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(dir, { recursive: true, force: true })
  })

  /** Logs in on the server at `url` with the test's token; the session cookie to send. */
  const sessionCookie = async (url: string) => {
    const login = await fetch(`${url}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `token=${encodeURIComponent(token)}&next=%2F`
    })
    return (login.headers.get("set-cookie") ?? "").split(";")[0]!
  }

  const analysis = async (query = "") => {
    const response = await fetch(`${base}/api/pilots/${PILOT}/analysis${query}`, { headers: auth })
    expect(response.status).toBe(200)
    return (await response.json()) as { asOf: string; readiness: { exposure: { units: Record<string, number> } } }
  }

  it("computes a stale snapshot off the event loop, once for concurrent requests, and answers cheap requests meanwhile", async () => {
    const before = performance.eventLoopUtilization()
    const order: Array<string> = []
    const analyses = Promise.all(Array.from({ length: 5 }, () => analysis().then((a) => {
      order.push("analysis")
      return a
    })))
    await new Promise((resolve) => setTimeout(resolve, 50))
    const me = await fetch(`${base}/api/me`, { headers: auth })
    order.push("me")
    expect(me.status).toBe(200)
    const answers = await analyses
    const utilization = performance.eventLoopUtilization(before).utilization
    expect(order[0], "GET /api/me waited for the analysis").toBe("me")
    expect(new Set(answers.map((a) => a.asOf)).size, "one computation for the five requests").toBe(1)
    // an analysis on this thread keeps its loop busy nearly all the time (synchronous SQLite
    // queries and the statistics); here it only waits for the worker's answer
    expect(utilization).toBeLessThan(0.5)
  }, 120_000)

  it("reads a current snapshot, computes again on ?refresh=1, and has an ingested batch in the next answer", async () => {
    const current = await analysis()
    expect((await analysis()).asOf).toBe(current.asOf)
    const refreshed = await analysis("?refresh=1")
    expect(Date.parse(refreshed.asOf)).toBeGreaterThan(Date.parse(current.asOf))
    expect((await analysis()).asOf).toBe(refreshed.asOf)

    const units = refreshed.readiness.exposure.units
    const ts = new Date(Date.now() - 60_000).toISOString()
    const ingested = await fetch(`${base}/api/pilots/${PILOT}/events`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify([{ unit_id: "snapshot-test-unit", type: "exposure", variant: "control", ts }])
    })
    expect(ingested.status).toBe(200)
    const after = await analysis()
    expect(after.readiness.exposure.units["control"]).toBe((units["control"] ?? 0) + 1)
  }, 120_000)

  it("shows the snapshot's id and data version on the pilot page", async () => {
    const cookie = await sessionCookie(base)
    const html = await (await fetch(`${base}/pilots/${PILOT}`, { headers: { cookie } })).text()
    const { asOf } = await analysis()
    expect(html).toMatch(new RegExp(`id="snapshot">Snapshot <code>\\d+@${asOf.replace(/[.]/g, "\\.")}</code>: data version \\d+, computed `))
  }, 60_000)

  it("computes an as-of analysis in the worker too: /api/me is answered first and the loop stays mostly idle", async () => {
    const before = performance.eventLoopUtilization()
    const order: Array<string> = []
    const asOf = analysis(`?asOf=${encodeURIComponent(end)}`).then((a) => {
      order.push("analysis")
      return a
    })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect((await fetch(`${base}/api/me`, { headers: auth })).status).toBe(200)
    order.push("me")
    const answer = await asOf
    expect(answer.asOf).toBe(end)
    expect(order).toEqual(["me", "analysis"])
    expect(performance.eventLoopUtilization(before).utilization).toBeLessThan(0.5)
  }, 120_000)

  it("refuses results requests past its queue with 503 and Retry-After, answers the rest and every cheap request", async () => {
    const call = (path: string) => fetch(`${queued}${path}`, { headers: auth })
    // eight at once, each asking for a new computation (seconds): two wait, six are refused at once
    const burst = await Promise.all(Array.from({ length: 8 }, () => call(`/api/pilots/${PILOT}/analysis?refresh=1`)))
    const me = await call("/api/me")
    const statuses = burst.map((r) => r.status)
    expect(me.status).toBe(200)
    expect(statuses.filter((s) => s === 200).length, statuses.join(" ")).toBeGreaterThanOrEqual(1)
    expect(statuses.filter((s) => s === 200).length, statuses.join(" ")).toBeLessThanOrEqual(2)
    expect(statuses.filter((s) => s !== 200 && s !== 503), statuses.join(" ")).toEqual([])
    for (const refused of burst.filter((r) => r.status === 503)) {
      expect(refused.headers.get("retry-after")).toBe("7")
      expect(refused.headers.get("x-content-type-options")).toBe("nosniff")
      const body = (await refused.json()) as { _tag: string; message: string; retryAfter: number }
      expect(body).toEqual({
        _tag: "Overloaded",
        message: "2 results requests are already waiting for a computation; try again in 7 s",
        retryAfter: 7
      })
    }
    // the slots are given back: with nothing in flight every results request is answered
    const after = await Promise.all([call(`/api/pilots/${PILOT}/analysis`), call(`/api/pilots/${PILOT}/readiness`)])
    expect(after.map((r) => r.status)).toEqual([200, 200])
  }, 120_000)

  it("gives a slot back when its client goes away, and counts HEAD like GET", async () => {
    // two requests that wait for a computation, abandoned at once: their slots come back
    const gone = [1, 2].map(() => {
      const abort = new AbortController()
      const sent = fetch(`${queued}/api/pilots/${PILOT}/analysis?refresh=1`, { headers: auth, signal: abort.signal }).catch(() => undefined)
      setTimeout(() => abort.abort(), 50)
      return sent
    })
    await Promise.all(gone)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const both = await Promise.all([1, 2].map(() => fetch(`${queued}/api/pilots/${PILOT}/analysis`, { headers: auth })))
    expect(both.map((r) => r.status)).toEqual([200, 200])
    // HEAD runs the GET route: it takes a slot like GET
    const slow = [1, 2].map(() => fetch(`${queued}/api/pilots/${PILOT}/analysis?refresh=1`, { headers: auth }))
    await new Promise((resolve) => setTimeout(resolve, 100))
    const head = await fetch(`${queued}/api/pilots/${PILOT}/analysis?refresh=1`, { method: "HEAD", headers: auth })
    await Promise.all(slow)
    expect(head.status).toBe(503)
    expect(head.headers.get("retry-after")).toBe("7")
  }, 120_000)

  it("answers a page past the queue with a 503 page that says why", async () => {
    const cookie = await sessionCookie(queued)
    const slow = [1, 2].map(() => fetch(`${queued}/api/pilots/${PILOT}/analysis?refresh=1`, { headers: auth }))
    await new Promise((resolve) => setTimeout(resolve, 100))
    const busy = await fetch(`${queued}/pilots/${PILOT}`, { headers: { cookie } })
    await Promise.all(slow)
    expect(busy.status).toBe(503)
    expect(busy.headers.get("retry-after")).toBe("7")
    expect(busy.headers.get("content-type")).toMatch(/^text\/html/)
    expect(await busy.text()).toContain("Busy computing results")
    expect((await fetch(`${queued}/pilots/${PILOT}`, { headers: { cookie } })).status).toBe(200)
  }, 120_000)
})
