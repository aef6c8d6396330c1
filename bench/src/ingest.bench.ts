/**
 * Ingestion and aggregation against bare better-sqlite3 on identical tables in the same run:
 *  - importing 1,000,000 events from a generated CSV through the real path (`eventFileSource` →
 *    `EventImport.run` on `Database.sqlite`) vs a bare prepared INSERT loop in one transaction
 *    (reading the same file line by line, and, as a floor, rows made in memory), into an
 *    `events` table made by the real migrations: events/s and peak RSS (target ≥ 0.5×);
 *  - `Aggregation.metricStats` (binomial and mean) over millions of events vs a hand-written
 *    GROUP BY giving the same per-variant sums (target ≤ 1.3×);
 *  - peak RSS importing 250,000 vs 1,000,000 events (flat memory: ≈ 1×), and the heap still in
 *    use after each import and a full GC (peak RSS also moves with when V8 collects).
 * Each import runs in its own child process (this file, `--child`), so peak RSS
 * (`process.resourceUsage().maxRSS`) is that import's alone; each is run three times and the
 * medians are reported.
 */
import { assign } from "@pilotproof/assignment"
import { EventImport, eventFileSource, PilotRegistry } from "@pilotproof/engine"
import type { VariantStats } from "@pilotproof/stats"
import { Aggregation, Database, PilotRepo } from "@pilotproof/store"
import SqliteDatabase from "better-sqlite3"
import { Effect, Layer } from "effect"
import { spawnSync } from "node:child_process"
import { createReadStream, mkdtempSync, openSync, rmSync, writeSync, closeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath, pathToFileURL } from "node:url"
import { ratio } from "./Timing.js"

const PILOT = "ingest-bench"
const DEFINITION = {
  id: PILOT,
  name: "Ingest benchmark",
  kind: "bot",
  owner: { name: "Bench", email: "bench@example.com" },
  hypothesis: "The bot raises conversion.",
  unit: "lead",
  variants: [{ key: "control", weight: 50 }, { key: "bot", weight: 50 }],
  metrics: [
    { key: "converted", role: "primary", type: "binomial", event: "deal_won", direction: "increase" },
    { key: "complaint", role: "guardrail", type: "binomial", event: "complaint", direction: "decrease", margin: 0.01 },
    { key: "handle_minutes", role: "secondary", type: "mean", event: "handled", aggregate: "sum", direction: "decrease" }
  ],
  plan: { mde: 0.1, baseline: 0.1, minDays: 14, maxDays: 60 },
  economics: {
    currency: "RUB",
    horizonMonths: 36,
    discountRate: 0.16,
    contingency: 0.15,
    targetPaybackMonths: 12,
    volume: { unitsPerMonth: 1000 },
    value: { converted: 10000 },
    costs: [{ item: "Integration", category: "integration", oneTime: 100000 }]
  },
  readiness: { consent: "not-required", dataOwner: "CRM team" }
}
const allocation = { salt: PILOT, variants: DEFINITION.variants }
const variantOf = (unit: string) => {
  const a = assign(allocation, unit)
  return (a._tag === "Assignment" ? a.variant : null) ?? "control"
}

const T0 = Date.parse("2026-03-01T00:00:00Z")
const EVENTS_PER_UNIT = 5
const unitName = (u: number) => `lead-${String(u).padStart(8, "0")}`

/** Event j (0…4) of unit u: exposure, consent, two valued `handled`, and an outcome. */
const eventOf = (u: number, j: number) => {
  const unit = unitName(u)
  const tsMs = T0 + u * 500 + j * 60_000
  const base = { eventId: `${unit}-${j}`, unit, tsMs, variant: null as string | null, value: null as number | null }
  switch (j) {
    case 0:
      return { ...base, type: "exposure", variant: variantOf(unit) }
    case 1:
      return { ...base, type: "consent" }
    case 2:
    case 3:
      return { ...base, type: "handled", value: (u * 7 + j) % 23 }
    default:
      return { ...base, type: (u * 2654435761) % 100 < 12 ? "deal_won" : "complaint" }
  }
}

/** A CSV of `n` events (every row with an event_id, so neither side hashes rows). */
const writeCsv = (path: string, n: number): void => {
  const fd = openSync(path, "w")
  try {
    writeSync(fd, "event_id,unit_id,type,variant,value,ts\n")
    const chunk: Array<string> = []
    for (let i = 0; i < n; i++) {
      const e = eventOf(Math.floor(i / EVENTS_PER_UNIT), i % EVENTS_PER_UNIT)
      chunk.push(`${e.eventId},${e.unit},${e.type},${e.variant ?? ""},${e.value ?? ""},${new Date(e.tsMs).toISOString()}`)
      if (chunk.length === 10_000 || i === n - 1) {
        writeSync(fd, chunk.join("\n") + "\n")
        chunk.length = 0
      }
    }
  } finally {
    closeSync(fd)
  }
}

/** Creates `file` with the real migrations and the pilot registered and started. */
const prepareDatabase = (file: string) =>
  Effect.gen(function*() {
    const registry = yield* PilotRegistry
    yield* registry.register([{ source: "bench.json", text: JSON.stringify(DEFINITION) }])
    yield* registry.start(PILOT)
  }).pipe(Effect.provide(PilotRegistry.Default.pipe(Layer.provide(Database.sqlite(file)))))

/** The connection settings `Database.sqlite` uses, for the bare baselines. */
const openBare = (file: string) => {
  const db = new SqliteDatabase(file)
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = NORMAL")
  db.pragma("foreign_keys = ON")
  return db
}

const INSERT = `insert into events (pilot_id, event_id, unit_id, type, variant, value, ts_ms, attributes, phone_key, email_key,
  format_flags, expected_variant, source, line, batch_id) values (?, ?, ?, ?, ?, ?, ?, '{}', null, null, null, null, ?, ?, ?)
  on conflict (pilot_id, event_id) do nothing`

/** Bare insert of events `from…to` (unit order) in one transaction. */
const bareInsert = (db: SqliteDatabase.Database, from: number, to: number) => {
  const insert = db.prepare(INSERT)
  db.transaction(() => {
    for (let i = from; i < to; i++) {
      const e = eventOf(Math.floor(i / EVENTS_PER_UNIT), i % EVENTS_PER_UNIT)
      insert.run(PILOT, e.eventId, e.unit, e.type, e.variant, e.value, e.tsMs, "memory", i + 2, "bare")
    }
  })()
}

// ---------------------------------------------------------------------------------------------
// Child processes: one import each, reporting its time and peak RSS.
// ---------------------------------------------------------------------------------------------

interface ChildResult {
  readonly ms: number
  readonly events: number
  readonly maxRssMb: number
  /** Heap still in use after the import and a full GC: what the import keeps, not when V8 collects. */
  readonly retainedHeapMb: number
}

type ChildTask = { kind: "import" | "bare-file" | "bare-memory"; csv: string; db: string; n: number }

const child = async (task: ChildTask): Promise<ChildResult> => {
  await Effect.runPromise(prepareDatabase(task.db))
  const start = performance.now()
  let events = 0
  if (task.kind === "import") {
    const layer = EventImport.Default.pipe(Layer.provide(Database.sqlite(task.db)))
    const summary = await Effect.runPromise(
      Effect.gen(function*() {
        const source = yield* eventFileSource(task.csv)
        return yield* (yield* EventImport).run({ pilotId: PILOT, source: task.csv, batches: source.batches })
      }).pipe(Effect.provide(layer))
    )
    events = summary.accepted
  } else if (task.kind === "bare-file") {
    const db = openBare(task.db)
    const insert = db.prepare(INSERT)
    db.exec("begin")
    let line = 1
    for await (const text of createInterface({ input: createReadStream(task.csv, { encoding: "utf8" }), crlfDelay: Infinity })) {
      if (line++ === 1) continue
      const [eventId, unit, type, variant, value, ts] = text.split(",")
      const r = insert.run(PILOT, eventId, unit, type, variant || null, value ? Number(value) : null, Date.parse(ts!), task.csv, line, "bare")
      events += r.changes
    }
    db.exec("commit")
    db.close()
  } else {
    const db = openBare(task.db)
    bareInsert(db, 0, task.n)
    events = task.n
    db.close()
  }
  const ms = performance.now() - start
  ;(globalThis as { gc?: () => void }).gc?.()
  return { ms, events, maxRssMb: process.resourceUsage().maxRSS / 1024, retainedHeapMb: process.memoryUsage().heapUsed / 2 ** 20 }
}

const THIS_FILE = fileURLToPath(import.meta.url)

const inChild = (task: ChildTask): ChildResult => {
  rmSync(task.db, { force: true })
  const result = spawnSync(process.execPath, ["--expose-gc", THIS_FILE, "--child", JSON.stringify(task)], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 })
  if (result.status !== 0) throw new Error(`benchmark child ${task.kind} failed: ${result.stderr}`)
  const lines = result.stdout.trim().split("\n")
  return JSON.parse(lines[lines.length - 1]!) as ChildResult
}

const RUNS = 3

/**
 * `task` run `RUNS` times, each into a new database: the median time and the median peak RSS
 * (the peak moves by ±10% between identical runs with when V8 collects garbage).
 */
const medianOfRuns = (task: ChildTask): ChildResult => {
  const runs = Array.from({ length: RUNS }, () => inChild(task))
  const median = (f: (r: ChildResult) => number) => runs.map(f).sort((a, b) => a - b)[Math.floor(RUNS / 2)]!
  return { ms: median((r) => r.ms), events: runs[0]!.events, maxRssMb: median((r) => r.maxRssMb), retainedHeapMb: median((r) => r.retainedHeapMb) }
}

// ---------------------------------------------------------------------------------------------
// Aggregation: the hand-written GROUP BYs giving the same per-variant sums.
// ---------------------------------------------------------------------------------------------

/** Analysed units: first exposure, exactly one variant (what `Aggregation` analyses). */
const UNITS = `with u as (
  select unit_id, min(ts_ms) as first_ts, min(variant) as variant from events
  where pilot_id = @pilot and type = 'exposure' and ts_ms <= @asOf
  group by unit_id having count(distinct variant) = 1)`

/** Binomial without a window: converted iff its latest event is at or after first exposure. */
const BARE_BINOMIAL = `${UNITS}
select u.variant, count(*) as n, sum(coalesce(w.last_ts >= u.first_ts, 0)) as sy from u
left join (select unit_id, max(ts_ms) as last_ts from events where pilot_id = @pilot and type = @event and ts_ms <= @asOf group by unit_id) w
  on w.unit_id = u.unit_id
group by u.variant order by u.variant`

/** Mean of the per-unit sum of values after first exposure. */
const BARE_MEAN = `${UNITS}
select variant, count(*) as n, sum(y) as sy, sum(y * y) as syy from (
  select u.variant, coalesce(sum(e.value), 0) as y from u
  left join events e on e.unit_id = u.unit_id and e.pilot_id = @pilot and e.type = @event and e.ts_ms >= u.first_ts and e.ts_ms <= @asOf
  group by u.unit_id, u.variant)
group by variant order by variant`

const time = async <A>(f: () => Promise<A> | A): Promise<{ ms: number; value: A }> => {
  const start = performance.now()
  const value = await f()
  return { ms: performance.now() - start, value }
}

const aggregationBench = async (dir: string, units: number) => {
  const file = join(dir, "aggregate.db")
  await Effect.runPromise(prepareDatabase(file))
  const n = units * EVENTS_PER_UNIT
  const bare = openBare(file)
  bare.pragma("cache_size = -262144")
  const loaded = await time(() => {
    for (let from = 0; from < n; from += 1_000_000) bareInsert(bare, from, Math.min(n, from + 1_000_000))
  })
  bare.exec("analyze")
  console.log(`  aggregation: ${n.toLocaleString("en")} events (${units.toLocaleString("en")} units × ${EVENTS_PER_UNIT}) inserted in ${(loaded.ms / 1000).toFixed(0)} s`)

  const scope = { pilotId: PILOT, asOfMs: T0 + 365 * 86_400_000, consentRequired: false }
  const params = { pilot: PILOT, asOf: scope.asOfMs }
  const layer = Layer.mergeAll(Aggregation.Default, PilotRepo.Default).pipe(Layer.provide(Database.sqlite(file)))
  await Effect.runPromise(Effect.gen(function*() {
    const metrics = (yield* (yield* PilotRepo).get(PILOT)).definition.metrics
    const aggregation = yield* Aggregation
    for (const key of ["converted", "handle_minutes"]) {
      const metric = metrics.find((m) => m.key === key)!
      const event = metric.type === "binomial" || metric.type === "mean" ? metric.event : ""
      const statement = bare.prepare(metric.type === "binomial" ? BARE_BINOMIAL : BARE_MEAN)
      const runBare = () => statement.all({ ...params, event }) as Array<{ variant: string; n: number; sy: number }>
      const runOurs = () => Effect.runPromise(aggregation.metricStats(scope, metric))
      // Warm the page cache for both, then alternate: median of 3 each.
      runBare()
      yield* Effect.promise(runOurs)
      const bareMs: Array<number> = []
      const oursMs: Array<number> = []
      let bareRows: Array<{ variant: string; n: number; sy: number }> = []
      let ours: Record<string, VariantStats> = {}
      for (let r = 0; r < 3; r++) {
        const b = yield* Effect.promise(() => time(runBare))
        const o = yield* Effect.promise(() => time(runOurs))
        bareMs.push(b.ms)
        oursMs.push(o.ms)
        bareRows = b.value
        ours = o.value
      }
      const median = (xs: Array<number>) => [...xs].sort((a, c) => a - c)[1]!
      const same = bareRows.every((row) => {
        const s = ours[row.variant]
        return s !== undefined && s._tag === "Moments" && s.moments.n === row.n && Math.abs(s.moments.sum - row.sy) < 1e-6
      }) && bareRows.length === Object.keys(ours).length
      console.log(
        `  metricStats ${metric.type.padEnd(8)} ${key.padEnd(15)} ours ${median(oursMs).toFixed(0).padStart(6)} ms  bare GROUP BY ${
          median(bareMs).toFixed(0).padStart(6)
        } ms  ours/bare ${ratio(median(oursMs), median(bareMs))}  (same sums: ${same ? "yes" : "NO"})`
      )
    }
  }).pipe(Effect.provide(layer)))
  bare.close()
}

// ---------------------------------------------------------------------------------------------

const IMPORT_EVENTS = 1_000_000
const SMALL_IMPORT_EVENTS = 250_000
const AGGREGATE_UNITS = 2_000_000

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "pilotproof-ingest-bench-"))
  try {
    const csv = join(dir, "events.csv")
    const small = join(dir, "events-small.csv")
    writeCsv(csv, IMPORT_EVENTS)
    writeCsv(small, SMALL_IMPORT_EVENTS)

    const bareMemory = medianOfRuns({ kind: "bare-memory", csv, db: join(dir, "bare-memory.db"), n: IMPORT_EVENTS })
    const bareFile = medianOfRuns({ kind: "bare-file", csv, db: join(dir, "bare-file.db"), n: IMPORT_EVENTS })
    const ours = medianOfRuns({ kind: "import", csv, db: join(dir, "import.db"), n: IMPORT_EVENTS })
    const oursSmall = medianOfRuns({ kind: "import", csv: small, db: join(dir, "import-small.db"), n: SMALL_IMPORT_EVENTS })
    rmSync(join(dir, "bare-memory.db"), { force: true })

    const rate = (r: ChildResult) => r.events / (r.ms / 1000)
    const line = (label: string, r: ChildResult, vs = "") =>
      console.log(
        `  ${label.padEnd(52)}${`${Math.round(rate(r)).toLocaleString("en")} ev/s`.padStart(14)}${`${(r.ms / 1000).toFixed(1)} s`.padStart(8)}${
          `${r.maxRssMb.toFixed(0)} MB`.padStart(9)
        }  ${vs}`
      )
    console.log(`  import of ${IMPORT_EVENTS.toLocaleString("en")} events (CSV, every row with an event_id) into SQLite; median of ${RUNS} processes each`)
    line("bare better-sqlite3 INSERT loop, rows made in memory", bareMemory)
    line("bare better-sqlite3 INSERT loop, reading the CSV", bareFile)
    line("pilotproof EventImport.run (eventFileSource)", ours, `ours/bare-from-CSV ${ratio(rate(ours), rate(bareFile))}, ours/bare-in-memory ${ratio(rate(ours), rate(bareMemory))}`)
    if (ours.events !== bareFile.events) console.log(`  (accepted differ: ours ${ours.events}, bare ${bareFile.events})`)
    console.log(
      `  memory: peak RSS importing ${SMALL_IMPORT_EVENTS.toLocaleString("en")} events ${oursSmall.maxRssMb.toFixed(0)} MB, ${
        IMPORT_EVENTS.toLocaleString("en")
      } events ${ours.maxRssMb.toFixed(0)} MB: large/small ${ratio(ours.maxRssMb, oursSmall.maxRssMb)}`
    )
    console.log(
      `          heap retained after the import (full GC) ${oursSmall.retainedHeapMb.toFixed(1)} MB vs ${ours.retainedHeapMb.toFixed(1)} MB: large/small ${
        ratio(ours.retainedHeapMb, oursSmall.retainedHeapMb)
      }`
    )
    rmSync(join(dir, "bare-file.db"), { force: true })
    rmSync(join(dir, "import.db"), { force: true })

    await aggregationBench(dir, AGGREGATE_UNITS)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === "--child") {
  const result = await child(JSON.parse(process.argv[3]!) as ChildTask)
  console.log(JSON.stringify(result))
}
