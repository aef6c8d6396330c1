/**
 * Results snapshots on both dialects: a stored snapshot equals a fresh recomputation as of the
 * same moment (the example pilots on their simulated data: evaluation and effect-over-time
 * series, encoded with the domain's schemas); a current snapshot is read, not recomputed; a
 * committed import, erasure or actuals record makes the next read recompute, a rolled-back write
 * does not; concurrent reads of a stale snapshot share one computation; a decision made now
 * names the snapshot it was made on.
 */
import { AnalysisSnapshot, DAY_MS, Evaluation, SNAPSHOT_SCHEMA_VERSION, StorageError } from "@pilotproof/domain"
import {
  Analysis,
  Decisions,
  Erasure,
  EventImport,
  inMemorySource,
  PilotRegistry,
  Simulation,
  SnapshotBuilder,
  Snapshots
} from "@pilotproof/engine"
import { Database, EventRepo, isCurrent, SnapshotRepo } from "@pilotproof/store"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Schema } from "effect"
import { join } from "node:path"
import { DIALECTS } from "./fixtures/Databases.js"
import { EXPERIMENTS_DIR, experimentFiles, minimalPilot } from "./fixtures/Definitions.js"

const services = Layer.mergeAll(
  PilotRegistry.Default,
  Simulation.Default,
  Analysis.Default,
  Decisions.Default,
  EventImport.Default,
  Erasure.Default,
  Snapshots.Default,
  SnapshotBuilder.Default,
  SnapshotRepo.Default,
  EventRepo.Default
)

/** The four example pilots: binomial, mean with CUPED, ratio and duration metrics, sequential and fixed plans. */
const EXAMPLES = ["support-bot-lead-qualification", "lead-scoring-queue-priority", "personalized-offers-returning", "reply-drafting-assistant"]

const encodeEvaluation = Schema.encodeSync(Evaluation)
const encodeSnapshot = Schema.encodeSync(AnalysisSnapshot)

const START = Date.parse("2026-03-02T09:00:00Z")
const event = (unit: string, type: string, variant: string | undefined, day: number) => ({
  unit_id: unit,
  type,
  ...(variant === undefined ? {} : { variant }),
  ts: new Date(START + day * DAY_MS).toISOString()
})

/** A small running pilot with consent and exposures for `units` units (half converted in the bot arm). */
const smallPilot = (id: string, units: number, offset = 0) =>
  Effect.gen(function*() {
    const registry = yield* PilotRegistry
    yield* registry.register([{ source: `${id}.json`, text: JSON.stringify(minimalPilot(id)) }])
    yield* registry.start(id)
    yield* importUnits(id, units, offset)
  })

const importUnits = (id: string, units: number, offset: number, source = `batch-${offset}`) =>
  Effect.flatMap(EventImport, (importer) => {
    const rows = []
    for (let i = offset; i < offset + units; i++) {
      const variant = i % 2 === 0 ? "control" : "bot"
      rows.push(event(`u-${i}`, "consent", undefined, 0), event(`u-${i}`, "exposure", variant, 1))
      if (variant === "bot" ? i % 4 === 1 : i % 8 === 0) rows.push(event(`u-${i}`, "deal_won", undefined, 3))
    }
    return importer.run({ pilotId: id, source, batches: inMemorySource(rows) })
  })

for (const dialect of DIALECTS) {
  describe(`results snapshots (${dialect.name})`, () => {
    const fresh = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof services> | Database>) =>
      Effect.provide(effect, services.pipe(Layer.provideMerge(dialect.layer())))

    it.live("a snapshot of each example pilot equals a fresh recomputation as of its moment", () =>
      fresh(Effect.gen(function*() {
        const registry = yield* PilotRegistry
        const wanted = EXAMPLES
        yield* registry.register(experimentFiles().filter((f) => wanted.some((id) => f.source.includes(id))))
        for (const id of wanted) {
          yield* registry.start(id)
          yield* (yield* Simulation).intoPilot(join(EXPERIMENTS_DIR, "scenarios", `${id}.yaml`))
          const snapshot = yield* (yield* Snapshots).current(id)
          const asOf = Date.parse(snapshot.computedAt)
          const evaluation = yield* (yield* Analysis).evaluate(id, asOf)
          expect(encodeEvaluation(snapshot.evaluation), id).toEqual(encodeEvaluation(evaluation))
          // the series as a snapshot computes it: from the exposed units collected as of the
          // snapshot's moment (the same sums in the same order; another plan may differ in the last bits)
          const series = (yield* (yield* Analysis).results(id, asOf)).overTime
          expect(snapshot.overTime, id).toEqual(series)
          expect(Object.values(series).flat().length, `${id} has an effect-over-time series`).toBeGreaterThan(0)
          // what is stored decodes to what was computed
          const stored = yield* (yield* SnapshotRepo).read(id)
          expect(encodeSnapshot(stored!)).toEqual(encodeSnapshot(snapshot))
        }
      })), 600_000)

    it.live("a current snapshot is read; committed data makes the next read recompute, a rolled-back write does not", () =>
      fresh(Effect.gen(function*() {
        const snapshots = yield* Snapshots
        yield* smallPilot("snap-small", 40)
        const first = yield* snapshots.current("snap-small")
        expect(first.evaluation.analysis.readiness.exposure.units).toEqual({ bot: 20, control: 20 })
        const again = yield* snapshots.current("snap-small")
        expect(again.id).toBe(first.id)
        expect(again.computedAt).toBe(first.computedAt)

        // a write rolled back with its transaction leaves the data version, so the snapshot stays
        const database = yield* Database
        const events = yield* EventRepo
        const failed = yield* database.withTransaction("a write that fails", Effect.gen(function*() {
          yield* events.startImport("rolled-back", "snap-small", "rolled-back.csv", new Date().toISOString())
          yield* events.writeBatch("rolled-back", [], [{ pilot_id: "snap-small", source: "rolled-back.csv", line: 2, unit_id: null, reason: "test", raw: "x", batch_id: "rolled-back" }])
          return yield* new StorageError({ operation: "testing", detail: "fails after the batch" })
        })).pipe(Effect.exit)
        expect(Exit.isFailure(failed)).toBe(true)
        expect((yield* snapshots.current("snap-small")).id).toBe(first.id)

        // a committed import is in the next read
        yield* importUnits("snap-small", 20, 40)
        const after = yield* snapshots.current("snap-small")
        expect(after.key.dataVersion).toBeGreaterThan(first.key.dataVersion)
        expect(after.evaluation.analysis.readiness.exposure.units).toEqual({ bot: 30, control: 30 })

        // so is an erasure (and the erased unit's snapshot is not kept)
        yield* (yield* Erasure).erase("u-0")
        const erased = yield* snapshots.current("snap-small")
        expect(erased.key.dataVersion).toBeGreaterThan(after.key.dataVersion)
        expect(erased.evaluation.analysis.readiness.exposure.units).toEqual({ bot: 30, control: 29 })

        // and an actuals record
        yield* (yield* Decisions).recordActuals("snap-small", [{ month: "2026-06", cost: 1000, benefit: 2000 }], "test")
        expect((yield* snapshots.current("snap-small")).key.dataVersion).toBe(erased.key.dataVersion + 1)

        // a snapshot an older engine stored (another schema version) is stale: computed again, and stored at this version
        const current = yield* snapshots.current("snap-small")
        yield* database.use("aging the snapshot's schema", (db) =>
          db.updateTable("analysis_snapshots").set({ schema_version: SNAPSHOT_SCHEMA_VERSION - 1 }).where("pilot_id", "=", "snap-small").execute())
        const state = (yield* (yield* SnapshotRepo).state("snap-small"))!
        expect(state.stored?.schemaVersion).toBe(SNAPSHOT_SCHEMA_VERSION - 1)
        expect(isCurrent(state)).toBe(false)
        const recomputed = yield* snapshots.current("snap-small")
        expect(recomputed.computedAt).not.toBe(current.computedAt)
        expect((yield* (yield* SnapshotRepo).state("snap-small"))!.stored?.schemaVersion).toBe(SNAPSHOT_SCHEMA_VERSION)

        // `refresh` computes again although nothing changed
        const before = yield* snapshots.current("snap-small")
        const refreshed = yield* snapshots.current("snap-small", { refresh: true })
        expect(refreshed.key).toEqual(before.key)
        expect(refreshed.id).not.toBe(before.id)
        expect(Date.parse(refreshed.computedAt)).toBeGreaterThan(Date.parse(before.computedAt))
        expect((yield* snapshots.current("snap-small")).id).toBe(refreshed.id)
      })), 120_000)

    it.live("concurrent reads of a stale snapshot share one computation, and a decision names its snapshot", () =>
      fresh(Effect.gen(function*() {
        const snapshots = yield* Snapshots
        yield* smallPilot("snap-shared", 60)
        const read = yield* Effect.all(Array.from({ length: 6 }, () => snapshots.current("snap-shared")), { concurrency: "unbounded" })
        expect(new Set(read.map((s) => s.id)).size).toBe(1)
        const { recorded } = yield* (yield* Decisions).record("snap-shared", { actor: "test" })
        expect(recorded.snapshot_id).toBe(read[0]!.id)
        expect(recorded.as_of).toBe(read[0]!.computedAt)
        const past = yield* (yield* Decisions).record("snap-shared", { actor: "test", asOfMs: START + 2 * DAY_MS })
        expect(past.recorded.snapshot_id).toBeNull()
      })), 120_000)

    it.live("an unknown pilot is PilotNotFound, not an empty snapshot", () =>
      fresh(Effect.gen(function*() {
        const error = yield* Effect.flip((yield* Snapshots).current("no-such-pilot"))
        expect(error._tag).toBe("PilotNotFound")
      })))
  })
}
