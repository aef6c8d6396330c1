import { describe, expect, it, layer } from "@effect/vitest"
import { InvalidTransition, StorageError } from "@pilotproof/domain"
import { Database } from "@pilotproof/store"
import { describeDriverError } from "../src/Database.js"
import { Cause, Deferred, Effect, Exit, Fiber, Layer } from "effect"
import { sql } from "kysely"
import { DIALECTS } from "../../../test/fixtures/Databases.js"

/** A scratch table per test, so tests share nothing but the database. */
const scratch = (name: string) =>
  Effect.gen(function*() {
    const database = yield* Database
    yield* database.use("creating a scratch table", (db) => sql`create table ${sql.table(name)} (k integer primary key)`.execute(db))
    const insert = (k: number) => database.use(`inserting ${k}`, (db) => sql`insert into ${sql.table(name)} (k) values (${k})`.execute(db))
    const keys = database.use("reading keys", (db) =>
      sql<{ k: number }>`select k from ${sql.table(name)} order by k`.execute(db)).pipe(Effect.map((r) => r.rows.map((row) => Number(row.k))))
    return { database, insert, keys }
  })

for (const dialect of DIALECTS) {
  describe(`Database.withTransaction on ${dialect.name}`, () => {
    layer(Layer.fresh(dialect.layer()))((it) => {
      it.effect("commits the effect's writes when it succeeds, and returns its value", () =>
        Effect.gen(function*() {
          const { database, insert, keys } = yield* scratch("tx_commit")
          const value = yield* database.withTransaction("two inserts", Effect.zipRight(insert(1), Effect.as(insert(2), "done")))
          expect(value).toBe("done")
          expect(yield* keys).toEqual([1, 2])
        }))

      it.effect("rolls back on a typed failure and fails with that error unchanged", () =>
        Effect.gen(function*() {
          const { database, insert, keys } = yield* scratch("tx_fail")
          const refused = new InvalidTransition({ pilotId: "p", from: "draft", action: "stop" })
          const exit = yield* Effect.exit(database.withTransaction("insert then refuse", Effect.zipRight(insert(1), Effect.fail(refused))))
          expect(exit).toEqual(Exit.fail(refused))
          expect(yield* keys).toEqual([])
        }))

      it.effect("rolls back on a defect and on interruption", () =>
        Effect.gen(function*() {
          const { database, insert, keys } = yield* scratch("tx_die")
          const died = yield* Effect.exit(database.withTransaction("insert then die", Effect.zipRight(insert(1), Effect.die("boom"))))
          expect(Exit.isFailure(died) && Cause.isDie(died.cause)).toBe(true)
          const inserted = yield* Deferred.make<void>()
          const fiber = yield* Effect.fork(database.withTransaction("insert then wait", Effect.zipRight(insert(2), Effect.zipRight(Deferred.succeed(inserted, undefined), Effect.never))))
          yield* Deferred.await(inserted)
          yield* Fiber.interrupt(fiber)
          expect(yield* keys).toEqual([])
          // the connection was given back: the database still answers
          yield* insert(3)
          expect(yield* keys).toEqual([3])
        }))

      it.effect("a nested transaction joins the outer one: its writes roll back with it", () =>
        Effect.gen(function*() {
          const { database, insert, keys } = yield* scratch("tx_nested")
          const exit = yield* Effect.exit(database.withTransaction("outer", Effect.gen(function*() {
            yield* insert(1)
            yield* database.withTransaction("inner", insert(2))
            return yield* Effect.fail("outer fails after the inner one succeeded")
          })))
          expect(Exit.isFailure(exit)).toBe(true)
          expect(yield* keys).toEqual([])
        }))

      it.effect("a driver error is a StorageError naming the operation, with the driver's error as its cause", () =>
        Effect.gen(function*() {
          const { database, insert, keys } = yield* scratch("tx_driver")
          const error = yield* Effect.flip(database.withTransaction("inserting a key twice", Effect.zipRight(insert(1), insert(1))))
          expect(error).toBeInstanceOf(StorageError)
          expect(error.message).toMatch(/^storage failed while inserting 1: /)
          expect((error as StorageError).cause).toBeInstanceOf(Error)
          // the cause stays out of the wire form
          expect(JSON.stringify(error)).not.toContain("cause")
          expect(yield* keys).toEqual([])
        }))
    })
  })
}

describe("Database on postgres: a connection lost mid-transaction", () => {
  const postgres = DIALECTS.find((d) => d.name === "postgres")!
  layer(Layer.fresh(postgres.layer()))((it) => {
    it.effect("is a StorageError that says so in words, rolls back, and the next call reconnects", () =>
      Effect.gen(function*() {
        const { database, insert, keys } = yield* scratch("tx_lost")
        // the backend ends itself: pg answers 57P01, and the socket closes under the client
        const kill = database.use("ending the connection", (db) => sql`select pg_terminate_backend(pg_backend_pid())`.execute(db))
        const error = yield* Effect.flip(database.withTransaction("insert then lose the connection", Effect.zipRight(insert(1), kill)))
        expect(error).toBeInstanceOf(StorageError)
        expect(error.message).toMatch(/^storage failed while ending the connection: lost the connection to the database at postgres:\/\/.+ \(the server ended the connection \(administrator command\)\): what was not yet committed is not stored$/)
        expect(yield* keys).toEqual([])
        yield* insert(2)
        expect(yield* keys).toEqual([2])
      }))
  })
})

describe("a driver error in words", () => {
  const at = "postgres://app@db.example:5432/pilotproof"
  it("a server never reached — refused, unknown, silent past pg-pool's timeout, starting up — is 'cannot reach'", () => {
    const error = (message: string, code?: string) => Object.assign(new Error(message), code === undefined ? {} : { code })
    expect(describeDriverError(error("connect ECONNREFUSED 10.0.0.1:5432", "ECONNREFUSED"), at))
      .toBe(`cannot reach the database at ${at} (ECONNREFUSED); is the server running and PILOTPROOF_DB right?`)
    expect(describeDriverError(error("Connection terminated due to connection timeout"), at))
      .toBe(`cannot reach the database at ${at} (connection timeout); is the server running and PILOTPROOF_DB right?`)
    expect(describeDriverError(error("the database system is starting up", "57P03"), at))
      .toBe(`cannot reach the database at ${at} (the server cannot accept connections now); is the server running and PILOTPROOF_DB right?`)
    // an AggregateError (pg tries every address of a name) speaks for its first
    expect(describeDriverError(Object.assign(new AggregateError([error("connect ETIMEDOUT", "ETIMEDOUT")]), {}), at)).toContain("(ETIMEDOUT)")
  })

  it("a connection lost mid-operation is 'lost the connection', and anything else keeps the driver's words", () => {
    const error = (message: string, code?: string) => Object.assign(new Error(message), code === undefined ? {} : { code })
    expect(describeDriverError(error("read ECONNRESET", "ECONNRESET"), at))
      .toBe(`lost the connection to the database at ${at} (the connection was reset): what was not yet committed is not stored`)
    expect(describeDriverError(error("Connection terminated unexpectedly"), at))
      .toBe(`lost the connection to the database at ${at} (the connection was closed): what was not yet committed is not stored`)
    expect(describeDriverError(error("duplicate key value violates unique constraint", "23505"), at))
      .toBe(`23505: duplicate key value violates unique constraint (${at})`)
  })
})
