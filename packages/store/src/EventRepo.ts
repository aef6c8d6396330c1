/**
 * Events, rejected rows, import batches and erasures.
 *
 * A batch of rows is written in one transaction together with the import's running counters,
 * so an interrupted import leaves only whole batches behind; re-running it inserts exactly the
 * rows that are missing, because an event's key is (pilot, event id) and duplicates are skipped
 * by the database (`ON CONFLICT DO NOTHING`), never by a read-then-write race.
 *
 * With a ClickHouse event store in the context (`PILOTPROOF_EVENTS`), the events go there and
 * everything else stays here: a batch's new events are written to ClickHouse first, then its
 * rejects, counters and data version commit here in one transaction. Should that commit fail,
 * the events are in ClickHouse already and a re-run finds them (counted as duplicates); the
 * analysis counts each once (`ClickHouseEvents`), and the snapshot includes them at the next
 * committed write or within the hour a snapshot lives.
 */
import { StorageError } from "@pilotproof/domain"
import { Effect, Option, Schedule } from "effect"
import { CompiledQuery, type Insertable, type Kysely, sql } from "kysely"
import { ClickHouse } from "./ClickHouse.js"
import { type ClickHouseEvents, makeClickHouseEvents } from "./ClickHouseEvents.js"
import { Database } from "./Database.js"
import type { DatabaseSchema, EventRejectsTable, EventsTable } from "./DatabaseSchema.js"
import { bumpDataVersion } from "./SnapshotRepo.js"

export type EventRow = Insertable<EventsTable>
export type RejectRow = Insertable<EventRejectsTable>

/** One pilot's part of a webhook delivery: its events and rejects, under one import record. */
export interface DeliveryPart {
  readonly pilotId: string
  readonly source: string
  readonly batchId: string
  readonly rows: ReadonlyArray<EventRow>
  readonly rejects: ReadonlyArray<RejectRow>
}

export interface BatchResult {
  readonly inserted: number
  readonly duplicates: number
  readonly rejected: number
}

/** Rows per INSERT statement: under SQLite's 32 766 and PostgreSQL's 65 535 bound parameters. */
const ROWS_PER_STATEMENT = 500

const chunks = <A>(rows: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size))
  return out
}

/** Every column of `events` (the type refuses a missing or unknown one), in the order `insertEvents` binds them. */
const EVENT_COLUMNS = Object.keys({
  pilot_id: true, event_id: true, unit_id: true, type: true, variant: true, value: true, ts_ms: true, attributes: true,
  phone_key: true, email_key: true, format_flags: true, expected_variant: true, source: true, line: true, batch_id: true,
  cluster_id: true
} satisfies Record<keyof EventsTable, true>) as ReadonlyArray<keyof EventsTable>

/**
 * `INSERT INTO events … ON CONFLICT DO NOTHING` of `n` rows as Kysely compiles it for the
 * connection's dialect. An import runs the same statement for every 500 rows: building and
 * compiling the query tree each time was a tenth of an import's time, so the text is compiled
 * once and each chunk only binds its values.
 */
const compileEventInsert = (db: Kysely<DatabaseSchema>, n: number): string => {
  const placeholder = Object.fromEntries(EVENT_COLUMNS.map((column) => [column, 0])) as unknown as EventRow
  const compiled = db
    .insertInto("events")
    .values(Array.from({ length: n }, () => placeholder))
    .onConflict((oc) => oc.columns(["pilot_id", "event_id"]).doNothing())
    .compile()
  if (compiled.parameters.length !== n * EVENT_COLUMNS.length) {
    throw new Error(`the events INSERT binds ${compiled.parameters.length} values, expected ${n} × ${EVENT_COLUMNS.length}`)
  }
  return compiled.sql
}

export class EventRepo extends Effect.Service<EventRepo>()("@pilotproof/store/EventRepo", {
  effect: Effect.gen(function*() {
    const database = yield* Database
    const store = yield* Effect.serviceOption(ClickHouse)
    const clickHouse = Option.isSome(store) ? Option.some(yield* Effect.provideService(makeClickHouseEvents, ClickHouse, store.value)) : Option.none()
    let fullChunkInsert: string | undefined

    /** The rows of a batch whose event id is new to their pilot: the first of each id, none ClickHouse holds. */
    const newInClickHouse = (events: ClickHouseEvents, rows: ReadonlyArray<EventRow>) =>
      Effect.gen(function*() {
        const firsts = new Map<string, EventRow>()
        for (const row of rows) if (!firsts.has(`${row.pilot_id}\u0000${row.event_id}`)) firsts.set(`${row.pilot_id}\u0000${row.event_id}`, row)
        const byPilot = new Map<string, Array<EventRow>>()
        for (const row of firsts.values()) byPilot.set(row.pilot_id, [...(byPilot.get(row.pilot_id) ?? []), row])
        const fresh: Array<EventRow> = []
        const stored: Array<{ readonly row: EventRow; readonly ts: number }> = []
        for (const [pilotId, pilotRows] of byPilot) {
          const times = yield* events.storedTimes(pilotId, pilotRows.map((r) => r.event_id))
          for (const row of pilotRows) {
            const ts = times.get(row.event_id)
            if (ts === undefined) fresh.push(row)
            else stored.push({ row, ts })
          }
        }
        return { fresh, stored }
      })

    /** Inserts rows (at most `ROWS_PER_STATEMENT`), skipping event ids the pilot has; how many were new. */
    const insertEvents = async (trx: Kysely<DatabaseSchema>, rows: ReadonlyArray<EventRow>): Promise<number> => {
      const text = rows.length === ROWS_PER_STATEMENT
        ? (fullChunkInsert ??= compileEventInsert(trx, ROWS_PER_STATEMENT))
        : compileEventInsert(trx, rows.length)
      const parameters: Array<unknown> = []
      // a nullable column a writer leaves out is bound as NULL
      for (const row of rows) for (const column of EVENT_COLUMNS) parameters.push(row[column] ?? null)
      const result = await trx.executeQuery(CompiledQuery.raw(text, parameters))
      return Number(result.numAffectedRows ?? 0)
    }

    /** Inserts rejected rows, skipping (pilot, source, line) already kept; how many were new. */
    const insertRejects = async (trx: Kysely<DatabaseSchema>, rejects: ReadonlyArray<RejectRow>): Promise<number> => {
      let inserted = 0
      for (const chunk of chunks(rejects, ROWS_PER_STATEMENT)) {
        const result = await trx.insertInto("event_rejects").values(chunk as Array<RejectRow>)
          .onConflict((oc) => oc.columns(["pilot_id", "source", "line"]).doNothing()).executeTakeFirst()
        inserted += Number(result.numInsertedOrUpdatedRows ?? 0)
      }
      return inserted
    }

    const startImport = Effect.fn("EventRepo.startImport")(function*(batchId: string, pilotId: string, source: string, now: string) {
      // A first delivery until the source has once been imported to the end: an interrupted
      // attempt and its re-run are the same delivery.
      const operation = `recording the import of ${source}`
      yield* database.withTransaction(operation, database.use(operation, async (db) => {
        const earlier = await db.selectFrom("imports").select("batch_id")
          .where("pilot_id", "=", pilotId).where("source", "=", source).where("finished_at", "is not", null).limit(1).execute()
        await db.insertInto("imports")
          .values({
            batch_id: batchId,
            pilot_id: pilotId,
            source,
            first_delivery: earlier.length === 0 ? 1 : 0,
            started_at: now,
            finished_at: null,
            accepted: 0,
            duplicates: 0,
            rejected: 0
          })
          .execute()
      }))
    })

    /** Writes one batch (events and rejects) and adds its counts to the import, atomically. */
    const writeBatch = Effect.fn("EventRepo.writeBatch")(function*(
      batchId: string,
      events: ReadonlyArray<EventRow>,
      rejects: ReadonlyArray<RejectRow>
    ) {
      const operation = "writing a batch of events"
      let written: number | undefined
      if (Option.isSome(clickHouse)) {
        const { fresh } = yield* newInClickHouse(clickHouse.value, events)
        yield* clickHouse.value.insert(fresh)
        written = fresh.length
      }
      // One `use` for the whole batch: the chunk loop is the import's hot path.
      return yield* database.withTransaction(operation, database.use(operation, async (trx): Promise<BatchResult> => {
        let inserted = written ?? 0
        if (written === undefined) for (const chunk of chunks(events, ROWS_PER_STATEMENT)) inserted += await insertEvents(trx, chunk)
        const rejected = await insertRejects(trx, rejects)
        const duplicates = events.length - inserted
        await trx
          .updateTable("imports")
          .set((eb) => ({
            accepted: eb("accepted", "+", inserted),
            duplicates: eb("duplicates", "+", duplicates),
            rejected: eb("rejected", "+", rejects.length)
          }))
          .where("batch_id", "=", batchId)
          .execute()
        // even a batch of duplicates changes the readiness counts
        if (events.length + rejects.length > 0) await bumpDataVersion(trx, { batchId })
        return { inserted, duplicates, rejected }
      }))
    })

    /**
     * A webhook delivery, whole or not at all: for each pilot it reaches, its events (duplicates
     * skipped by event id — and where a duplicate carries an earlier time, the stored event moves
     * to it, so deliveries out of order end as the source's times say), its rejects (skipped by
     * source and line), an import record and the pilot's data version; `also` runs in the same
     * transaction (the connector's pending fetches). A delivery that changes nothing (a retry)
     * leaves no trace. No planner statistics are refreshed: a delivery is a handful of rows.
     */
    const writeDelivery = <E = never, R = never>(parts: ReadonlyArray<DeliveryPart>, now: string, also: Effect.Effect<void, E, R> = Effect.void) => {
      const operation = "writing a webhook delivery"
      // ClickHouse first (an earlier time of a stored event is a new row FINAL prefers), then the rest here
      const written = Option.isNone(clickHouse) ? Effect.succeed(undefined) : Effect.forEach(parts, (part) =>
        Effect.gen(function*() {
          const { fresh, stored } = yield* newInClickHouse(clickHouse.value, part.rows)
          const earlier = stored.filter((s) => s.row.ts_ms < s.ts).map((s) => s.row)
          yield* clickHouse.value.insert([...fresh, ...earlier])
          return { inserted: fresh.length, moved: earlier.length }
        }))
      return Effect.flatMap(written, (inClickHouse) => database.withTransaction(operation, Effect.gen(function*() {
        const results = yield* database.use(operation, async (trx) => {
          const out: Array<BatchResult & { readonly pilotId: string; readonly moved: number }> = []
          const changed = new Set<string>()
          for (const [index, part] of parts.entries()) {
            const fromClickHouse = inClickHouse?.[index]
            let inserted = fromClickHouse?.inserted ?? 0
            if (fromClickHouse === undefined) for (const chunk of chunks(part.rows, ROWS_PER_STATEMENT)) inserted += await insertEvents(trx, chunk)
            let moved = fromClickHouse?.moved ?? 0
            if (fromClickHouse === undefined && inserted < part.rows.length) {
              for (const row of part.rows) {
                const result = await trx.updateTable("events")
                  .set({ ts_ms: row.ts_ms, value: row.value ?? null, attributes: row.attributes })
                  .where("pilot_id", "=", row.pilot_id).where("event_id", "=", row.event_id).where("ts_ms", ">", row.ts_ms)
                  .executeTakeFirst()
                moved += Number(result.numUpdatedRows)
              }
            }
            const rejected = await insertRejects(trx, part.rejects)
            out.push({ pilotId: part.pilotId, inserted, duplicates: part.rows.length - inserted, rejected, moved })
            if (inserted + moved + rejected === 0) continue
            changed.add(part.pilotId)
            const earlier = await trx.selectFrom("imports").select("batch_id")
              .where("pilot_id", "=", part.pilotId).where("source", "=", part.source).where("finished_at", "is not", null).limit(1).execute()
            await trx.insertInto("imports").values({
              batch_id: part.batchId,
              pilot_id: part.pilotId,
              source: part.source,
              first_delivery: earlier.length === 0 ? 1 : 0,
              started_at: now,
              finished_at: now,
              accepted: inserted,
              duplicates: part.rows.length - inserted,
              rejected
            }).execute()
          }
          await bumpDataVersion(trx, { pilotIds: [...changed] })
          return out
        })
        yield* also
        return results
      })))
    }

    const finishImport = Effect.fn("EventRepo.finishImport")(function*(batchId: string, now: string) {
      // a finished delivery counts its duplicates differently (`DataQuality.volumes`)
      const operation = "finishing the import"
      yield* database.withTransaction(operation, database.use(operation, async (db) => {
        await db.updateTable("imports").set({ finished_at: now }).where("batch_id", "=", batchId).execute()
        await bumpDataVersion(db, { batchId })
      }))
      // PostgreSQL plans the aggregation joins from table statistics; right after a bulk load
      // they are missing until autovacuum gets to it, and the plans are 5–10× slower.
      if (database.dialect === "postgres" && Option.isNone(clickHouse)) {
        yield* database.use("refreshing planner statistics", (db) => sql`analyze events`.execute(db))
      }
    })

    /** The first `limit` rejected rows of a pilot (of one source, if given) and how many there are. */
    const rejects = Effect.fn("EventRepo.rejects")(function*(pilotId: string, limit: number, source?: string) {
      return yield* database.use(`reading rejected rows of "${pilotId}"`, async (db) => {
        const rows = await db
          .selectFrom("event_rejects")
          .selectAll()
          .where("pilot_id", "=", pilotId)
          .$if(source !== undefined, (q) => q.where("source", "=", source!))
          .orderBy("source")
          .orderBy("line")
          .limit(limit)
          .execute()
        const total = await db
          .selectFrom("event_rejects")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("pilot_id", "=", pilotId)
          .$if(source !== undefined, (q) => q.where("source", "=", source!))
          .executeTakeFirstOrThrow()
        return { rows, total: Number(total.n) }
      })
    })

    /** Which of `eventIds` the pilot already has (for dry runs, which must not write). */
    const existingIds = Effect.fn("EventRepo.existingIds")(function*(pilotId: string, eventIds: ReadonlyArray<string>) {
      if (Option.isSome(clickHouse)) return new Set((yield* clickHouse.value.storedTimes(pilotId, eventIds)).keys())
      const found = new Set<string>()
      for (const chunk of chunks(eventIds, ROWS_PER_STATEMENT)) {
        const rows = yield* database.use("looking up event ids", (db) =>
          db.selectFrom("events").select("event_id").where("pilot_id", "=", pilotId).where("event_id", "in", chunk).execute())
        for (const r of rows) found.add(r.event_id)
      }
      return found
    })

    /**
     * After an erasure, the deleted rows' bytes leave the files: SQLite overwrites deleted
     * content (`secure_delete`, set when the database opens) and the write-ahead log, which
     * still holds the old pages, is checkpointed and truncated; PostgreSQL's dead row versions
     * are vacuumed (the space is reclaimed for reuse; only VACUUM FULL rewrites the files).
     */
    const purgeErased = database.dialect === "sqlite"
      ? database.use("removing erased rows from the database file", (db) =>
        sql<{ busy: number; log: number; checkpointed: number }>`pragma wal_checkpoint(TRUNCATE)`.execute(db)).pipe(
          // A reader in another process holding an old snapshot keeps the checkpoint from
          // finishing (busy = 1): the old pages would stay in the log. Retried, then reported.
          Effect.filterOrFail(
            (result) => Number(result.rows[0]?.busy ?? 0) === 0,
            () => new StorageError({
              operation: "removing erased rows from the database file",
              detail: `the erasure is committed, but another process reading ${database.location} keeps its old pages in the write-ahead log; run the erasure again when it has finished`
            })
          ),
          Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.intersect(Schedule.recurs(25)))),
          Effect.asVoid
        )
      : database.use("vacuuming erased rows", (db) => sql`vacuum events, event_rejects, analysis_snapshots`.execute(db)).pipe(Effect.asVoid)

    /**
     * Deletes every event and rejected row of one unit key in every pilot, and records the
     * erasure under `subjectHash` (never the clear id), in one transaction. A rejected row is the
     * subject's when its unit key is `unitKey`, or when it has no unit key and its text names one
     * of `mentions` as a whole token (`lead-42` matches `"lead-42"` and `,lead-42,`, not
     * `lead-421`). With `clusterKey`, the subject's id as a cluster-randomized pilot's cluster
     * (a manager) is unlinked from every event that names it.
     */
    const erase = Effect.fn("EventRepo.erase")(function*(
      unitKey: string,
      mentions: ReadonlyArray<string>,
      subjectHash: string,
      erasureId: string,
      now: string,
      clusterKey?: string
    ) {
      const operation = "erasing a subject"
      // In ClickHouse, the events go first (awaited and checked): should the record below fail,
      // running the erasure again finds nothing more there and records it.
      const inClickHouse = Option.isNone(clickHouse) ? undefined : yield* Effect.gen(function*() {
        const events = clickHouse.value
        const byCluster = clusterKey === undefined ? [] : yield* events.unlinkCluster(clusterKey)
        const pilots = yield* events.pilotsOf(unitKey)
        const deleted = yield* events.erase([unitKey])
        return { byCluster, pilots, deleted }
      })
      const erased = yield* database.withTransaction(operation, Effect.gen(function*() {
        const touchedByCluster = new Set<string>(inClickHouse?.byCluster ?? [])
        // A manager of a cluster-randomized pilot is a person too: the deals stay (they are the
        // customers'), the link to the manager goes, so they leave the cluster analysis.
        if (clusterKey !== undefined && inClickHouse === undefined) {
          const clustered = yield* database.use(operation, (db) =>
            db.selectFrom("events").select("pilot_id").distinct().where("cluster_id", "=", clusterKey).execute())
          if (clustered.length > 0) {
            yield* database.use(operation, (db) => db.updateTable("events").set({ cluster_id: null }).where("cluster_id", "=", clusterKey).execute())
          }
          for (const p of clustered) touchedByCluster.add(p.pilot_id)
        }
        const pilots = inClickHouse !== undefined
          ? inClickHouse.pilots.map((pilot_id) => ({ pilot_id }))
          : yield* database.use(operation, (db) =>
            db.selectFrom("events").select("pilot_id").distinct().where("unit_id", "=", unitKey).orderBy("pilot_id").execute())
        const touched = new Set([...pilots.map((p) => p.pilot_id), ...touchedByCluster])
        const keyedPilots = yield* database.use(operation, (db) =>
          db.selectFrom("event_rejects").select("pilot_id").distinct().where("unit_id", "=", unitKey).execute())
        for (const p of keyedPilots) touched.add(p.pilot_id)
        const events = inClickHouse !== undefined
          ? { numDeletedRows: BigInt(inClickHouse.deleted) }
          : yield* database.use(operation, (db) => db.deleteFrom("events").where("unit_id", "=", unitKey).executeTakeFirst())
        const keyed = yield* database.use(operation, (db) => db.deleteFrom("event_rejects").where("unit_id", "=", unitKey).executeTakeFirst())
        let byContent = 0
        for (const mention of mentions.filter((m) => m !== "")) {
          const token = new RegExp(`(^|[^A-Za-z0-9_.@+-])${mention.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^A-Za-z0-9_.@+-])`)
          // LIKE narrows the scan to rows containing the text; the token check decides
          const candidates = yield* database.use(operation, (db) =>
            db.selectFrom("event_rejects").select(["pilot_id", "source", "line", "raw"])
              // rows with a unit key belong to that unit: only rows rejected before any unit id
              // could be read are matched by their text (erasing "7" must not take others' rows)
              .where("unit_id", "is", null)
              .where(sql<boolean>`${sql.ref("raw")} like ${`%${mention.replace(/[\\%_]/g, "\\$&")}%`} escape '\\'`)
              .execute())
          for (const row of candidates.filter((r) => token.test(r.raw))) {
            const deleted = yield* database.use(operation, (db) =>
              db.deleteFrom("event_rejects").where("pilot_id", "=", row.pilot_id).where("source", "=", row.source).where("line", "=", row.line).executeTakeFirst())
            byContent += Number(deleted.numDeletedRows)
            touched.add(row.pilot_id)
          }
        }
        const record = {
          erasure_id: erasureId,
          subject_hash: subjectHash,
          erased_at: now,
          events_deleted: Number(events.numDeletedRows),
          rejects_deleted: Number(keyed.numDeletedRows) + byContent,
          pilots: JSON.stringify(pilots.map((p) => p.pilot_id))
        }
        yield* database.use(operation, (db) => db.insertInto("erasures").values(record).execute())
        // A snapshot's readiness examples may name the subject (a phone, a source line): the
        // touched pilots' snapshots go with the rows, and their next read recomputes.
        yield* database.use(operation, async (db) => {
          if (touched.size > 0) await db.deleteFrom("analysis_snapshots").where("pilot_id", "in", [...touched]).execute()
          await bumpDataVersion(db, { pilotIds: [...touched] })
        })
        return record
      }))
      yield* purgeErased
      return erased
    })

    const erasures = Effect.fn("EventRepo.erasures")(function*() {
      return yield* database.use("reading the erasure log", (db) => db.selectFrom("erasures").selectAll().orderBy("erased_at").execute())
    })

    return { startImport, writeBatch, writeDelivery, finishImport, rejects, existingIds, erase, erasures } as const
  })
}) {}
