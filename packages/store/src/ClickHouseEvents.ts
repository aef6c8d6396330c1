/**
 * Writing and erasing events in the ClickHouse event store.
 *
 * Idempotency without unique constraints, in two layers: a writer first asks which of a batch's
 * event ids the pilot has (`existingIds`, over every shard) and inserts only the new ones, so an
 * import's summary counts duplicates as the registry's ON CONFLICT does; and should two writers
 * race (or a retried insert land twice), `events_local` is a ReplacingMergeTree on (pilot, type,
 * unit, event id) whose version is minus the event's time, and every aggregation reads it FINAL:
 * a unit's re-delivered event counts once, at its earliest time — which is also how a webhook's
 * out-of-order re-delivery with an earlier time moves the event (the registry's UPDATE). A
 * re-delivery that moves an event to another unit id is refused by the first layer alone.
 *
 * Erasure is a mutation (`ALTER TABLE … DELETE`) on every shard, awaited: 18.16 has no
 * `mutations_sync`, so each shard's `system.mutations` is polled until none of the table's is
 * left undone, and then the shards are asked again that no row of the units remains.
 */
import { StorageError } from "@pilotproof/domain"
import { Data, Duration, Effect, Schedule, Schema } from "effect"
import { ClickHouse } from "./ClickHouse.js"
import { ch, ident } from "./ClickHouseSql.js"
import type { EventRow } from "./EventRepo.js"

/** A shard still running a mutation (local to `mutationsDone`'s polling). */
class MutationPending extends Data.TaggedError("MutationPending") {}

const Count = Schema.Struct({ n: Schema.Number })

/** Ids per existence query: the IN list stays a few hundred kilobytes. */
const IDS_PER_QUERY = 5_000

/** An event row as ClickHouse stores it: the registry's columns, and the version by which FINAL keeps the earliest. */
export const clickHouseRow = (row: EventRow): Record<string, unknown> => ({
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
  version: -row.ts_ms
})

export const makeClickHouseEvents = Effect.gen(function*() {
  const store = yield* ClickHouse
  const local = ident(store.localTable)
  const [database, table] = store.localTable.split(".") as [string, string]
  const total = (shards: ReadonlyArray<ReadonlyArray<{ readonly n: number }>>) => shards.flat().reduce((s, r) => s + Number(r.n), 0)

  /** Of `eventIds`, those the pilot has on any shard, with the earliest time each is stored at. */
  const storedTimes = Effect.fn("ClickHouseEvents.storedTimes")(function*(pilotId: string, eventIds: ReadonlyArray<string>) {
    const found = new Map<string, number>()
    for (let i = 0; i < eventIds.length; i += IDS_PER_QUERY) {
      const ids = eventIds.slice(i, i + IDS_PER_QUERY)
      const shards = yield* store.onEveryShard(
        `looking up event ids of "${pilotId}"`,
        ch`SELECT event_id, min(ts_ms) AS ts FROM ${local} WHERE pilot_id = ${pilotId} AND event_id IN ${ids} GROUP BY event_id`,
        Schema.Struct({ event_id: Schema.String, ts: Schema.Number })
      )
      for (const rows of shards) for (const r of rows) found.set(r.event_id, Math.min(Number(r.ts), found.get(r.event_id) ?? Infinity))
    }
    return found
  })

  /** Inserts rows, each on its unit's shard; the insert returns once every shard has its rows. */
  const insert = Effect.fn("ClickHouseEvents.insert")(function*(rows: ReadonlyArray<EventRow>) {
    yield* store.insert(`writing ${rows.length} events to ClickHouse ${store.location}`, rows.map(clickHouseRow))
  })

  /** Waits until no shard has a mutation of the events table left to do. */
  const mutationsDone = (operation: string) =>
    store.onEveryShard(operation, ch`SELECT count() AS n FROM system.mutations WHERE database = ${database} AND table = ${table} AND is_done = 0`, Count).pipe(
      Effect.map(total),
      // asked again while a shard is still at it (not when the question itself fails), for up to 10 minutes
      Effect.filterOrFail((n) => n === 0, () => new MutationPending()),
      Effect.retry({ while: (e) => e instanceof MutationPending, schedule: Schedule.spaced(Duration.millis(50)).pipe(Schedule.upTo(Duration.minutes(10))) }),
      Effect.catchTag("MutationPending", () =>
        Effect.fail(new StorageError({ operation, detail: "a shard has not finished changing the rows after 10 minutes" }))),
      Effect.asVoid
    )

  const pilotsWhere = (operation: string, where: ReturnType<typeof ch>) =>
    Effect.map(
      store.onEveryShard(operation, ch`SELECT DISTINCT pilot_id FROM ${local} WHERE ${where}`, Schema.Struct({ pilot_id: Schema.String })),
      (shards) => [...new Set(shards.flat().map((r) => r.pilot_id))].sort()
    )

  /** The pilots holding events of a unit (its stored id). */
  const pilotsOf = (unitKey: string) => pilotsWhere(`finding the pilots of a unit`, ch`unit_id = ${unitKey}`)

  /** Unlinks a cluster (a manager) from every event naming it, awaited; the pilots it touched. */
  const unlinkCluster = Effect.fn("ClickHouseEvents.unlinkCluster")(function*(clusterKey: string) {
    const operation = `unlinking a cluster in ClickHouse ${store.location}`
    const pilots = yield* pilotsWhere(operation, ch`cluster_id = ${clusterKey}`)
    if (pilots.length === 0) return pilots
    yield* store.commandOnEveryShard(operation, ch`ALTER TABLE ${local} UPDATE cluster_id = NULL WHERE cluster_id = ${clusterKey}`)
    yield* mutationsDone(operation)
    return pilots
  })

  /** Rows of the units (stored ids) on every shard. */
  const countOf = (unitIds: ReadonlyArray<string>) =>
    Effect.map(store.onEveryShard(`counting events of ${unitIds.length} units`, ch`SELECT count() AS n FROM ${local} WHERE unit_id IN ${unitIds}`, Count), total)

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
    yield* mutationsDone(operation)
    const left = yield* countOf(unitIds)
    if (left > 0) return yield* new StorageError({ operation, detail: `${left} event(s) of the erased units are still stored after the deletion finished` })
    return before
  })

  return { storedTimes, insert, pilotsOf, unlinkCluster, erase } as const
})

export type ClickHouseEvents = Effect.Effect.Success<typeof makeClickHouseEvents>
