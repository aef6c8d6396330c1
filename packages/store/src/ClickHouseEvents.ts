/**
 * Writing and erasing events in the ClickHouse event store.
 *
 * Idempotency without unique constraints, in two layers: a writer first asks which of a batch's
 * event ids the pilot has (`existingIds`, over every shard) and inserts only the new ones, so an
 * import's summary counts duplicates as the registry's ON CONFLICT does; and should two writers
 * race (or a retried insert land twice), `events_local` is a ReplacingMergeTree on (pilot, type,
 * unit, event id) whose version is minus the insert time, and every aggregation reads it FINAL:
 * a unit's re-delivered event counts once, as its first delivery. A re-delivery that moves an
 * event to another unit id is refused by the first layer alone.
 *
 * Erasure is a mutation (`ALTER TABLE … DELETE`) on every shard, awaited: 18.16 has no
 * `mutations_sync`, so each shard's `system.mutations` is polled until none of the table's is
 * left undone, and then the shards are asked again that no row of the units remains.
 */
import { StorageError } from "@pilotproof/domain"
import { Duration, Effect, Schedule } from "effect"
import { ClickHouse } from "./ClickHouse.js"
import { ch, ident } from "./ClickHouseSql.js"
import type { EventRow } from "./EventRepo.js"

/** Ids per existence query: the IN list stays a few hundred kilobytes. */
const IDS_PER_QUERY = 5_000

/** An event row as ClickHouse stores it: the registry's columns and the version FINAL keeps the smallest insert time by. */
export const clickHouseRow = (row: EventRow, insertedMs: number): Record<string, unknown> => ({
  pilot_id: row.pilot_id,
  event_id: row.event_id,
  unit_id: row.unit_id,
  type: row.type,
  variant: row.variant ?? null,
  value: row.value ?? null,
  ts_ms: row.ts_ms,
  attributes: row.attributes,
  phone_key: row.phone_key ?? null,
  email_key: row.email_key ?? null,
  format_flags: row.format_flags ?? null,
  expected_variant: row.expected_variant ?? null,
  cluster_id: row.cluster_id ?? null,
  source: row.source,
  line: row.line ?? null,
  batch_id: row.batch_id,
  version: -insertedMs
})

export const makeClickHouseEvents = Effect.gen(function*() {
  const store = yield* ClickHouse
  const local = ident(store.localTable)

  /** Which of `eventIds` the pilot already has, on any shard. */
  const existingIds = Effect.fn("ClickHouseEvents.existingIds")(function*(pilotId: string, eventIds: ReadonlyArray<string>) {
    const found = new Set<string>()
    for (let i = 0; i < eventIds.length; i += IDS_PER_QUERY) {
      const ids = eventIds.slice(i, i + IDS_PER_QUERY)
      const shards = yield* store.onEveryShard<{ readonly event_id: string }>(
        `looking up event ids of "${pilotId}"`,
        ch`SELECT DISTINCT event_id FROM ${local} WHERE pilot_id = ${pilotId} AND event_id IN ${ids}`
      )
      for (const rows of shards) for (const r of rows) found.add(r.event_id)
    }
    return found
  })

  /** Inserts rows (new event ids: see `existingIds`), each on its unit's shard. */
  const insert = Effect.fn("ClickHouseEvents.insert")(function*(rows: ReadonlyArray<EventRow>, insertedMs: number) {
    yield* store.insert(`writing ${rows.length} events to ClickHouse ${store.location}`, rows.map((r) => clickHouseRow(r, insertedMs)))
  })

  /** Rows of the units (stored ids) on every shard: how many, for an erasure's record and its check. */
  const countOf = (unitIds: ReadonlyArray<string>) =>
    Effect.map(
      store.onEveryShard<{ readonly n: number }>(`counting events of ${unitIds.length} units`, ch`SELECT count() AS n FROM ${local} WHERE unit_id IN ${unitIds}`),
      (shards) => shards.flat().reduce((s, r) => s + Number(r.n), 0)
    )

  /**
   * Deletes every event of the units (their stored ids: the keyed HMACs under pseudonymization)
   * in every pilot, and returns once no shard holds one; how many were deleted.
   */
  const erase = Effect.fn("ClickHouseEvents.erase")(function*(unitIds: ReadonlyArray<string>) {
    if (unitIds.length === 0) return 0
    const operation = `erasing ${unitIds.length} unit id(s) from ClickHouse ${store.location}`
    const before = yield* countOf(unitIds)
    if (before === 0) return 0
    yield* store.commandOnEveryShard(operation, ch`ALTER TABLE ${local} DELETE WHERE unit_id IN ${unitIds}`)
    const [database, table] = store.localTable.split(".") as [string, string]
    const pending = Effect.map(
      store.onEveryShard<{ readonly n: number }>(operation, ch`SELECT count() AS n FROM system.mutations WHERE database = ${database} AND table = ${table} AND is_done = 0`),
      (shards) => shards.flat().reduce((s, r) => s + Number(r.n), 0)
    )
    yield* pending.pipe(
      Effect.filterOrFail((n) => n === 0, () => new StorageError({ operation, detail: "a shard has not finished deleting the rows yet" })),
      Effect.retry(Schedule.spaced(Duration.millis(50)).pipe(Schedule.upTo(Duration.minutes(10))))
    )
    const left = yield* countOf(unitIds)
    if (left > 0) return yield* new StorageError({ operation, detail: `${left} event(s) of the erased units are still stored after the deletion finished` })
    return before
  })

  return { existingIds, insert, erase } as const
})
