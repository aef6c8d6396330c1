/**
 * Where the events live, at 10 000 000 events (2 000 000 units × 5; `PILOTPROOF_BENCH_EVENTS`
 * sets another size): each metric of the scale benchmark's pilot aggregated into per-variant
 * sufficient statistics by SQLite, PostgreSQL, ClickHouse on one shard and ClickHouse on the two
 * shards of the test cluster (test/clickhouse/cluster) — time per metric (median of 3 after a
 * warm-up) as a ratio against SQLite's in the same run, and the bytes each answer brought back
 * from the database (ClickHouse: the response bodies; SQL: the rows as JSON).
 *
 * The same rows everywhere: SQLite and PostgreSQL are filled by the scale benchmark's
 * INSERT … SELECT (`load`), ClickHouse by the same formulas over `numbers()` through the
 * Distributed table (each unit's events on its shard). Every store must give the same
 * statistics; the run stops if one does not.
 */
import { Aggregation, ch, ClickHouse, clickHouseLayer, Database, ident, PilotRepo } from "@pilotproof/store"
import { PilotRegistry } from "@pilotproof/engine"
import { Effect, Layer, Schema } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { DEFINITION, load, postgresReachable, type Target } from "./scale.bench.js"
import { ratio } from "./Timing.js"

const PILOT = "scale-bench"
const T0 = Date.parse("2026-03-01T00:00:00Z")
const DAY_MS = 86_400_000
const EXPOSURE_DAYS = 50
const PG_URL = process.env["PILOTPROOF_BENCH_PG"] ?? "postgres://postgres@127.0.0.1:5432/test"
const CLUSTER = process.env["PILOTPROOF_BENCH_CLICKHOUSE"] ?? "clickhouse://127.0.0.1:18123,127.0.0.1:18124/bench_2?cluster=pilotproof"
const ONE_SHARD = process.env["PILOTPROOF_BENCH_CLICKHOUSE_ONE"] ?? "clickhouse://127.0.0.1:18123/bench_1"

/**
 * The scale benchmark's rows (`scale.bench.ts`, `insertUnits`), generated inside ClickHouse.
 * Every modulus is Int64: 18.16 computes `Int64 % 240` in 8 bits (240 is a UInt8; 160 comes back as −96).
 */
export const generate = (units: number) => {
  const i = ch`toInt64(number)`
  const t = ch`(${T0} + ${i} * ${Math.floor((EXPOSURE_DAYS * DAY_MS) / units)})`
  const h = ch`((${i} * 2654435761) % toInt64(100))`
  return ch`SELECT ${PILOT} AS pilot_id, concat('c', toString(number), '-', toString(j)) AS event_id, concat('c', toString(number)) AS unit_id,
      multiIf(j = 0, 'exposure', j = 1, 'consent', j = 2, 'order', j = 3, if(${h} < 40, 'order', 'visit'),
        ${h} < if(number % toInt64(2) = 0, 12, 14), 'deal_won', ${h} >= 98, 'complaint', 'visit') AS type,
      if(j = 0, toNullable(if(number % toInt64(2) = 0, 'control', 'personalized')), CAST(NULL AS Nullable(String))) AS variant,
      multiIf(j = 2, toNullable(((${i} * 7919) % toInt64(5000)) / 10.0), j = 3, toNullable(((${i} * 104729) % toInt64(6000)) / 10.0 + if(number % toInt64(2) = 0, 0, 15)), CAST(NULL AS Nullable(Float64))) AS value,
      toInt64(multiIf(j = 0, ${t}, j = 1, ${t} - 60000, j = 2, ${t} - ${DAY_MS} * (1 + ${i} % toInt64(20)), j = 3, ${t} + 3600000 * (1 + ${i} % toInt64(240)), ${t} + 3600000 * (1 + ${i} % toInt64(300)))) AS ts_ms,
      '{}' AS attributes, CAST(NULL AS Nullable(String)) AS phone_key, CAST(NULL AS Nullable(String)) AS email_key, CAST(NULL AS Nullable(String)) AS format_flags,
      CAST(NULL AS Nullable(String)) AS expected_variant, CAST(NULL AS Nullable(String)) AS cluster_id, 'generated' AS source, CAST(NULL AS Nullable(Int64)) AS line,
      'scale' AS batch_id, -ts_ms AS version
    FROM numbers(${units}) ARRAY JOIN [0, 1, 2, 3, 4] AS j`
}

interface Measured {
  readonly name: string
  readonly perMetric: ReadonlyArray<{ readonly key: string; readonly ms: number; readonly bytes: number }>
  readonly stats: unknown
  readonly loadS: number
  /** Compressed bytes on disk per event (ClickHouse's parts), when known. */
  readonly diskPerEvent?: number
}

/** Median of 3 timed runs (after one warm-up) of each metric's aggregation, and the bytes one answer took. */
const measure = (name: string, loadS: number, bytes: (run: () => Effect.Effect<unknown, unknown>) => Effect.Effect<number, unknown>) =>
  Effect.gen(function*() {
    const aggregation = yield* Aggregation
    const d = (yield* (yield* PilotRepo).get(PILOT)).definition
    const scope = { pilotId: PILOT, asOfMs: T0 + 120 * DAY_MS, consentRequired: true }
    const perMetric: Array<{ key: string; ms: number; bytes: number }> = []
    const stats: Record<string, unknown> = {}
    for (const metric of d.metrics) {
      stats[metric.key] = yield* aggregation.metricStats(scope, metric)
      const times: Array<number> = []
      for (let k = 0; k < 3; k++) {
        const started = performance.now()
        yield* aggregation.metricStats(scope, metric)
        times.push(performance.now() - started)
      }
      times.sort((a, b) => a - b)
      perMetric.push({ key: metric.key, ms: times[1]!, bytes: yield* bytes(() => aggregation.metricStats(scope, metric)) })
    }
    return { name, perMetric, stats, loadS } satisfies Measured
  })

/** SQL answers: the per-variant rows as JSON (what the driver hands back, give or take its framing). */
const sqlBytes = (run: () => Effect.Effect<unknown, unknown>) => Effect.map(run(), (stats) => Buffer.byteLength(JSON.stringify(stats)))

const onSql = (target: Target, units: number) =>
  Effect.gen(function*() {
    const started = performance.now()
    yield* load(target, units)
    const loadS = (performance.now() - started) / 1000
    const layer = target.dialect === "sqlite" ? Database.sqlite(target.file) : Database.postgres(PG_URL, { schema: target.schema })
    return yield* measure(target.dialect === "sqlite" ? "SQLite" : "PostgreSQL", loadS, sqlBytes).pipe(
      Effect.provide(Layer.mergeAll(Aggregation.Default, PilotRepo.Default).pipe(Layer.provideMerge(layer)))
    )
  })

/** The pilot registered in a registry of its own (SQLite), its events generated in ClickHouse at `url`. */
const onClickHouse = (name: string, url: string, registryFile: string, units: number) =>
  Effect.gen(function*() {
    const store = yield* ClickHouse
    const registry = yield* PilotRegistry
    yield* registry.register([{ source: "scale.json", text: JSON.stringify(DEFINITION) }])
    yield* registry.start(PILOT)
    const started = performance.now()
    yield* store.commandOnEveryShard("emptying the benchmark table", ch`TRUNCATE TABLE ${ident(store.localTable)}`)
    // through shard 1: into the Distributed table, which sends each unit's rows to its shard
    yield* Effect.tryPromise(() => fetch(`${store.address.shards[0]}/?insert_distributed_sync=1`, {
      method: "POST",
      body: ch`INSERT INTO ${ident(store.writeTable)} ${generate(units)}`.text
    }).then(async (r) => {
      if (!r.ok) throw new Error(await r.text())
    }))
    const loadS = (performance.now() - started) / 1000
    const [database, table] = store.localTable.split(".") as [string, string]
    const parts = yield* store.onEveryShard("measuring the table",
      ch`SELECT sum(bytes_on_disk) AS bytes, sum(rows) AS rows FROM system.parts WHERE database = ${database} AND table = ${table} AND active`,
      Schema.Struct({ bytes: Schema.Number, rows: Schema.Number }))
    const disk = parts.flat().reduce((s, p) => s + Number(p.bytes), 0)
    const rows = parts.flat().reduce((s, p) => s + Number(p.rows), 0)
    const bytes = (run: () => Effect.Effect<unknown, unknown>) =>
      Effect.gen(function*() {
        const before = store.bytesReceived()
        yield* run()
        return store.bytesReceived() - before
      })
    return { ...(yield* measure(name, loadS, bytes)), diskPerEvent: disk / rows }
  }).pipe(
    Effect.provide(Layer.mergeAll(Aggregation.Default, PilotRepo.Default, PilotRegistry.Default).pipe(
      Layer.provideMerge(Layer.merge(Database.sqlite(registryFile), clickHouseLayer(url)))
    ))
  )

const dropDatabase = (url: string) =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(ClickHouse, (store) =>
    store.commandOnEveryShard("dropping the benchmark database", ch`DROP DATABASE IF EXISTS ${ident(store.address.database)}`))
    .pipe(Effect.provide(clickHouseLayer(url))))).catch(() => undefined)

/** Equal up to rounding in the last bits (the stores add the same doubles in other orders). */
const same = (a: unknown, b: unknown): boolean => {
  if (typeof a === "number" && typeof b === "number") return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b))
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    return [...keys].every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  }
  return a === b
}

export async function run(): Promise<void> {
  const events = Number(process.env["PILOTPROOF_BENCH_EVENTS"] ?? 10_000_000)
  const units = Math.ceil(events / 5)
  const dir = mkdtempSync(join(tmpdir(), "pilotproof-clickhouse-bench-"))
  const schema = `ch_bench_${process.pid}`
  const results: Array<Measured> = []
  try {
    results.push(await Effect.runPromise(onSql({ dialect: "sqlite", file: join(dir, "events.db") }, units)))
    if (await postgresReachable()) results.push(await Effect.runPromise(onSql({ dialect: "postgres", schema }, units)))
    else console.log(`  (PostgreSQL at ${PG_URL} is not reachable: skipped)`)
    results.push(await Effect.runPromise(onClickHouse("ClickHouse, 1 shard", ONE_SHARD, join(dir, "registry-1.db"), units)))
    results.push(await Effect.runPromise(onClickHouse("ClickHouse, 2 shards", CLUSTER, join(dir, "registry-2.db"), units)))
  } finally {
    rmSync(dir, { recursive: true, force: true })
    const client = new pg.Client({ connectionString: PG_URL })
    await client.connect().then(() => client.query(`drop schema if exists ${schema} cascade`)).catch(() => undefined).finally(() => client.end().catch(() => undefined))
    await dropDatabase(ONE_SHARD)
    await dropDatabase(CLUSTER)
  }
  const baseline = results[0]!
  for (const r of results.slice(1)) {
    if (!same(r.stats, baseline.stats)) throw new Error(`${r.name} gives other statistics than SQLite: ${JSON.stringify(r.stats)} vs ${JSON.stringify(baseline.stats)}`)
  }
  console.log(`  ${events.toLocaleString("en")} events (${units.toLocaleString("en")} units × 5); every store gives SQLite's statistics`)
  for (const r of results) {
    const total = r.perMetric.reduce((s, m) => s + m.ms, 0)
    const baseTotal = baseline.perMetric.reduce((s, m) => s + m.ms, 0)
    console.log(`  ${r.name.padEnd(22)} loaded in ${r.loadS.toFixed(0).padStart(4)} s; ` +
      r.perMetric.map((m, k) => `${m.key} ${(m.ms / 1000).toFixed(2)} s (${ratio(m.ms, baseline.perMetric[k]!.ms)}), ${m.bytes} B`).join("; ") +
      `; all metrics ${ratio(total, baseTotal)} SQLite's` + (r.diskPerEvent === undefined ? "" : `; ${r.diskPerEvent.toFixed(1)} B/event on disk`))
  }
}
