/**
 * Results snapshots and a server that stays responsive, on the demo database (SQLite; the pilots
 * of experiments/ and their simulated data, made by the built CLI's `demo --no-serve`). Every
 * figure is a ratio against a baseline measured in the same run:
 *  - `GET /api/pilots/<id>/analysis` and the pilot page answered from a current snapshot, p50 and
 *    p99, against `GET /api/me` (target ≤ 2×);
 *  - `GET /api/me` p99 while four snapshot recomputations run in the worker threads, against
 *    its p99 at rest (the target: under 50 ms);
 *  - 32 connections for 20 s on the analysis endpoint: requests/s against the same load on
 *    `GET /api/me`, and the number of errors (target 0);
 *  - a full snapshot recomputation (readiness, every metric, economics with its Monte Carlo, the
 *    effect-over-time series) against the bare aggregation queries that compute the same
 *    pilot's sufficient statistics (the SQL floor).
 */
import { primaryMetric } from "@pilotproof/domain"
import { PilotRegistry, SnapshotBuilder, Tokens } from "@pilotproof/engine"
import { start } from "@pilotproof/server"
import { Aggregation, Database } from "@pilotproof/store"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { ratio } from "./Timing.js"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const BIN = join(ROOT, "packages/cli/dist/pilotproof.mjs")
const PILOT = "personalized-offers-returning"
const PILOTS = ["support-bot-lead-qualification", "lead-scoring-queue-priority", "personalized-offers-returning", "reply-drafting-assistant"]

/** One GET on a kept-alive connection pool; resolves with its status and milliseconds. */
const agentGet = (base: string, path: string, headers: Record<string, string>) =>
  new Promise<{ status: number; ms: number }>((resolve) => {
    const started = performance.now()
    const req = request(`${base}${path}`, { headers }, (res) => {
      res.resume()
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }))
    })
    req.on("error", () => resolve({ status: 0, ms: performance.now() - started }))
    req.end()
  })

const quantile = (xs: ReadonlyArray<number>, q: number) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

const sequential = async (n: number, once: () => Promise<{ status: number; ms: number }>) => {
  const ms: Array<number> = []
  let errors = 0
  for (let i = 0; i < n; i++) {
    const r = await once()
    if (r.status !== 200) errors++
    ms.push(r.ms)
  }
  return { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), errors }
}

/** `connections` clients, each sending its next request when the last answered, for `seconds`. */
const load = async (connections: number, seconds: number, once: () => Promise<{ status: number; ms: number }>) => {
  const until = performance.now() + seconds * 1000
  let done = 0
  let errors = 0
  const ms: Array<number> = []
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < until) {
      const r = await once()
      ms.push(r.ms)
      if (r.status === 200) done++
      else errors++
    }
  }))
  return { perSecond: done / seconds, errors, p50: quantile(ms, 0.5), p99: quantile(ms, 0.99) }
}

export const run = async (): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), "pilotproof-snapshots-bench-"))
  const file = join(dir, "pilotproof.db")
  try {
    const demo = spawnSync(process.execPath, [BIN, "--db", file, "demo", "--no-serve"], { cwd: ROOT, encoding: "utf8" })
    if (demo.status !== 0) throw new Error(`demo failed: ${demo.stderr}`)

    // the SQL floor and a full recomputation, in this process, on one connection
    await Effect.runPromise(Effect.gen(function*() {
      const registry = yield* PilotRegistry
      const aggregation = yield* Aggregation
      const builder = yield* SnapshotBuilder
      const { pilot } = yield* registry.show(PILOT)
      const d = pilot.definition
      const scope = { pilotId: PILOT, asOfMs: Date.now(), consentRequired: d.readiness.consent === "required" }
      const time = function*<A, E, R>(effect: Effect.Effect<A, E, R>) {
        const started = performance.now()
        yield* effect
        return performance.now() - started
      }
      yield* time(builder.build(PILOT)) // warm caches
      const bare: Array<number> = []
      const full: Array<number> = []
      for (let i = 0; i < 3; i++) {
        bare.push(yield* time(Effect.forEach(d.metrics, (m) => aggregation.metricStats(scope, m))))
        full.push(yield* time(builder.build(PILOT)))
      }
      const b = quantile(bare, 0.5)
      const f = quantile(full, 0.5)
      console.log(`  snapshot recompute of ${PILOT} (152k events, ${d.metrics.length} metrics; primary ${primaryMetric(d).key}): ${f.toFixed(0)} ms vs the bare per-metric aggregation SQL ${b.toFixed(0)} ms: ${ratio(f, b)} (target ≤ 1.5×)`)
    }).pipe(Effect.provide(Layer.mergeAll(PilotRegistry.Default, Aggregation.Default, SnapshotBuilder.Default).pipe(Layer.provide(Database.sqlite(file))))))

    const scope = Effect.runSync(Scope.make())
    const started = await Effect.runPromise(Scope.extend(start({ location: file, port: 0 }), scope))
    const base = started.url
    const token = (await Effect.runPromise(Context.get(started.context as Context.Context<Tokens>, Tokens).create("bench", "admin"))).token
    const auth = { authorization: `Bearer ${token}` }
    const login = await fetch(`${base}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `token=${encodeURIComponent(token)}&next=%2F`
    })
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!
    const me = () => agentGet(base, "/api/me", auth)
    const analysis = (id = PILOT, query = "") => agentGet(base, `/api/pilots/${id}/analysis${query}`, auth)
    const pageOf = () => agentGet(base, `/pilots/${PILOT}`, { cookie })

    for (const id of PILOTS) await analysis(id) // every snapshot current
    await pageOf()
    const meAtRest = await sequential(300, me)
    const fromSnapshot = await sequential(300, () => analysis())
    const page = await sequential(100, pageOf)
    console.log(`  GET /api/me at rest: p50 ${meAtRest.p50.toFixed(2)} ms, p99 ${meAtRest.p99.toFixed(2)} ms`)
    console.log(`  GET …/analysis from a current snapshot: p50 ${fromSnapshot.p50.toFixed(2)} ms (${ratio(fromSnapshot.p50, meAtRest.p50)}), p99 ${fromSnapshot.p99.toFixed(2)} ms (${ratio(fromSnapshot.p99, meAtRest.p99)}) of /api/me (target ≤ 2×); errors ${fromSnapshot.errors}`)
    console.log(`  the pilot page from a current snapshot: p50 ${page.p50.toFixed(2)} ms (${ratio(page.p50, meAtRest.p50)}), p99 ${page.p99.toFixed(2)} ms (${ratio(page.p99, meAtRest.p99)}) of /api/me; errors ${page.errors}`)

    // four recomputations in the workers; /api/me meanwhile
    const recomputing = Promise.all(PILOTS.map((id) => analysis(id, "?refresh=1")))
    let finished = false
    void recomputing.then(() => {
      finished = true
    })
    const during: Array<number> = []
    while (!finished) {
      during.push((await me()).ms)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const refreshed = await recomputing
    console.log(`  GET /api/me while four snapshots recompute (${(Math.max(...refreshed.map((r) => r.ms)) / 1000).toFixed(1)} s, ${during.length} requests): p99 ${quantile(during, 0.99).toFixed(1)} ms (${ratio(quantile(during, 0.99), meAtRest.p99)} of at rest; target < 50 ms); recomputations ${refreshed.filter((r) => r.status === 200).length}/4 answered 200`)

    const meLoad = await load(32, 20, me)
    const analysisLoad = await load(32, 20, () => analysis())
    console.log(`  32 connections × 20 s: …/analysis ${analysisLoad.perSecond.toFixed(0)} req/s (${ratio(analysisLoad.perSecond, meLoad.perSecond)} of /api/me's ${meLoad.perSecond.toFixed(0)} req/s), p50 ${analysisLoad.p50.toFixed(1)} ms, p99 ${analysisLoad.p99.toFixed(1)} ms (/api/me: p50 ${meLoad.p50.toFixed(1)} ms, p99 ${meLoad.p99.toFixed(1)} ms); errors ${analysisLoad.errors} (target 0)`)
    await Effect.runPromise(Scope.close(scope, Exit.void))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
