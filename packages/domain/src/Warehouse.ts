/**
 * A warehouse-native pilot: its events are the rows of a company's own ClickHouse table or view,
 * read in place (never copied, never written), through the `warehouse:` section of the pilot
 * file. The section maps the table's columns onto an event's fields; the pilot's metrics then
 * name the values of the type column, exactly as they name imported event types. It needs the
 * ClickHouse event store (`PILOTPROOF_EVENTS`) the table lives in.
 *
 * ```yaml
 * warehouse:
 *   table: analytics.crm_events          # database.table (a table or a view)
 *   columns: { unit: customer_id, type: event_name, ts: event_time, value: amount, variant: arm }
 *   time: datetime                       # the ts column: DateTime (default), epoch seconds or milliseconds
 *   exposure: offer_shown                # the type value that is an exposure (default: exposure)
 *   shardedByUnit: true                  # the table is on every shard, each unit's rows on one shard
 * ```
 *
 * With `shardedByUnit` (the table's own shards, each queried on its own), only per-variant sums
 * leave a shard; without it the table (say a Distributed one with another sharding key) is read
 * through the first server, which merges the units' partial groups itself.
 */
import { Schema } from "effect"
import { EventName } from "./Ids.js"

const Column = Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, {
  message: () => "a column name: letters, digits and _, starting with a letter or _"
}))

export const WarehouseTime = Schema.Literal("datetime", "seconds", "milliseconds")
export type WarehouseTime = typeof WarehouseTime.Type

export const WarehouseSource = Schema.Struct({
  table: Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]{0,63}\.[A-Za-z_][A-Za-z0-9_]{0,63}$/, {
    message: () => "warehouse.table names a ClickHouse table or view as database.table"
  })),
  columns: Schema.Struct({
    unit: Column,
    type: Column,
    ts: Column,
    value: Schema.optional(Column),
    variant: Schema.optional(Column)
  }),
  time: Schema.optionalWith(WarehouseTime, { default: () => "datetime" as const }),
  exposure: Schema.optionalWith(EventName, { default: () => "exposure" }),
  shardedByUnit: Schema.optionalWith(Schema.Boolean, { default: () => false })
}).annotations({ identifier: "WarehouseSource" })
export type WarehouseSource = typeof WarehouseSource.Type
