/**
 * Decision records (append-only) and the actuals finance records after scale-up. A record's
 * evaluation is stored as versioned JSON (`StoredEvaluation`) and decoded on the way out: a
 * record that does not decode is a `StorageError` naming the pilot and the record number.
 */
import { decisionRecordFields, RecordedDecision, StorageError, StoredEvaluation, type Verdict } from "@pilotproof/domain"
import { Effect, Schema } from "effect"
import type { Insertable, Selectable } from "kysely"
import { Database } from "./Database.js"
import type { ActualsTable, DecisionsTable } from "./DatabaseSchema.js"
import { bumpDataVersion } from "./SnapshotRepo.js"

export type ActualRow = Selectable<ActualsTable>

/** A decision to append: its columns, and the evaluation it was decided on. */
export interface NewDecision {
  readonly pilot_id: string
  readonly decided_at: string
  readonly as_of: string
  readonly design_hash: string
  readonly computed_verdict: Verdict
  readonly verdict: Verdict
  readonly reason: string
  readonly actor: string
  readonly override_verdict: Verdict | null
  readonly override_reason: string | null
  readonly override_by: string | null
  readonly evaluation: RecordedDecision["record"]
  /** The results snapshot the evaluation came from, if it did. */
  readonly snapshot_id: string | null
}

const StoredRow = Schema.Struct({ ...decisionRecordFields, record: StoredEvaluation })
const decodeRow = Schema.decodeUnknown(StoredRow)
const encodeEvaluation = Schema.encode(StoredEvaluation)

const toRecorded = (row: Selectable<DecisionsTable>) =>
  decodeRow(row).pipe(
    Effect.map((decoded) => new RecordedDecision(decoded)),
    Effect.mapError((e) =>
      new StorageError({
        operation: `reading decisions of "${row.pilot_id}"`,
        detail: `decision record ${row.seq} does not decode: ${e.message}`,
        cause: e
      })
    )
  )

export class DecisionRepo extends Effect.Service<DecisionRepo>()("@pilotproof/store/DecisionRepo", {
  effect: Effect.gen(function*() {
    const database = yield* Database

    /**
     * Two writers appending to one pilot at once must not both read the same max(seq): SQLite
     * transactions begin IMMEDIATE (one writer at a time); PostgreSQL locks the pilot's row.
     */
    const lockPilot = (operation: string, pilotId: string) =>
      database.dialect === "postgres"
        ? database.use(operation, (db) => db.selectFrom("pilots").select("id").where("id", "=", pilotId).forUpdate().execute())
        : Effect.void

    /** Appends a record with the next sequence number for its pilot. */
    const append = Effect.fn("DecisionRepo.append")(function*(decision: NewDecision) {
      const operation = `recording a decision for "${decision.pilot_id}"`
      const { evaluation, ...columns } = decision
      const record = yield* encodeEvaluation(evaluation).pipe(
        Effect.mapError((e) => new StorageError({ operation, detail: `the evaluation does not encode: ${e.message}`, cause: e }))
      )
      return yield* database.withTransaction(operation, Effect.gen(function*() {
        yield* lockPilot(operation, decision.pilot_id)
        const last = yield* database.use(operation, (db) =>
          db.selectFrom("decisions")
            .select((eb) => eb.fn.max<number | null>("seq").as("seq"))
            .where("pilot_id", "=", decision.pilot_id)
            .executeTakeFirst())
        const row = { ...columns, seq: Number(last?.seq ?? 0) + 1, record }
        yield* database.use(operation, (db) => db.insertInto("decisions").values(row).execute())
        return new RecordedDecision({ ...columns, seq: row.seq, record: evaluation })
      }))
    })

    /** Every record of a pilot, oldest first. */
    const history = Effect.fn("DecisionRepo.history")(function*(pilotId: string) {
      const rows = yield* database.use(`reading decisions of "${pilotId}"`, (db) =>
        db.selectFrom("decisions").selectAll().where("pilot_id", "=", pilotId).orderBy("seq").execute())
      return yield* Effect.forEach(rows, toRecorded)
    })

    /**
     * Decoded latest records by pilot. Records are append-only, so (pilot, seq) names one record
     * for ever: a page asks for the number, and decodes the record only when it is new.
     */
    const decodedLatest = new Map<string, RecordedDecision>()

    /** The latest record of a pilot, if any: one row read and decoded, not the whole history. */
    const latest = Effect.fn("DecisionRepo.latest")(function*(pilotId: string) {
      const operation = `reading the latest decision of "${pilotId}"`
      const last = yield* database.use(operation, (db) =>
        db.selectFrom("decisions").select("seq").where("pilot_id", "=", pilotId).orderBy("seq", "desc").limit(1).executeTakeFirst())
      if (last === undefined) return undefined
      const known = decodedLatest.get(pilotId)
      if (known?.seq === Number(last.seq)) return known
      const row = yield* database.use(operation, (db) =>
        db.selectFrom("decisions").selectAll().where("pilot_id", "=", pilotId).where("seq", "=", last.seq).executeTakeFirstOrThrow())
      const recorded = yield* toRecorded(row)
      decodedLatest.set(pilotId, recorded)
      return recorded
    })

    /** Records months of actuals in one transaction; a month recorded again is replaced. */
    const recordActuals = Effect.fn("DecisionRepo.recordActuals")(function*(rows: ReadonlyArray<Insertable<ActualsTable>>) {
      if (rows.length === 0) return 0
      const operation = "recording actuals"
      yield* database.withTransaction(operation, Effect.zipRight(
        Effect.forEach(rows, (row) =>
          database.use(operation, (db) =>
            db.insertInto("actuals").values(row)
              .onConflict((oc) => oc.columns(["pilot_id", "month"]).doUpdateSet({ cost: row.cost, benefit: row.benefit, recorded_at: row.recorded_at, source: row.source }))
              .execute()), { discard: true }),
        database.use(operation, (db) => bumpDataVersion(db, { pilotIds: [...new Set(rows.map((r) => r.pilot_id))] }))
      ))
      return rows.length
    })

    const actuals = Effect.fn("DecisionRepo.actuals")(function*(pilotId: string) {
      return yield* database.use(`reading actuals of "${pilotId}"`, (db) =>
        db.selectFrom("actuals").selectAll().where("pilot_id", "=", pilotId).orderBy("month").execute())
    })

    return { append, history, latest, recordActuals, actuals } as const
  })
}) {}
