/**
 * A results snapshot recomputed at 100 000, 1 000 000 and 10 000 000 events (20 000, 200 000 and
 * 2 000 000 units × 5 events) on SQLite and PostgreSQL, each figure a ratio against a baseline
 * measured in the same run:
 *  - the full recomputation (readiness, every metric with CUPED, the novelty weeks, economics
 *    with its Monte Carlo, the effect-over-time series, the snapshot written) against the SQL
 *    floor: the bare per-metric aggregation queries that compute the same pilot's per-variant
 *    sufficient statistics (target ≤ 1.5×);
 *  - the same recomputation against the time its own SQL statements took inside it (measured
 *    at the driver): what the engine adds to the database's work;
 *  - its peak RSS at each size against the smallest (target: flat, largest/smallest ≤ 1.2×).
 *
 * The events are made inside each database by one `INSERT … SELECT` over a recursive series
 * (the same SQL, so the same rows, on both), after the pilot is registered and an import
 * recorded; the import is finished through `EventRepo.finishImport`, which refreshes
 * PostgreSQL's planner statistics as every import does. Each measurement runs in a child
 * process of its own (this file, `--child`), so its peak RSS (`process.resourceUsage().maxRSS`)
 * is its alone. Sizes: `PILOTPROOF_BENCH_SCALE=100000,1000000` to run fewer.
 */
import { PilotRegistry, SnapshotBuilder } from "@pilotproof/engine"
import { Aggregation, Database, EventRepo, PilotRepo } from "@pilotproof/store"
import SqliteDatabase from "better-sqlite3"
import { Effect, Layer } from "effect"
import { sql } from "kysely"
import pg from "pg"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { ratio } from "./Timing.js"

const PILOT = "scale-bench"
const DAY_MS = 86_400_000
const T0 = Date.parse("2026-03-01T00:00:00Z")
const EVENTS_PER_UNIT = 5
const PG_URL = process.env["PILOTPROOF_BENCH_PG"] ?? "postgres://postgres@127.0.0.1:5432/test"

/** Personalized offers at scale: conversion in 14 days, revenue with CUPED on pre-period spend, a complaint guardrail. */
export const DEFINITION = {
  id: PILOT,
  name: "Scale benchmark",
  kind: "personalization",
  owner: { name: "Bench", email: "bench@example.com" },
  hypothesis: "Personal offers raise conversion and revenue.",
  unit: "customer",
  variants: [{ key: "control", weight: 50 }, { key: "personalized", weight: 50 }],
  metrics: [
    { key: "converted", role: "primary", type: "binomial", event: "deal_won", window: { days: 14 }, direction: "increase" },
    { key: "revenue", role: "secondary", type: "mean", event: "order", aggregate: "sum", window: { days: 14 }, direction: "increase", covariate: { event: "order", aggregate: "sum", days: 30 } },
    { key: "complaint", role: "guardrail", type: "binomial", event: "complaint", window: { days: 14 }, direction: "decrease", margin: 0.01 }
  ],
  plan: { mde: 0.1, baseline: 0.12, minDays: 7, maxDays: 60 },
  economics: {
    currency: "RUB",
    horizonMonths: 24,
    discountRate: 0.16,
    contingency: 0.2,
    targetPaybackMonths: 12,
    volume: { unitsPerMonth: 100_000 },
    value: { converted: 3000 },
    costs: [{ item: "Integration", category: "integration", oneTime: 1_000_000 }]
  },
  readiness: { consent: "required", dataOwner: "CRM team" }
}

/** Every size's units are exposed over the same 50 days (a pilot's length), so every size is one whole pilot. */
const EXPOSURE_DAYS = 50

/**
 * Units `from…to−1` of `units` and their 5 events each, as one INSERT … SELECT valid on both
 * dialects: an exposure (variant by the unit's parity, spread evenly over `EXPOSURE_DAYS`), a consent just before it, an
 * order 1–20 days before it (the covariate), an order or a visit after it, and a conversion
 * (12% control, 14% personalized), a complaint (2%) or a visit. Integer hashing keeps it
 * deterministic; `cast(… as bigint)` keeps PostgreSQL's arithmetic in 64 bits.
 */
const insertUnits = (from: number, to: number, units: number) => {
  const i = "cast(u.i as bigint)"
  const ts = `(${T0} + ${i} * ${Math.floor((EXPOSURE_DAYS * DAY_MS) / units)})`
  const h = `((${i} * 2654435761) % 100)`
  const variant = `case when u.i % 2 = 0 then 'control' else 'personalized' end`
  return `
with recursive u(i) as (select ${from} union all select i + 1 from u where i < ${to - 1}),
j(j) as (select 0 union all select 1 union all select 2 union all select 3 union all select 4)
insert into events (pilot_id, event_id, unit_id, type, variant, value, ts_ms, attributes, phone_key, email_key, format_flags, expected_variant, source, line, batch_id, cluster_id)
select '${PILOT}', 'c' || u.i || '-' || j.j, 'c' || u.i,
  case j.j when 0 then 'exposure' when 1 then 'consent' when 2 then 'order'
    when 3 then case when ${h} < 40 then 'order' else 'visit' end
    else case when ${h} < (case when u.i % 2 = 0 then 12 else 14 end) then 'deal_won' when ${h} >= 98 then 'complaint' else 'visit' end end,
  case when j.j = 0 then ${variant} end,
  case when j.j = 2 then ((${i} * 7919) % 5000) / 10.0 when j.j = 3 then ((${i} * 104729) % 6000) / 10.0 + case when u.i % 2 = 0 then 0 else 15 end end,
  case j.j when 0 then ${ts} when 1 then ${ts} - 60000 when 2 then ${ts} - ${DAY_MS} * (1 + ${i} % 20)
    when 3 then ${ts} + 3600000 * (1 + ${i} % 240) else ${ts} + 3600000 * (1 + ${i} % 300) end,
  '{}', null, null, null, null, 'generated', null, 'scale', null
from u cross join j`
}

const UNITS_PER_STATEMENT = 200_000

export type Target = { readonly dialect: "sqlite"; readonly file: string } | { readonly dialect: "postgres"; readonly schema: string }

const layerOf = (target: Target) => (target.dialect === "sqlite" ? Database.sqlite(target.file) : Database.postgres(PG_URL, { schema: target.schema }))

/** Registers and starts the pilot and writes `units` units' events, recorded as one finished import. */
export const load = (target: Target, units: number) =>
  Effect.gen(function*() {
    const registry = yield* PilotRegistry
    const repo = yield* EventRepo
    const database = yield* Database
    yield* registry.register([{ source: "scale.json", text: JSON.stringify(DEFINITION) }])
    yield* registry.start(PILOT)
    yield* repo.startImport("scale", PILOT, "generated", new Date(T0).toISOString())
    for (let from = 0; from < units; from += UNITS_PER_STATEMENT) {
      const text = insertUnits(from, Math.min(units, from + UNITS_PER_STATEMENT), units)
      yield* database.withTransaction("generating events", database.use("generating events", (db) => sql.raw(text).execute(db)))
    }
    yield* repo.finishImport("scale", new Date(T0).toISOString())
  }).pipe(Effect.provide(Layer.mergeAll(PilotRegistry.Default, EventRepo.Default).pipe(Layer.provideMerge(layerOf(target)))))

// ---------------------------------------------------------------------------------------------
// Child processes: one measurement each.
// ---------------------------------------------------------------------------------------------

/** Milliseconds spent inside the database drivers' query calls since the last reset. */
let sqlMs = 0

/** Times every statement at the driver: better-sqlite3's `all`/`run`/`iterate`, pg's `Client.query`. */
const instrumentDrivers = () => {
  const statement = Object.getPrototypeOf(new SqliteDatabase(":memory:").prepare("select 1")) as Record<string, (...args: Array<unknown>) => unknown>
  for (const name of ["all", "run", "get"]) {
    const original = statement[name]!
    statement[name] = function(this: unknown, ...args: Array<unknown>) {
      const started = performance.now()
      try {
        return original.apply(this, args)
      } finally {
        sqlMs += performance.now() - started
      }
    }
  }
  const client = pg.Client.prototype as unknown as { query: (...args: Array<unknown>) => unknown }
  const query = client.query
  client.query = function(this: unknown, ...args: Array<unknown>) {
    const started = performance.now()
    const result = query.apply(this, args)
    if (result instanceof Promise) return result.finally(() => (sqlMs += performance.now() - started))
    return result
  }
}

interface ChildTask {
  readonly target: Target
  readonly what: "floor" | "recompute"
}

interface ChildResult {
  readonly ms: number
  readonly sqlMs: number
  readonly maxRssMb: number
  readonly verdict?: string
}

/** Runs the measured step twice (the first warms the caches and, for a recompute, makes the snapshot) and reports the second. */
const child = (task: ChildTask) =>
  Effect.gen(function*() {
    instrumentDrivers()
    const builder = yield* SnapshotBuilder
    const aggregation = yield* Aggregation
    const d = (yield* (yield* PilotRepo).get(PILOT)).definition
    const step = task.what === "recompute"
      ? Effect.map(builder.build(PILOT), (s) => s.evaluation.decision.verdict as string)
      : Effect.as(
        Effect.forEach(d.metrics, (m) => aggregation.metricStats({ pilotId: PILOT, asOfMs: Date.now(), consentRequired: true }, m)),
        undefined
      )
    yield* step
    sqlMs = 0
    const started = performance.now()
    const verdict = yield* step
    const result: ChildResult = {
      ms: performance.now() - started,
      sqlMs,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      ...(verdict === undefined ? {} : { verdict })
    }
    return result
  }).pipe(Effect.provide(Layer.mergeAll(SnapshotBuilder.Default, Aggregation.Default, PilotRepo.Default).pipe(Layer.provide(layerOf(task.target)))))

const THIS_FILE = fileURLToPath(import.meta.url)

const inChild = (task: ChildTask): ChildResult => {
  const result = spawnSync(process.execPath, [THIS_FILE, "--child", JSON.stringify(task)], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 })
  if (result.status !== 0) throw new Error(`benchmark child ${task.what} on ${task.target.dialect} failed: ${result.stderr}`)
  const lines = result.stdout.trim().split("\n")
  return JSON.parse(lines[lines.length - 1]!) as ChildResult
}

/** Whether the benchmark's PostgreSQL answers (else its suites run on SQLite alone). */
export const postgresReachable = async () => {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

const dropSchema = async (schema: string) => {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    await client.query(`drop schema if exists ${schema} cascade`)
  } finally {
    await client.end()
  }
}

export async function run(): Promise<void> {
  const sizes = (process.env["PILOTPROOF_BENCH_SCALE"] ?? "100000,1000000,10000000").split(",").map((s) => Number(s.trim())).filter((n) => n > 0).sort((a, b) => a - b)
  const dialects: Array<"sqlite" | "postgres"> = ["sqlite"]
  if (await postgresReachable()) dialects.push("postgres")
  else console.log(`  (PostgreSQL at ${PG_URL} is not reachable: SQLite only)`)
  const dir = mkdtempSync(join(tmpdir(), "pilotproof-scale-bench-"))
  try {
    for (const dialect of dialects) {
      const rows: Array<{ events: number; floor: ChildResult; recompute: ChildResult }> = []
      for (const events of sizes) {
        const units = Math.ceil(events / EVENTS_PER_UNIT)
        const target: Target = dialect === "sqlite"
          ? { dialect, file: join(dir, `scale-${events}.db`) }
          : { dialect, schema: `scale_bench_${process.pid}_${events}` }
        try {
          const loading = performance.now()
          await Effect.runPromise(load(target, units))
          const loadedS = (performance.now() - loading) / 1000
          const floor = inChild({ target, what: "floor" })
          const recompute = inChild({ target, what: "recompute" })
          rows.push({ events, floor, recompute })
          console.log(
            `  ${dialect.padEnd(8)} ${events.toLocaleString("en").padStart(10)} events (made in ${loadedS.toFixed(0)} s): recompute ${(recompute.ms / 1000).toFixed(2)} s vs the per-metric SQL floor ${
              (floor.ms / 1000).toFixed(2)
            } s: ${ratio(recompute.ms, floor.ms)} (target ≤ 1.5×); its own SQL ${(recompute.sqlMs / 1000).toFixed(2)} s: ${ratio(recompute.ms, recompute.sqlMs)} of it; peak RSS ${
              recompute.maxRssMb.toFixed(0)
            } MB; verdict ${recompute.verdict}`
          )
        } finally {
          if (target.dialect === "sqlite") for (const suffix of ["", "-wal", "-shm"]) rmSync(`${target.file}${suffix}`, { force: true })
          else await dropSchema(target.schema).catch(() => undefined)
        }
      }
      if (rows.length > 1) {
        const small = rows[0]!
        const large = rows[rows.length - 1]!
        console.log(
          `  ${dialect.padEnd(8)} peak RSS of a recompute: ${small.recompute.maxRssMb.toFixed(0)} MB at ${small.events.toLocaleString("en")} events, ${
            large.recompute.maxRssMb.toFixed(0)
          } MB at ${large.events.toLocaleString("en")}: largest/smallest ${ratio(large.recompute.maxRssMb, small.recompute.maxRssMb)} (target ≤ 1.2×); time ${
            ratio(large.recompute.ms, small.recompute.ms)
          } for ${ratio(large.events, small.events)} the events`
        )
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === "--child") {
  const result = await Effect.runPromise(child(JSON.parse(process.argv[3]!) as ChildTask))
  console.log(JSON.stringify(result))
}
