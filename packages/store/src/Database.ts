/**
 * The database port: one Kysely instance over SQLite (a file, zero setup) or PostgreSQL (for
 * teams), chosen by `PILOTPROOF_DB`. Every repository runs the same Kysely code on both.
 *
 * Repository code is Effect code: `use` runs one Kysely call, and `withTransaction` runs an
 * effect in one transaction — every `use` inside it (in the same fiber) goes to the
 * transaction's connection; it commits when the effect succeeds and rolls back when it fails,
 * dies or is interrupted, so a domain error raised inside is the transaction's typed error.
 * Driver errors never reach a user raw: they become `StorageError`s naming the operation and the
 * database, with the driver's error kept as the cause.
 *
 * SQLite transactions begin IMMEDIATE (they take the write lock at once): a deferred one that
 * reads and then writes fails with SQLITE_BUSY_SNAPSHOT when another process wrote meanwhile,
 * instead of waiting for the lock as the busy timeout lets every other statement do.
 */
import { StorageError } from "@pilotproof/domain"
import SqliteDatabase from "better-sqlite3"
import { Config, Context, Effect, Exit, FiberRef, Layer, Option, Redacted } from "effect"
import {
  CompiledQuery,
  type DatabaseConnection,
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type Transaction
} from "kysely"
import pg from "pg"
import type { DatabaseSchema } from "./DatabaseSchema.js"
import { migrationProvider } from "./Migrations.js"

export type Dialect = "sqlite" | "postgres"

export interface DatabaseShape {
  readonly dialect: Dialect
  /** Where the data lives, safe to print (no password). */
  readonly location: string
  /** Runs one Kysely call: on the current transaction's connection inside `withTransaction`. */
  readonly use: <A>(operation: string, f: (db: Kysely<DatabaseSchema>) => Promise<A>) => Effect.Effect<A, StorageError>
  /**
   * Runs `effect` in one transaction named by `operation`: committed when it succeeds, rolled
   * back when it fails (its error unchanged), dies or is interrupted. Inside a transaction
   * already, `effect` joins it.
   */
  readonly withTransaction: <A, E, R>(operation: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StorageError, R>
  /**
   * Runs `effect`'s queries on one connection, which its temporary tables need: on PostgreSQL a
   * repeatable-read transaction (so every query also sees one state of the data; committed when
   * `effect` succeeds, like `withTransaction`); SQLite has one connection, so `effect` runs as
   * it is, taking no lock. Inside a transaction already, `effect` joins it.
   */
  readonly withSession: <A, E, R>(operation: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StorageError, R>
}

/**
 * Codes meaning an open connection went away mid-operation, in words: the socket's (Node) and
 * PostgreSQL's own (class 08, and 57P01/57P02 when the server ends the backend).
 */
const CONNECTION_LOST: Readonly<Record<string, string>> = {
  ECONNRESET: "the connection was reset",
  EPIPE: "the connection was closed while writing",
  "08000": "connection exception",
  "08003": "the connection does not exist",
  "08006": "the connection failed",
  "57P01": "the server ended the connection (administrator command)",
  "57P02": "the server ended the connection (crash shutdown)"
}

/** A readable detail from a driver error (SQLite, pg, network). Exported for its tests. */
export const describeDriverError = (cause: unknown, location: string): string => {
  const e = cause as { code?: unknown; message?: unknown; errors?: ReadonlyArray<unknown> }
  const code = typeof e?.code === "string" ? e.code : undefined
  const message = typeof e?.message === "string" && e.message !== "" ? e.message : String(cause)
  // refused, unknown, silent (pg-pool's connect timeout has no code) or starting up: never connected
  const unreachable = code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "ETIMEDOUT" || code === "EHOSTUNREACH"
    ? code
    : code === "57P03" ? "the server cannot accept connections now" : /due to connection timeout/.test(message) ? "connection timeout" : undefined
  if (unreachable !== undefined) {
    return `cannot reach the database at ${location} (${unreachable}); is the server running and PILOTPROOF_DB right?`
  }
  if (Array.isArray(e?.errors) && e.errors.length > 0) return describeDriverError(e.errors[0], location)
  const lost = code === undefined ? undefined : CONNECTION_LOST[code]
  if (lost !== undefined || /^Connection terminated/.test(message)) {
    return `lost the connection to the database at ${location} (${lost ?? "the connection was closed"}): what was not yet committed is not stored`
  }
  return `${code === undefined ? "" : `${code}: `}${message} (${location})`
}

const make = (dialect: Dialect, location: string, db: Kysely<DatabaseSchema>): DatabaseShape & { readonly db: Kysely<DatabaseSchema> } => {
  const fail = (operation: string) => (cause: unknown) => new StorageError({ operation, detail: describeDriverError(cause, location), cause })
  /** The transaction the current fiber runs in, if any. */
  const current = FiberRef.unsafeMake(Option.none<Transaction<DatabaseSchema>>())

  const use = <A>(operation: string, f: (db: Kysely<DatabaseSchema>) => Promise<A>) =>
    Effect.flatMap(FiberRef.get(current), (trx) =>
      Effect.tryPromise({ try: () => f(Option.getOrElse(trx, () => db)), catch: fail(operation) }))

  const begin = (operation: string, isolation?: "repeatable read") =>
    Effect.tryPromise({
      try: () => (isolation === undefined ? db.startTransaction() : db.startTransaction().setIsolationLevel(isolation)).execute(),
      catch: fail(operation)
    })
  // A failed rollback (a dead connection) cannot be retried; Kysely releases the connection.
  const rollback = (trx: { readonly rollback: () => { readonly execute: () => Promise<void> } }) =>
    Effect.promise(() => trx.rollback().execute().catch(() => undefined))

  const transaction = (isolation?: "repeatable read") => <A, E, R>(operation: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | StorageError, R> =>
    Effect.flatMap(FiberRef.get(current), (open): Effect.Effect<A, E | StorageError, R> =>
      Option.isSome(open)
        ? effect
        : Effect.uninterruptibleMask((restore) =>
          Effect.flatMap(begin(operation, isolation), (trx) =>
            Effect.flatMap(Effect.exit(restore(Effect.locally(effect, current, Option.some(trx)))), (exit): Effect.Effect<A, E | StorageError> =>
              Exit.isSuccess(exit)
                ? Effect.tryPromise({ try: () => trx.commit().execute(), catch: fail(operation) }).pipe(
                  Effect.tapError(() => rollback(trx)),
                  Effect.as(exit.value)
                )
                : Effect.zipRight(rollback(trx), exit)))
        ).pipe(Effect.withSpan("Database.withTransaction", { attributes: { operation, dialect } })))
  const withTransaction = transaction()
  const withSession = dialect === "postgres"
    ? transaction("repeatable read")
    : <A, E, R>(_operation: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | StorageError, R> => effect

  return { dialect, location, db, use, withTransaction, withSession }
}

/** better-sqlite3's driver, with transactions that take the write lock when they begin. */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"))
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig
  constructor(config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }
  override createDriver() {
    return new ImmediateSqliteDriver(this.#config)
  }
}

/**
 * Migrates to the latest version. On PostgreSQL the migration tables live in the connection's
 * current schema, named explicitly: Kysely's introspection otherwise finds another schema's
 * `kysely_migration_lock` (another team's, or a parallel test suite's) and skips creating its own.
 */
const migrate = (database: DatabaseShape) =>
  Effect.flatMap(
    database.use("migrating the database", async (db) => {
      const schema = database.dialect === "postgres"
        ? (await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)).rows[0]?.schema ?? undefined
        : undefined
      if (database.dialect === "postgres" && schema === undefined) {
        throw new Error("no current schema: the search_path names no existing schema")
      }
      return new Migrator({ db, provider: migrationProvider, ...(schema === undefined ? {} : { migrationTableSchema: schema }) })
        .migrateToLatest()
    }),
    ({ error }) =>
      error === undefined
        ? Effect.void
        : Effect.fail(new StorageError({ operation: "migrating the database", detail: describeDriverError(error, database.location) }))
  )

const acquire = (dialect: Dialect, location: string, open: () => Kysely<DatabaseSchema>) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => make(dialect, location, open()),
      catch: (cause) => new StorageError({ operation: "opening the database", detail: describeDriverError(cause, location) })
    }),
    (database) => Effect.promise(() => database.db.destroy())
  )

/**
 * Kysely's SQLite driver prepares every query anew; a batch import runs the same multi-row
 * INSERT text thousands of times. Prepared statements are kept by SQL text (a small LRU), which
 * better-sqlite3 allows: a statement can be re-run with new parameters.
 */
const withStatementCache = (database: SqliteDatabase.Database, size = 64) => {
  const cache = new Map<string, SqliteDatabase.Statement>()
  return {
    close: () => database.close(),
    prepare: (text: string) => {
      let statement = cache.get(text)
      if (statement === undefined) {
        statement = database.prepare(text)
        if (cache.size >= size) cache.delete(cache.keys().next().value!)
      } else {
        cache.delete(text)
      }
      cache.set(text, statement)
      return statement
    }
  }
}

/** SQLite's cache per connection and database (the file, the temporary tables), in KiB; a sort's memory follows the file's. */
const SQLITE_CACHE_KIB = 4000

/** An SQLite database in a file (created if missing), or `:memory:`. */
const sqlite = (file: string): Layer.Layer<Database, StorageError> =>
  Layer.scoped(
    Database,
    acquire("sqlite", file, () => {
      const sqlite = new SqliteDatabase(file)
      sqlite.pragma("journal_mode = WAL")
      // With WAL, NORMAL never corrupts the file; a power cut may lose the last commits only.
      sqlite.pragma("synchronous = NORMAL")
      sqlite.pragma("foreign_keys = ON")
      sqlite.pragma("busy_timeout = 5000")
      // Deleted content is overwritten, not left in free pages: an erased person's id must not
      // survive in the file (the right to erasure). Costs a little on deletes only.
      sqlite.pragma("secure_delete = ON")
      // The page cache of the file and of the temporary tables, and the memory each sort may use
      // before it spills, are 4 MB each (better-sqlite3 builds SQLite with 16 MB): the operating
      // system's file cache keeps the rest, and an analysis's memory stays flat in the data's size.
      sqlite.pragma(`cache_size = -${SQLITE_CACHE_KIB}`)
      sqlite.pragma(`temp.cache_size = -${SQLITE_CACHE_KIB}`)
      return new Kysely<DatabaseSchema>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) })
    }).pipe(Effect.tap(migrate))
  )

/** The URL without its password, for messages. */
export const redactUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    return parsed.toString()
  } catch {
    return "postgres://(unparseable URL)"
  }
}

// int8 (COUNT, SUM of integers) arrives as a string from pg; values here stay below 2^53.
const pgTypes = {
  getTypeParser: (oid: number, format?: "text" | "binary") =>
    oid === 20 || oid === 1700 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)
}

/**
 * A PostgreSQL database. With `schema`, every connection works inside that schema (created if
 * missing): tests use one schema per suite, so suites never see each other's rows.
 */
const postgres = (url: string, options: { readonly schema?: string } = {}): Layer.Layer<Database, StorageError> =>
  Layer.scoped(
    Database,
    Effect.gen(function*() {
      const location = redactUrl(url)
      const database = yield* acquire("postgres", location, () => {
        const pool = new pg.Pool({
          connectionString: url,
          max: 8,
          connectionTimeoutMillis: 5000,
          types: pgTypes,
          ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` })
        })
        // A connection's network error must not crash the process: an idle client's is reported
        // by the next query, a busy client's by the query in flight (as a StorageError). pg emits
        // it on the pool for idle clients and on the client itself while it is checked out.
        pool.on("error", () => {})
        pool.on("connect", (client) => client.on("error", () => {}))
        return new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) })
      }).pipe(
        Effect.tap((db) =>
          options.schema === undefined
            ? Effect.void
            : db.use("creating the schema", (k) => k.schema.createSchema(options.schema!).ifNotExists().execute())
        ),
        Effect.tap(migrate)
      )
      return database
    })
  )

/** True when `value` selects PostgreSQL rather than an SQLite file. */
export const isPostgresUrl = (value: string): boolean => /^postgres(ql)?:\/\//i.test(value)

/** `PILOTPROOF_DB`: an SQLite file path (default `./pilotproof.db`) or a `postgres://` URL. */
export const DatabaseConfig = Config.redacted("PILOTPROOF_DB").pipe(Config.option)

/**
 * A `postgres://` URL selects PostgreSQL; anything else is an SQLite file path. The location is
 * `Redacted`: a PostgreSQL URL can carry a password, and only `printableLocation` is shown.
 */
const fromUrl = (location: Redacted.Redacted<string> | string): Layer.Layer<Database, StorageError> => {
  const value = Redacted.isRedacted(location) ? Redacted.value(location) : location
  return isPostgresUrl(value) ? postgres(value) : sqlite(value)
}

/** A database location as it may be printed: a PostgreSQL URL without its password. */
export const printableLocation = (location: Redacted.Redacted<string>): string => {
  const value = Redacted.value(location)
  return isPostgresUrl(value) ? redactUrl(value) : value
}

/** The database `PILOTPROOF_DB` names (default `./pilotproof.db`). */
const fromConfig = (): Layer.Layer<Database, StorageError> =>
  Layer.unwrapEffect(
    Effect.map(
      DatabaseConfig.pipe(Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>())),
      (configured) => fromUrl(Option.getOrElse(configured, () => Redacted.make("./pilotproof.db")))
    )
  )

/**
 * The database service. Layers: `Database.sqlite(file)`, `Database.postgres(url)`, and
 * `Database.fromConfig()`, which reads `PILOTPROOF_DB`.
 */
export class Database extends Context.Tag("@pilotproof/store/Database")<Database, DatabaseShape>() {
  static readonly sqlite = sqlite
  static readonly postgres = postgres
  static readonly fromUrl = fromUrl
  static readonly fromConfig = fromConfig
}
