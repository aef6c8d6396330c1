/**
 * API tokens: who may call the HTTP API and see the pages, with which role. Only a token's
 * SHA-256 is stored; revoking keeps the row (with `revoked_at`) so the record stays complete.
 */
import { Effect } from "effect"
import type { Selectable } from "kysely"
import { Database } from "./Database.js"
import type { TokensTable } from "./DatabaseSchema.js"

export type TokenRow = Selectable<TokensTable>

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

    return { insert, findActive, list, countActive, revoke } as const
  })
}) {}
