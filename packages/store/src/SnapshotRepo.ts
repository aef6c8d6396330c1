/**
 * Results snapshots and the data versions they are keyed by.
 *
 * Every write that changes what a pilot's evaluation reads bumps the pilot's `data_version` in
 * the same transaction (`bumpDataVersion`): a committed batch is seen by the next read, a
 * rolled-back one never is. A snapshot is current while its pilot still has the definition
 * hash, status and data version it was computed on; one query answers that for every pilot.
 */
import { type AnalysisSnapshot, SNAPSHOT_SCHEMA_VERSION, type SnapshotKey, StorageError, StoredSnapshot } from "@pilotproof/domain"
import { Effect, Schema } from "effect"
import type { Kysely } from "kysely"
import { Database } from "./Database.js"
import type { DatabaseSchema } from "./DatabaseSchema.js"

/**
 * Adds one to the data version of the pilots given, or of the pilot an import batch belongs to;
 * run inside the writing transaction.
 */
export const bumpDataVersion = (db: Kysely<DatabaseSchema>, target: { readonly pilotIds: ReadonlyArray<string> } | { readonly batchId: string }) => {
  if ("pilotIds" in target && target.pilotIds.length === 0) return Promise.resolve()
  return db.updateTable("pilots")
    .set((eb) => ({ data_version: eb("data_version", "+", 1) }))
    .where("id", "in", "pilotIds" in target
      ? [...target.pilotIds]
      : db.selectFrom("imports").select("pilot_id").where("batch_id", "=", target.batchId))
    .execute()
    .then(() => undefined)
}

/** A pilot's key now and, if it has one, its stored snapshot's. */
export interface SnapshotState {
  readonly pilotId: string
  readonly current: SnapshotKey
  readonly stored?: { readonly key: SnapshotKey; readonly snapshotId: string; readonly computedAt: string; readonly schemaVersion: number }
}

export const isCurrent = (state: SnapshotState) =>
  state.stored !== undefined &&
  state.stored.schemaVersion === SNAPSHOT_SCHEMA_VERSION &&
  state.stored.key.definitionHash === state.current.definitionHash &&
  state.stored.key.status === state.current.status &&
  state.stored.key.dataVersion === state.current.dataVersion

const encodeSnapshot = Schema.encode(StoredSnapshot)
const decodeSnapshot = Schema.decode(StoredSnapshot)

export class SnapshotRepo extends Effect.Service<SnapshotRepo>()("@pilotproof/store/SnapshotRepo", {
  effect: Effect.gen(function*() {
    const database = yield* Database

    const stateQuery = (db: Kysely<DatabaseSchema>) =>
      db.selectFrom("pilots as p")
        .leftJoin("analysis_snapshots as s", "s.pilot_id", "p.id")
        .select([
          "p.id",
          "p.definition_hash",
          "p.status",
          "p.data_version",
          "s.snapshot_id",
          "s.definition_hash as s_definition_hash",
          "s.status as s_status",
          "s.data_version as s_data_version",
          "s.computed_at",
          "s.schema_version"
        ])
        .orderBy("p.id")

    type StateRow = Awaited<ReturnType<ReturnType<typeof stateQuery>["execute"]>>[number]
    const toState = (r: StateRow): SnapshotState => ({
      pilotId: r.id,
      current: { definitionHash: r.definition_hash, status: r.status, dataVersion: Number(r.data_version) },
      ...(r.snapshot_id === null || r.s_definition_hash === null || r.s_status === null || r.s_data_version === null || r.computed_at === null
        ? {}
        : {
          stored: {
            key: { definitionHash: r.s_definition_hash, status: r.s_status, dataVersion: Number(r.s_data_version) },
            snapshotId: r.snapshot_id,
            computedAt: r.computed_at,
            schemaVersion: Number(r.schema_version ?? 1)
          }
        })
    })

    /** The pilot's key and its snapshot's (undefined when there is no such pilot). */
    const state = Effect.fn("SnapshotRepo.state")(function*(pilotId: string) {
      const row = yield* database.use(`reading the snapshot state of "${pilotId}"`, (db) =>
        stateQuery(db).where("p.id", "=", pilotId).executeTakeFirst())
      return row === undefined ? undefined : toState(row)
    })

    /** Every pilot's key and its snapshot's, in one query (the server's background refresh). */
    const states = Effect.fn("SnapshotRepo.states")(function*() {
      const rows = yield* database.use("reading the snapshot states", (db) => stateQuery(db).execute())
      return rows.map(toState)
    })

    /** The stored snapshot of a pilot, decoded; undefined when it has none. */
    const read = Effect.fn("SnapshotRepo.read")(function*(pilotId: string) {
      const operation = `reading the results snapshot of "${pilotId}"`
      const row = yield* database.use(operation, (db) =>
        db.selectFrom("analysis_snapshots").select("snapshot").where("pilot_id", "=", pilotId).executeTakeFirst())
      if (row === undefined) return undefined
      return yield* decodeSnapshot(row.snapshot).pipe(
        Effect.mapError((e) => new StorageError({ operation, detail: `the stored snapshot does not decode: ${e.message}`, cause: e }))
      )
    })

    /**
     * Stores a snapshot as the pilot's, unless the one stored is of a later data version (a
     * slower computation started earlier must not overwrite a newer result).
     */
    const write = Effect.fn("SnapshotRepo.write")(function*(snapshot: AnalysisSnapshot) {
      const operation = `storing the results snapshot of "${snapshot.pilotId}"`
      const text = yield* encodeSnapshot(snapshot).pipe(
        Effect.mapError((e) => new StorageError({ operation, detail: `the snapshot does not encode: ${e.message}`, cause: e }))
      )
      const row = {
        pilot_id: snapshot.pilotId,
        snapshot_id: snapshot.id,
        definition_hash: snapshot.key.definitionHash,
        status: snapshot.key.status,
        data_version: snapshot.key.dataVersion,
        computed_at: snapshot.computedAt,
        schema_version: SNAPSHOT_SCHEMA_VERSION,
        snapshot: text
      }
      yield* database.use(operation, (db) =>
        db.insertInto("analysis_snapshots").values(row)
          .onConflict((oc) =>
            oc.column("pilot_id")
              .doUpdateSet({
                snapshot_id: row.snapshot_id,
                definition_hash: row.definition_hash,
                status: row.status,
                data_version: row.data_version,
                computed_at: row.computed_at,
                schema_version: row.schema_version,
                snapshot: row.snapshot
              })
              .where("analysis_snapshots.data_version", "<=", row.data_version))
          .execute())
    })

    return { state, states, read, write } as const
  })
}) {}
