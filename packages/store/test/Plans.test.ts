/**
 * PostgreSQL plans of the aggregation queries. On 20 000 generated units (about 250 000 events
 * of every kind) with statistics as an import leaves them (`finishImport` runs ANALYZE), each
 * metric type's queries (per variant, per exposure week, per cluster, per segment) are EXPLAINed and their plans walked: a nested loop or a per-row subplan may
 * probe `events` through an index (one lookup per unit), but must never scan it, or re-run a
 * subquery over it, once per row of the other side — the events × units plan behind an analysis
 * that ran for minutes. An import that was interrupted before its end (where statistics are
 * refreshed) has them refreshed before the next aggregation.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Metric } from "@pilotproof/domain"
import { Aggregation, clusterOverTimeStatsQuery, consentOfUnits, createExposedUnits, exposedUnitsRowsQuery, exposedUnitsTableName, multiVariantUnitsQuery, clusterStatsQuery, Database, type DatabaseSchema, EventRepo, metricStatsQuery, overTimeStatsQuery, PilotRepo, segmentStatsQuery, weeklyStatsQuery } from "@pilotproof/store"
import { Effect, Layer } from "effect"
import { CompiledQuery, type Kysely, sql } from "kysely"
import { freshSchema, PG_URL, postgresLayer } from "../../../test/fixtures/Databases.js"
import { registerInput } from "../../../test/fixtures/Definitions.js"
import { DAY_MS } from "@pilotproof/domain"
import { generate, pilot, T0, toRows } from "./fixtures/GeneratedEvents.js"

interface PlanNode {
  readonly "Node Type": string
  readonly "Relation Name"?: string
  readonly "Parent Relationship"?: string
  readonly "Subplan Name"?: string
  readonly Plans?: ReadonlyArray<PlanNode>
}

/** Whether a subtree reads `events` by scanning it (sequentially or the whole of an index/bitmap without a unit key). */
const scansEvents = (node: PlanNode): boolean =>
  (node["Relation Name"] === "events" && /Seq Scan/.test(node["Node Type"])) || (node.Plans ?? []).some(scansEvents)

/** Every place where `events` is scanned once per row of something else; empty when the plan is sound. */
const perRowScans = (node: PlanNode, path: ReadonlyArray<string> = []): Array<string> => {
  const here = [...path, node["Node Type"]]
  const children = node.Plans ?? []
  const found: Array<string> = []
  if (node["Node Type"] === "Nested Loop") {
    const inner = children.find((c) => c["Parent Relationship"] === "Inner")
    if (inner !== undefined && scansEvents(inner)) found.push(`${here.join(" > ")}: its inner side scans events`)
  }
  for (const child of children) {
    if (child["Parent Relationship"] === "SubPlan" && scansEvents(child)) found.push(`${here.join(" > ")}: ${child["Subplan Name"] ?? "a subplan"} scans events per row`)
    found.push(...perRowScans(child, here))
  }
  return found
}

const UNITS = 20_000
const BATCH = 20_000

/** The effect-over-time chart's moments: ten, a day apart, up to the as-of moment. */
const OVER_TIME = (asOf: number) => Array.from({ length: 10 }, (_, k) => asOf - (9 - k) * DAY_MS)

/** The plan of a compiled query, walked for per-row scans; each labelled with `where`. */
const perRowScansOf = (where: string, compile: (db: Kysely<DatabaseSchema>) => CompiledQuery) =>
  Effect.flatMap(Database, (database) =>
    database.use("explaining an aggregation", (db) => {
      const compiled = compile(db)
      return db.executeQuery<{ "QUERY PLAN": ReadonlyArray<{ Plan: PlanNode }> }>(
        CompiledQuery.raw(`explain (format json) ${compiled.sql}`, [...compiled.parameters])
      )
    })).pipe(Effect.map((explained) => perRowScans(explained.rows[0]!["QUERY PLAN"][0]!.Plan).map((p) => `${where}: ${p}`)))

/**
 * Every per-row scan in the plans of every metric's query, with and without consent, grouping
 * the exposures and reading them from an exposed-units table (as an analysis does), and in the
 * plan of the query that fills that table.
 */
const badPlans = Effect.flatMap(Database, (database) => database.withSession("explaining", Effect.gen(function*() {
  const asOfMs = T0 + 40 * DAY_MS
  const table = exposedUnitsTableName()
  yield* database.use("collecting the exposed units", (db) => createExposedUnits(db, "postgres", table, { pilotId: "aggregation", asOfMs, clustered: true }))
  // the steps that fill it: the consent table (made again here: the table's own is dropped once used), the units, the units in two variants
  const units = { pilotId: "aggregation", asOfMs, clustered: true }
  const consent = `${table}_consent`
  yield* database.use("collecting consent", (db) =>
    sql`create temporary table ${sql.table(consent)} as ${consentOfUnits(db, units)}`.execute(db).then(() => sql`analyze ${sql.table(consent)}`.execute(db)))
  const found: Array<string> = [
    ...yield* perRowScansOf("collecting consent for the exposed-units table", (db) => consentOfUnits(db, units).compile()),
    ...yield* perRowScansOf("filling the exposed-units table", (db) => exposedUnitsRowsQuery(db, units, consent).compile()),
    ...yield* perRowScansOf("correcting the units seen in two variants", (db) => multiVariantUnitsQuery(db, units, table).compile())
  ]
  for (const [consentRequired, exposedUnits] of [[false, undefined], [true, undefined], [false, table], [true, table]] as const) {
    const scope = { pilotId: "aggregation", asOfMs, consentRequired, ...(exposedUnits === undefined ? {} : { exposedUnits }) }
    for (const metric of pilot.metrics as unknown as ReadonlyArray<Metric>) {
      // the per-variant query, the novelty check's per-week one, a cluster-randomized pilot's per-cluster one, the over-time ones (with the primary's cohorts too)
      const queries = [
        ["per variant", (db: Kysely<DatabaseSchema>) => metricStatsQuery(db, scope, metric).compile()],
        ["per exposure week", (db: Kysely<DatabaseSchema>) => weeklyStatsQuery(db, scope, metric, T0).compile()],
        ["per cluster", (db: Kysely<DatabaseSchema>) => clusterStatsQuery(db, { ...scope, clustered: true }, metric).compile()],
        ["per segment", (db: Kysely<DatabaseSchema>) => segmentStatsQuery(db, "postgres", scope, metric, "channel").compile()],
        ["over time", (db: Kysely<DatabaseSchema>) => overTimeStatsQuery(db, scope, metric, OVER_TIME(scope.asOfMs)).compile()],
        ["over time with exposure-week cohorts", (db: Kysely<DatabaseSchema>) => overTimeStatsQuery(db, scope, metric, OVER_TIME(scope.asOfMs), { originMs: T0, closedBy: scope.asOfMs }).compile()],
        ["over time per cluster", (db: Kysely<DatabaseSchema>) => clusterOverTimeStatsQuery(db, { ...scope, clustered: true }, metric, OVER_TIME(scope.asOfMs)).compile()]
      ] as const
      for (const [shape, compile] of queries) {
        const where = `${metric.type} metric "${metric.key}" ${shape} (consent ${consentRequired ? "required" : "not required"}${exposedUnits === undefined ? "" : ", from the exposed-units table"})`
        found.push(...yield* perRowScansOf(where, compile))
      }
    }
  }
  return found
})))

describe("PostgreSQL plans of the aggregation queries", () => {
  const services = Layer.mergeAll(PilotRepo.Default, EventRepo.Default, Aggregation.Default)

  it.effect("never scan events once per unit, for every metric type, with and without consent", () =>
    Effect.gen(function*() {
      const pilots = yield* PilotRepo
      const repo = yield* EventRepo
      yield* pilots.register([registerInput(pilot)])
      yield* repo.startImport("b1", "aggregation", "generated", "2026-03-01T00:00:00Z")
      const rows = toRows(generate(11, UNITS))
      for (let i = 0; i < rows.length; i += BATCH) yield* repo.writeBatch("b1", rows.slice(i, i + BATCH), [])
      yield* repo.finishImport("b1", "2026-03-01T00:00:00Z")
      expect(rows.length).toBeGreaterThan(10 * UNITS)

      expect(yield* badPlans).toEqual([])
    }).pipe(Effect.provide(services.pipe(Layer.provideMerge(postgresLayer())))), 300_000)

  it.live("an interrupted import's rows are analysed before the next aggregation", () => {
    const schema = freshSchema()
    // the import that is interrupted: its first small batch finished (and analysed), then
    // 20 000 units committed by a process that died before finishing
    const interrupted = Effect.gen(function*() {
      const pilots = yield* PilotRepo
      const repo = yield* EventRepo
      yield* pilots.register([registerInput(pilot)])
      const rows = toRows(generate(13, UNITS))
      yield* repo.startImport("b0", "aggregation", "first.csv", "2026-03-01T00:00:00Z")
      yield* repo.writeBatch("b0", rows.slice(0, 200), [])
      yield* repo.finishImport("b0", "2026-03-01T00:00:00Z")
      yield* repo.startImport("b1", "aggregation", "generated", "2026-03-01T00:00:00Z")
      for (let i = 200; i < rows.length; i += BATCH) yield* repo.writeBatch("b1", rows.slice(i, i + BATCH), [])
    }).pipe(Effect.provide(Layer.mergeAll(PilotRepo.Default, EventRepo.Default).pipe(Layer.provide(Database.postgres(PG_URL, { schema })))))
    const changedSinceAnalyze = Effect.flatMap(Database, (database) =>
      database.use("reading planner statistics", (db) =>
        sql<{ changed: string }>`select n_mod_since_analyze as changed from pg_stat_user_tables where relname = 'events' and schemaname = current_schema()`
          .execute(db)).pipe(Effect.map((r) => Number(r.rows[0]?.changed ?? 0))))
    return Effect.gen(function*() {
      yield* interrupted // its connections are closed, as a dead process's are
      // a closing backend reports its counts a moment later
      let changed = yield* changedSinceAnalyze
      for (let waited = 0; changed <= UNITS && waited < 30_000; waited += 200) {
        yield* Effect.sleep("200 millis")
        changed = yield* changedSinceAnalyze
      }
      expect(changed).toBeGreaterThan(UNITS)
      yield* (yield* Aggregation).currentStatistics
      expect(yield* changedSinceAnalyze).toBeLessThan(1000)
      // and the plans of an analysed table are sound
      expect(yield* badPlans).toEqual([])
    }).pipe(Effect.provide(services.pipe(Layer.provideMerge(postgresLayer(schema)))))
  }, 300_000)

  it("the check finds a per-row scan of events when a plan has one", () => {
    const bad: PlanNode = {
      "Node Type": "Aggregate",
      Plans: [{
        "Node Type": "Nested Loop",
        Plans: [
          { "Node Type": "Seq Scan", "Relation Name": "events", "Parent Relationship": "Outer" },
          { "Node Type": "Materialize", "Parent Relationship": "Inner", Plans: [{ "Node Type": "Seq Scan", "Relation Name": "events", "Parent Relationship": "Outer" }] }
        ]
      }]
    }
    expect(perRowScans(bad)).toEqual(["Aggregate > Nested Loop: its inner side scans events"])
    const good: PlanNode = {
      "Node Type": "Nested Loop",
      Plans: [
        { "Node Type": "Seq Scan", "Relation Name": "events", "Parent Relationship": "Outer" },
        { "Node Type": "Index Only Scan", "Relation Name": "events", "Parent Relationship": "Inner" }
      ]
    }
    expect(perRowScans(good)).toEqual([])
  })
})
