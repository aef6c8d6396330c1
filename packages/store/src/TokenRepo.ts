/**
 * API tokens: who may call the HTTP API and see the pages, with which role, and the web sessions
 * opened with them. Only SHA-256 hashes are stored; revoking keeps the row (with `revoked_at`)
 * so the record stays complete, and ends the token's sessions with it.
 */
import { Effect } from "effect"
import type { Selectable } from "kysely"
import { Database } from "./Database.js"
import type { SessionsTable, TokensTable } from "./DatabaseSchema.js"

export type TokenRow = Selectable<TokensTable>
export type SessionRow = Selectable<SessionsTable>

export class TokenRepo extends Effect.Service<TokenRepo>()("@pilotproof/store/TokenRepo", {
  effect: Effect.gen(function*() {
    const database = yield* Database

    const insert = Effect.fn("TokenRepo.insert")(function*(row: TokenRow) {
      yield* database.use(`creating token "${row.name}"`, (db) => db.insertInto("tokens").values(row).execute())
      return row
    })

    /** The active (not revoked) token with this hash, if any. */
    const findActive = Effect.fn("TokenRepo.findActive")(function*(hash: string) {
      return yield* database.use("checking a token", (db) =>
        db.selectFrom("tokens").selectAll().where("hash", "=", hash).where("revoked_at", "is", null).executeTakeFirst())
    })

    const list = Effect.fn("TokenRepo.list")(function*() {
      return yield* database.use("listing tokens", (db) => db.selectFrom("tokens").selectAll().orderBy("created_at").orderBy("id").execute())
    })

    /** Active tokens, counted (a fresh database has none). */
    const countActive = Effect.fn("TokenRepo.countActive")(function*() {
      const row = yield* database.use("counting tokens", (db) =>
        db.selectFrom("tokens").select((eb) => eb.fn.countAll<number>().as("n")).where("revoked_at", "is", null).executeTakeFirst())
      return Number(row?.n ?? 0)
    })

    /** Marks a token revoked; returns false when no active token has this id. */
    const revoke = Effect.fn("TokenRepo.revoke")(function*(id: string, at: string) {
      const result = yield* database.use(`revoking token "${id}"`, (db) =>
        db.updateTable("tokens").set({ revoked_at: at }).where("id", "=", id).where("revoked_at", "is", null).executeTakeFirst())
      return Number(result.numUpdatedRows) > 0
    })

    /** Opens a session, and forgets sessions that have ended or expired (nothing refers to them). */
    const insertSession = Effect.fn("TokenRepo.insertSession")(function*(row: SessionRow) {
      const operation = "opening a session"
      yield* database.withTransaction(operation, Effect.zipRight(
        database.use(operation, (db) =>
          db.deleteFrom("sessions").where((eb) => eb.or([eb("ended_at", "is not", null), eb("expires_at", "<=", row.created_at)])).execute()),
        database.use(operation, (db) => db.insertInto("sessions").values(row).execute())
      ))
    })

    /** The token of a session that has not ended or expired at `now`, if the token is active. */
    const findSession = Effect.fn("TokenRepo.findSession")(function*(hash: string, now: string) {
      return yield* database.use("checking a session", (db) =>
        db.selectFrom("sessions")
          .innerJoin("tokens", "tokens.id", "sessions.token_id")
          .selectAll("tokens")
          .where("sessions.hash", "=", hash)
          .where("sessions.ended_at", "is", null)
          .where("sessions.expires_at", ">", now)
          .where("tokens.revoked_at", "is", null)
          .executeTakeFirst())
    })

    const endSession = Effect.fn("TokenRepo.endSession")(function*(hash: string, at: string) {
      yield* database.use("ending a session", (db) =>
        db.updateTable("sessions").set({ ended_at: at }).where("hash", "=", hash).where("ended_at", "is", null).execute())
    })

    return { insert, findActive, list, countActive, revoke, insertSession, findSession, endSession } as const
  })
}) {}
