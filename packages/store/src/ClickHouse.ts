/**
 * The ClickHouse port of the event store: where a pilot's events live past one machine, chosen
 * by `PILOTPROOF_EVENTS` (unset: the events stay in the registry's database, as before).
 *
 *   clickhouse://[user[:password]@]host:port[,host:port…]/database[?cluster=name]
 *
 * names one HTTP endpoint per shard (one replica each) and, with more than one, the cluster of
 * the servers' `remote_servers` that the Distributed table spans. Writes go through the
 * Distributed table (`events`, sharded by `sipHash64(unit_id)`, so every event of a unit is on
 * one shard; inserted synchronously, so a write that returns is on its shard); reads go to each
 * shard's own table (`events_local`) and each shard answers for its units alone, which is what
 * lets the per-unit step run where the events are and only per-variant sums come back.
 *
 * Spoken to through the official `@clickhouse/client` over HTTP, within what Debian 12's
 * ClickHouse 18.16 understands: JSONEachRow both ways, no query parameters (values are escaped
 * by `ClickHouseSql`), no setting the server does not know, and 64-bit integers asked for as
 * JSON numbers. Its errors become `StorageError`s naming the operation and the server.
 */
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from "@clickhouse/client"
import { StorageError, type WarehouseSource } from "@pilotproof/domain"
import { Config, Context, Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import { ch, ChSql, ident } from "./ClickHouseSql.js"

/** Where the events live, read from `PILOTPROOF_EVENTS`. */
export interface ClickHouseAddress {
  /** One HTTP endpoint per shard, `http://host:port`. */
  readonly shards: ReadonlyArray<string>
  readonly database: string
  /** The cluster the Distributed table spans (required with more than one shard). */
  readonly cluster?: string
  readonly username?: string
  readonly password?: Redacted.Redacted<string>
}

const ADDRESS = /^clickhouse:\/\/(?:([^:@/]+)(?::([^@/]*))?@)?([^/?#]+)\/([A-Za-z_][A-Za-z0-9_]*)(?:\?(.*))?$/

/** `PILOTPROOF_EVENTS` → the address, or what is wrong with it. */
export const parseClickHouseUrl = (url: string): Either.Either<ClickHouseAddress, string> => {
  const m = ADDRESS.exec(url.trim())
  if (m === null) return Either.left(`"${redactEventsUrl(url)}" is not clickhouse://[user[:password]@]host:port[,host:port…]/database[?cluster=name]`)
  const [, user, password, hosts, database, query] = m
  const shards: Array<string> = []
  for (const host of hosts!.split(",")) {
    if (!/^[A-Za-z0-9.\-]+:\d{1,5}$/.test(host)) return Either.left(`"${host}" in PILOTPROOF_EVENTS is not host:port`)
    shards.push(`http://${host}`)
  }
  const params = new URLSearchParams(query ?? "")
  for (const key of params.keys()) if (key !== "cluster") return Either.left(`PILOTPROOF_EVENTS: unknown parameter "${key}" (only cluster=…)`)
  const cluster = params.get("cluster") ?? undefined
  if (cluster !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(cluster)) return Either.left(`PILOTPROOF_EVENTS: cluster "${cluster}" is not a cluster name`)
  if (shards.length > 1 && cluster === undefined) {
    return Either.left(`PILOTPROOF_EVENTS names ${shards.length} shards: add ?cluster=<name>, the cluster of their remote_servers`)
  }
  return Either.right({
    shards,
    database: database!,
    ...(cluster === undefined ? {} : { cluster }),
    ...(user === undefined ? {} : { username: decodeURIComponent(user) }),
    ...(password === undefined ? {} : { password: Redacted.make(decodeURIComponent(password)) })
  })
}

/** A warehouse pilot's table is in ClickHouse: without the event store there, nothing can read it. */
export const noWarehouseHere = (pilotId: string, source: WarehouseSource) =>
  new StorageError({
    operation: `reading the events of "${pilotId}"`,
    detail: `the pilot reads its events from the ClickHouse table ${source.table}: set PILOTPROOF_EVENTS to the ClickHouse that holds it (docs/scale.md)`
  })

/** The address without its password, for messages. */
const redactEventsUrl = (url: string): string => url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@")

const shards = (n: number) => `${n} shard${n === 1 ? "" : "s"}`

/** Settings sent with every query: JSON numbers for 64-bit integers (counts, times), nothing 18.16 lacks. */
const SETTINGS = { output_format_json_quote_64bit_integers: 0 } as const

export interface ClickHouseShape {
  readonly address: ClickHouseAddress
  /** Where the events are, safe to print. */
  readonly location: string
  /** The table writes go to (the Distributed one, or the only shard's own). */
  readonly writeTable: string
  /** Each shard's own table, which reads go to. */
  readonly localTable: string
  /** The table that spans every shard (the Distributed one, or the only shard's own), for reads ClickHouse merges itself. */
  readonly allTable: string
  /** Runs a SELECT on one shard and returns its rows, decoded by `row` (the columns the query selects). */
  readonly select: <A, I>(operation: string, query: ChSql, row: Schema.Schema<A, I>, shard?: number) => Effect.Effect<ReadonlyArray<A>, StorageError>
  /** Runs a SELECT on every shard at once and returns each shard's rows, decoded by `row`. */
  readonly onEveryShard: <A, I>(operation: string, query: ChSql, row: Schema.Schema<A, I>) => Effect.Effect<ReadonlyArray<ReadonlyArray<A>>, StorageError>
  /** Runs a statement (DDL, ALTER) on every shard. */
  readonly commandOnEveryShard: (operation: string, query: ChSql) => Effect.Effect<void, StorageError>
  /** Inserts rows (objects keyed by column) into the write table, synchronously to their shards. */
  readonly insert: (operation: string, rows: ReadonlyArray<Record<string, unknown>>) => Effect.Effect<void, StorageError>
  /** Bytes of query results received from the shards so far (what the tests and the benchmark read). */
  readonly bytesReceived: () => number
}

export class ClickHouse extends Context.Tag("@pilotproof/store/ClickHouse")<ClickHouse, ClickHouseShape>() {}

/** A ClickHouse error in words: the server's text (18.16 sends `Code: N, e.displayText() = …`) or the socket's. */
const describe = (cause: unknown, where: string): string => {
  const e = cause as { readonly code?: unknown; readonly message?: unknown }
  const message = typeof e?.message === "string" ? e.message : String(cause)
  if (e?.code === "ECONNREFUSED" || /ECONNREFUSED/.test(message)) return `ClickHouse at ${where} is not reachable (connection refused)`
  if (e?.code === "ECONNRESET" || /socket hang up|ECONNRESET/.test(message)) return `the connection to ClickHouse at ${where} was lost`
  const server = /Code: (\d+), e\.displayText\(\) = DB::Exception: ([\s\S]*?)(?:, e\.what\(\) = DB::Exception)?\s*$/.exec(message)
  return server === null ? `ClickHouse at ${where}: ${message.trim()}` : `ClickHouse at ${where} refused it (code ${server[1]}): ${server[2]!.trim()}`
}

/** The tables of the event store, on every shard (18.16 has no ON CLUSTER without ZooKeeper). */
const schema = (address: ClickHouseAddress): ReadonlyArray<ChSql> => {
  const db = address.database
  const local = ident(`${db}.events_local`)
  return [
    ch`CREATE DATABASE IF NOT EXISTS ${ident(db)}`,
    // The columns of the registry's `events`; `version` is minus the event's time, so that FINAL
    // keeps an event id's earliest delivery. The parts an erasure's mutation replaced (which still
    // hold the erased rows) are removed from disk after 10 s instead of the default 8 minutes.
    ch`CREATE TABLE IF NOT EXISTS ${local} (
      pilot_id String, event_id String, unit_id String, type String, variant Nullable(String), value Nullable(Float64),
      ts_ms Int64, attributes String, phone_key Nullable(String), email_key Nullable(String), format_flags Nullable(String),
      expected_variant Nullable(String), cluster_id Nullable(String), source String, line Nullable(Int64), batch_id String,
      version Int64
    ) ENGINE = ReplacingMergeTree(version) ORDER BY (pilot_id, type, unit_id, event_id)
      SETTINGS old_parts_lifetime = 10`,
    ...(address.cluster === undefined
      ? []
      : [ch`CREATE TABLE IF NOT EXISTS ${ident(`${db}.events`)} AS ${local}
          ENGINE = Distributed(${ident(address.cluster)}, ${ident(db)}, events_local, sipHash64(unit_id))`])
  ]
}

/** A ClickHouse event store at an address: clients per shard, its tables created when missing, the cluster checked. */
export const makeClickHouse = (address: ClickHouseAddress) =>
  Effect.gen(function*() {
    const location = `${address.shards.map((s) => s.replace(/^http:\/\//, "")).join(",")}/${address.database}`
    let received = 0
    const clients: ReadonlyArray<ClickHouseClient> = yield* Effect.acquireRelease(
      Effect.sync(() =>
        address.shards.map((url) =>
          createClient({
            url,
            ...(address.username === undefined ? {} : { username: address.username }),
            ...(address.password === undefined ? {} : { password: Redacted.value(address.password) }),
            request_timeout: 300_000,
            clickhouse_settings: SETTINGS,
            // every failure reaches the caller as a StorageError naming the operation; the client's
            // own log would print the same raw, before the message a user should read
            log: { level: ClickHouseLogLevel.OFF }
          })
        )
      ),
      (opened) => Effect.promise(() => Promise.all(opened.map((c) => c.close())))
    )
    const fail = (operation: string, shard: number) => (cause: unknown) =>
      new StorageError({ operation, detail: describe(cause, address.shards[shard]!.replace(/^http:\/\//, "")), cause })

    const select = <A, I>(operation: string, query: ChSql, row: Schema.Schema<A, I>, shard = 0) =>
      Effect.tryPromise({
        try: async () => {
          const result = await clients[shard]!.query({ query: query.text, format: "JSONEachRow" })
          const text = await result.text()
          received += Buffer.byteLength(text, "utf8")
          return text.split("\n").filter((line) => line !== "").map((line): unknown => JSON.parse(line))
        },
        catch: fail(operation, shard)
      }).pipe(
        Effect.flatMap((rows) => Schema.decodeUnknown(Schema.Array(row))(rows)),
        Effect.mapError((e) =>
          e._tag === "StorageError"
            ? e
            : new StorageError({ operation, detail: `ClickHouse at ${address.shards[shard]!.replace(/^http:\/\//, "")} answered rows of another shape: ${e.message}`, cause: e })
        )
      )

    const onEveryShard = <A, I>(operation: string, query: ChSql, row: Schema.Schema<A, I>) =>
      Effect.forEach(clients, (_, shard) => select(operation, query, row, shard), { concurrency: "unbounded" })

    const commandOnEveryShard = (operation: string, query: ChSql) =>
      Effect.forEach(clients, (client, shard) =>
        Effect.tryPromise({ try: () => client.command({ query: query.text }), catch: fail(operation, shard) }), { discard: true })

    const writeTable = `${address.database}.${address.cluster === undefined ? "events_local" : "events"}`
    const insert = (operation: string, rows: ReadonlyArray<Record<string, unknown>>) =>
      rows.length === 0
        ? Effect.void
        : Effect.tryPromise({
          try: () =>
            clients[0]!.insert({
              table: writeTable,
              values: rows as Array<Record<string, unknown>>,
              format: "JSONEachRow",
              ...(address.cluster === undefined ? {} : { clickhouse_settings: { ...SETTINGS, insert_distributed_sync: 1 } })
            }),
          catch: fail(operation, 0)
        }).pipe(Effect.asVoid)

    for (const statement of schema(address)) yield* commandOnEveryShard(`creating the event tables in ClickHouse ${location}`, statement)
    if (address.cluster !== undefined) {
      const [row] = yield* select(
        `checking the ClickHouse cluster "${address.cluster}"`,
        ch`SELECT uniqExact(shard_num) AS shards FROM system.clusters WHERE cluster = ${address.cluster}`,
        Schema.Struct({ shards: Schema.Number })
      )
      if ((row?.shards ?? 0) !== address.shards.length) {
        return yield* new StorageError({
          operation: `checking the ClickHouse cluster "${address.cluster}"`,
          detail: `PILOTPROOF_EVENTS names ${shards(address.shards.length)}, but the servers' remote_servers give the cluster ${shards(row?.shards ?? 0)}`
        })
      }
    }

    return {
      address,
      location,
      writeTable,
      localTable: `${address.database}.events_local`,
      allTable: writeTable,
      select,
      onEveryShard,
      commandOnEveryShard,
      insert,
      bytesReceived: () => received
    } satisfies ClickHouseShape
  })

/** The ClickHouse event store at `url` (a `clickhouse://` address). */
export const clickHouseLayer = (url: string) =>
  Layer.scoped(
    ClickHouse,
    Effect.flatMap(
      Either.match(parseClickHouseUrl(url), {
        onLeft: (detail) => Effect.fail(new StorageError({ operation: "reading PILOTPROOF_EVENTS", detail })),
        onRight: Effect.succeed
      }),
      makeClickHouse
    )
  )

/** `PILOTPROOF_EVENTS`, when set: the ClickHouse address of the event store (it may carry a password). */
export const eventsUrlConfig = Config.option(Config.redacted("PILOTPROOF_EVENTS")).pipe(
  Config.map(Option.filter((url) => Redacted.value(url).trim() !== ""))
)

/**
 * The event store `PILOTPROOF_EVENTS` names: with it set, its ClickHouse joins the context and
 * the event-reading and -writing services (`Aggregation`, `DataQuality`, `EventRepo`) use it;
 * unset, nothing is added and the events stay in the registry's database.
 */
export const eventStoreFromConfig: Layer.Layer<never, StorageError> = Layer.unwrapEffect(
  Effect.map(Effect.mapError(eventsUrlConfig, (e) => new StorageError({ operation: "reading PILOTPROOF_EVENTS", detail: String(e), cause: e })), (url): Layer.Layer<never, StorageError> =>
    Option.isNone(url) ? Layer.empty : (clickHouseLayer(Redacted.value(url.value)) as Layer.Layer<ClickHouse, StorageError> as unknown as Layer.Layer<never, StorageError>))
)

/**
 * Where `PILOTPROOF_EVENTS` keeps the events, for banners: `, events in ClickHouse host:port,…/database`
 * (and, without a pseudonym key, that ClickHouse's statement logs would keep erased ids), or nothing.
 */
export const eventsLocationNote = Effect.gen(function*() {
  const url = yield* Effect.orElseSucceed(eventsUrlConfig, () => Option.none<Redacted.Redacted<string>>())
  if (Option.isNone(url)) return ""
  const address = parseClickHouseUrl(Redacted.value(url.value))
  if (Either.isLeft(address)) return ""
  const key = yield* Effect.orElseSucceed(Config.option(Config.redacted("PILOTPROOF_PSEUDONYM_KEY")), () => Option.none())
  const where = `, events in ClickHouse ${address.right.shards.map((s) => s.replace(/^http:\/\//, "")).join(",")}/${address.right.database}`
  return Option.isSome(key) ? where : `${where} (PILOTPROOF_PSEUDONYM_KEY is not set: an erased unit id would stay in ClickHouse's statement logs; docs/scale.md)`
})
