/**
 * The ClickHouse event store on the 2-shard test cluster: every demo pilot's analysis computed
 * from ClickHouse equals the one computed from SQLite on the same events (counts exactly, sums
 * within 1e-9 relative: both add the same doubles, in another order); a re-delivered batch
 * changes nothing; a unit's events are all on one shard; a metric's answer from the shards is a
 * few hundred bytes whatever the number of units; an erasure is awaited and verified.
 */
import { describe, expect, it } from "@effect/vitest"
import { createClient } from "@clickhouse/client"
import { Evaluation } from "@pilotproof/domain"
import { Analysis, EventImport, inMemorySource, PilotRegistry, Simulation } from "@pilotproof/engine"
import {
  Aggregation,
  ch,
  ClickHouse,
  Database,
  type EventRow,
  ident,
  makeClickHouseEvents,
  PilotRepo
} from "@pilotproof/store"
import { Effect, Layer, Schema } from "effect"
import { parse } from "yaml"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { clickHouseTestLayer } from "./fixtures/ClickHouse.js"
import { EXPERIMENTS_DIR } from "./fixtures/Definitions.js"

/** Every demo pilot, and the fixture pilots with scenarios: segments (novelty), quantiles, metric packs. */
const FIXTURES = fileURLToPath(new URL("./fixtures", import.meta.url))
const DIRS = [EXPERIMENTS_DIR, ...["novelty", "quantile", "packs"].map((d) => join(FIXTURES, d))]
const PILOTS = DIRS.flatMap((dir) => readdirSync(join(dir, "scenarios")).sort().map((f) => ({ dir, id: f.replace(/\.yaml$/, "") })))
const pilotFile = (dir: string, id: string) => ({ source: join(dir, `${id}.yaml`), text: readFileSync(join(dir, `${id}.yaml`), "utf8") })
const encode = Schema.encodeSync(Evaluation)

/**
 * The analysis engine built where the context holds the ClickHouse event store: it reads its
 * events there (the pilots, the registry's rows and the rejects from SQLite), as `serve` and the
 * CLI do with PILOTPROOF_EVENTS set. The suite's own services were built without it: SQLite.
 */
const clickHouseAnalysis = () => Analysis.Default

/** `actual` equals `expected` but for numbers, which may differ by 1e-9 relative (or 1e-12 absolute); the paths that differ. */
const differences = (actual: unknown, expected: unknown, path = ""): Array<string> => {
  if (typeof actual === "number" && typeof expected === "number") {
    const close = actual === expected || Math.abs(actual - expected) <= Math.max(1e-12, 1e-9 * Math.max(Math.abs(actual), Math.abs(expected)))
    return close ? [] : [`${path}: ${actual} ≠ ${expected}`]
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length) return [`${path}: ${actual.length} items ≠ ${expected.length}`]
    return actual.flatMap((a, i) => differences(a, expected[i], `${path}[${i}]`))
  }
  if (actual !== null && expected !== null && typeof actual === "object" && typeof expected === "object") {
    const keys = [...new Set([...Object.keys(actual), ...Object.keys(expected)])].sort()
    return keys.flatMap((k) => differences((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`))
  }
  return actual === expected ? [] : [`${path}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`]
}

/** A pilot of `dir` registered, started and fed its scenario's simulated events (in SQLite). */
const simulated = (dir: string, id: string) =>
  Effect.gen(function*() {
    const registry = yield* PilotRegistry
    yield* registry.register([pilotFile(dir, id)])
    yield* registry.start(id)
    yield* (yield* Simulation).intoPilot(join(dir, "scenarios", `${id}.yaml`))
    return registry
  })

/** The pilot's events as the registry stores them, copied into ClickHouse (twice with `again`). */
const copyEvents = (pilotId: string, again = false) =>
  Effect.gen(function*() {
    const database = yield* Database
    const rows: ReadonlyArray<EventRow> = yield* database.use("reading the events", (db) =>
      db.selectFrom("events").selectAll().where("pilot_id", "=", pilotId).execute())
    const events = yield* makeClickHouseEvents
    for (let i = 0; i < rows.length; i += 20_000) yield* events.insert(rows.slice(i, i + 20_000))
    if (again) for (let i = 0; i < rows.length; i += 20_000) yield* events.insert(rows.slice(i, i + 20_000))
    return rows.length
  })

const services = Layer.mergeAll(PilotRegistry.Default, Simulation.Default, Analysis.Default, PilotRepo.Default)

describe("the ClickHouse event store (2 shards)", () => {
  const run = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof services> | Database | ClickHouse>) =>
    Effect.provide(effect, Layer.mergeAll(services.pipe(Layer.provideMerge(Database.sqlite(":memory:"))), clickHouseTestLayer()))

  for (const { dir, id } of PILOTS) {
    it.live(`${id}: the evaluation and the effect over time from ClickHouse equal SQLite's`, () =>
      run(Effect.gen(function*() {
        yield* simulated(dir, id)
        // the same batch delivered twice: FINAL keeps one of each event
        const copied = yield* copyEvents(id, true)
        expect(copied).toBeGreaterThan(1000)
        const asOf = Date.now()
        const fromSql = yield* (yield* Analysis).results(id, asOf)
        const fromClickHouse = yield* Effect.provide(Effect.flatMap(Analysis, (a) => a.results(id, asOf)), clickHouseAnalysis())
        expect(differences(encode(fromClickHouse.evaluation), encode(fromSql.evaluation))).toEqual([])
        expect(differences(fromClickHouse.overTime, fromSql.overTime)).toEqual([])
        expect(Object.values(fromSql.overTime).flat().length, `${id} has an effect-over-time series`).toBeGreaterThan(0)
        if (id === "bot-novelty-check") expect(fromSql.evaluation.analysis.segments?.length, "the segments are compared too").toBe(1)
      })), 180_000)
  }

  it.live("keeps every unit's events on one shard, answers a metric in a few hundred bytes, and erases a unit for good", () =>
    run(Effect.gen(function*() {
      const id = "support-bot-lead-qualification"
      yield* simulated(EXPERIMENTS_DIR, id)
      yield* copyEvents(id)
      const store = yield* ClickHouse
      const local = ident(store.localTable)
      const perShard = yield* store.onEveryShard("counting",
        ch`SELECT uniqExact(unit_id) AS units, count() AS events FROM ${local} FINAL WHERE pilot_id = ${id}`, Schema.Struct({ units: Schema.Number, events: Schema.Number }))
      // both shards hold a share, and no unit is on both
      expect(perShard.every((rows) => rows[0]!.units > 1000)).toBe(true)
      const [both] = yield* store.select("counting", ch`SELECT uniqExact(unit_id) AS units FROM ${ident(`${store.address.database}.events`)} WHERE pilot_id = ${id}`, Schema.Struct({ units: Schema.Number }))
      expect(both!.units).toBe(perShard.reduce((s, rows) => s + rows[0]!.units, 0))

      const aggregation = yield* Effect.provide(Aggregation, Aggregation.Default)
      const definition = (yield* (yield* PilotRepo).get(id)).definition
      const scope = { pilotId: id, asOfMs: Date.now(), consentRequired: true }
      const units = both!.units
      for (const metric of definition.metrics) {
        const before = store.bytesReceived()
        const stats = yield* aggregation.metricStats(scope, metric)
        const bytes = store.bytesReceived() - before
        // two variants from each of two shards: O(variants × shards), not O(units)
        expect(Object.keys(stats).sort(), metric.key).toEqual(["bot", "control"])
        expect(bytes, `${metric.key}: ${bytes} bytes for ${units} units`).toBeLessThan(4 * 250)
      }
      const before = store.bytesReceived()
      yield* aggregation.unitValues(scope, definition.metrics[0]!)
      expect(store.bytesReceived() - before, "unit values are per unit").toBeGreaterThan(10 * units)

      // erasure: awaited on every shard, verified, and the unit is gone from the analysis
      const events = yield* makeClickHouseEvents
      const [victim] = yield* store.select("a unit", ch`SELECT unit_id FROM ${ident(`${store.address.database}.events`)} WHERE pilot_id = ${id} AND type = 'exposure' ORDER BY unit_id LIMIT 1`, Schema.Struct({ unit_id: Schema.String }))
      const exposedBefore = yield* aggregation.exposures(scope)
      const erased = yield* events.erase([victim!.unit_id])
      expect(erased).toBeGreaterThan(0)
      const exposedAfter = yield* aggregation.exposures(scope)
      const total = (e: typeof exposedBefore) => Object.values(e.units).reduce((s, n) => s + n, 0) + e.withoutConsent + e.multiVariantUnits
      expect(total(exposedAfter)).toBe(total(exposedBefore) - 1)
      expect((yield* events.pilotsOf(victim!.unit_id))).toEqual([])
    })), 180_000)

  // A company's own tables, analysed in place: the bot pilot's events under the company's column
  // names, once in a table on every shard sharded by customer (read shard by shard), once in a
  // Distributed table sharded at random, so a customer's rows are split (read through one server).
  for (const layout of ["sharded by unit", "split across shards"] as const) {
    it.live(`a warehouse pilot reads a ClickHouse table in place (${layout}): the same analysis, and nothing can be imported into it`, () =>
      run(Effect.gen(function*() {
        const id = "support-bot-lead-qualification"
        const registry = yield* simulated(EXPERIMENTS_DIR, id)
        const database = yield* Database
        const rows: ReadonlyArray<EventRow> = yield* database.use("reading the events", (db) =>
          db.selectFrom("events").selectAll().where("pilot_id", "=", id).execute())

        const store = yield* ClickHouse
        const db = store.address.database
        const sharded = layout === "sharded by unit"
        yield* store.commandOnEveryShard("a warehouse table", ch`CREATE TABLE ${ident(`${db}.crm_local`)} (customer_id String, event_name String,
          event_time DateTime, event_ms Int64, amount Nullable(Float64), arm Nullable(String)) ENGINE = MergeTree ORDER BY (customer_id, event_time)`)
        yield* store.commandOnEveryShard("a warehouse table", ch`CREATE TABLE ${ident(`${db}.crm_all`)} AS ${ident(`${db}.crm_local`)}
          ENGINE = Distributed(${store.address.cluster!}, ${ident(db)}, crm_local, ${sharded ? ch`sipHash64(customer_id)` : ch`rand()`})`)
        const client = createClient({ url: store.address.shards[0]!, clickhouse_settings: { insert_distributed_sync: 1 } })
        yield* Effect.promise(() => client.insert({
          table: `${db}.crm_all`,
          format: "JSONEachRow",
          values: rows.map((r) => ({
            customer_id: r.unit_id, event_name: r.type === "exposure" ? "offer_shown" : r.type, event_time: Math.floor(r.ts_ms / 1000), event_ms: r.ts_ms,
            amount: r.value ?? null, arm: r.variant ?? null
          }))
        }).finally(() => client.close()))

        const file = parse(pilotFile(EXPERIMENTS_DIR, id).text) as Record<string, unknown>
        delete file["crm"]
        const warehouseId = "bot-in-the-warehouse"
        yield* registry.register([{
          source: `${warehouseId}.json`,
          text: JSON.stringify({
            ...file,
            id: warehouseId,
            salt: id,
            warehouse: sharded
              ? { table: `${db}.crm_local`, columns: { unit: "customer_id", type: "event_name", ts: "event_time", value: "amount", variant: "arm" }, exposure: "offer_shown", shardedByUnit: true }
              : { table: `${db}.crm_all`, columns: { unit: "customer_id", type: "event_name", ts: "event_ms", value: "amount", variant: "arm" }, time: "milliseconds", exposure: "offer_shown" }
          })
        }])
        yield* registry.start(warehouseId)
        const asOf = Date.now()
        const fromSql = yield* (yield* Analysis).analyze(id, asOf)
        const inPlace = yield* Effect.provide(Effect.flatMap(Analysis, (a) => a.analyze(warehouseId, asOf)), clickHouseAnalysis())
        expect(differences(inPlace.metrics, fromSql.metrics)).toEqual([])
        expect(differences(inPlace.readiness.exposure, fromSql.readiness.exposure)).toEqual([])
        expect(inPlace.readiness.checks.find((c) => c.check === "consent")).toEqual(fromSql.readiness.checks.find((c) => c.check === "consent"))
        // the table is read, never written
        const refused = yield* Effect.flip(Effect.provide(
          Effect.flatMap(EventImport, (importer) => importer.run({ pilotId: warehouseId, source: "late.csv", batches: inMemorySource([]) })),
          EventImport.Default
        ))
        expect(refused.message).toContain(`pilot "${warehouseId}" reads its events in place from the ClickHouse table ${db}.crm_`)
      })), 180_000)
  }
})
