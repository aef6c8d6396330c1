/**
 * CRM connectors and the Bitrix24 deals waiting to be fetched again. A connector's row is its
 * registration (source, name, the hash of its URL secret or application token, HubSpot's
 * client secret, Bitrix24's portal URL, the account it answers for); revoking keeps the row.
 */
import { Effect } from "effect"
import type { Selectable } from "kysely"
import { Database } from "./Database.js"
import type { ConnectorPendingTable, ConnectorsTable } from "./DatabaseSchema.js"

export type ConnectorRow = Selectable<ConnectorsTable>
export type PendingRow = Selectable<ConnectorPendingTable>

export class ConnectorRepo extends Effect.Service<ConnectorRepo>()("@pilotproof/store/ConnectorRepo", {
  effect: Effect.gen(function*() {
    const database = yield* Database

    /**
     * Inserts a connector, or registers a revoked one's id again (a new secret for the same
     * mapping: a pilot's frozen crm: section names the id); false when an active one has the id.
     */
    const insert = Effect.fn("ConnectorRepo.insert")(function*(row: ConnectorRow) {
      return yield* database.use(`registering connector "${row.id}"`, async (db) => {
        const { id: _id, ...rest } = row
        const result = await db.insertInto("connectors").values(row)
          .onConflict((oc) => oc.column("id").doUpdateSet(rest).where("connectors.revoked_at", "is not", null))
          .executeTakeFirst()
        return Number(result.numInsertedOrUpdatedRows ?? 0) === 1
      })
    })

    const get = Effect.fn("ConnectorRepo.get")(function*(id: string) {
      return yield* database.use(`reading connector "${id}"`, (db) => db.selectFrom("connectors").selectAll().where("id", "=", id).executeTakeFirst())
    })

    const list = Effect.fn("ConnectorRepo.list")(function*() {
      return yield* database.use("listing connectors", (db) => db.selectFrom("connectors").selectAll().orderBy("id").execute())
    })

    /** Marks a connector revoked; false when no active connector has this id. */
    const revoke = Effect.fn("ConnectorRepo.revoke")(function*(id: string, now: string) {
      return yield* database.use(`revoking connector "${id}"`, async (db) => {
        const result = await db.updateTable("connectors").set({ revoked_at: now }).where("id", "=", id).where("revoked_at", "is", null).executeTakeFirst()
        return Number(result.numUpdatedRows) === 1
      })
    })

    /** Records a failed fetch (or another failure of the same one). */
    const addPending = Effect.fn("ConnectorRepo.addPending")(function*(connectorId: string, entityId: string, now: string, error: string) {
      yield* database.use("keeping a deal to fetch again", (db) =>
        db.insertInto("connector_pending")
          .values({ connector_id: connectorId, entity_id: entityId, received_at: now, attempts: 1, last_error: error })
          .onConflict((oc) => oc.columns(["connector_id", "entity_id"]).doUpdateSet((eb) => ({ attempts: eb("connector_pending.attempts", "+", 1), last_error: error })))
          .execute())
    })

    /** A deal no longer pending; when it was fetched at last, its failed fetches' rejects (`resolvedRejects`) go too. */
    const removePending = Effect.fn("ConnectorRepo.removePending")(function*(connectorId: string, entityId: string, resolvedRejects?: string) {
      yield* database.use("removing a pending deal", async (db) => {
        await db.deleteFrom("connector_pending").where("connector_id", "=", connectorId).where("entity_id", "=", entityId).execute()
        if (resolvedRejects !== undefined) await db.deleteFrom("event_rejects").where("source", "=", resolvedRejects).execute()
      })
    })

    const pending = Effect.fn("ConnectorRepo.pending")(function*(connectorId: string) {
      return yield* database.use("listing deals to fetch again", (db) =>
        db.selectFrom("connector_pending").selectAll().where("connector_id", "=", connectorId).orderBy("received_at").orderBy("entity_id").execute())
    })

    /** Erasure: pending fetches of an entity whose id is the subject's (a deal id as a unit id). */
    const erasePending = Effect.fn("ConnectorRepo.erasePending")(function*(entityId: string) {
      return yield* database.use("erasing pending fetches", async (db) => {
        const result = await db.deleteFrom("connector_pending").where("entity_id", "=", entityId).executeTakeFirst()
        return Number(result.numDeletedRows)
      })
    })

    return { insert, get, list, revoke, addPending, removePending, pending, erasePending } as const
  })
}) {}
