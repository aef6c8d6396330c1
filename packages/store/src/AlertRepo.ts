/**
 * Alert targets and the outbox: an alert is written to the outbox (in the transaction of what
 * caused it, where there is one) and delivered by a background job, so a request never waits
 * for Slack. Each row is delivered, given up after its attempts, or due at `next_at`.
 */
import { Effect } from "effect"
import type { Insertable, Selectable } from "kysely"
import { Database } from "./Database.js"
import type { AlertOutboxTable, AlertTargetsTable } from "./DatabaseSchema.js"

export type AlertTargetRow = Selectable<AlertTargetsTable>
export type AlertOutboxRow = Selectable<AlertOutboxTable>

export class AlertRepo extends Effect.Service<AlertRepo>()("@pilotproof/store/AlertRepo", {
  effect: Effect.gen(function*() {
    const database = yield* Database

    const addTarget = Effect.fn("AlertRepo.addTarget")(function*(row: AlertTargetRow) {
      yield* database.use("adding an alert target", (db) => db.insertInto("alert_targets").values(row).execute())
    })

    /** Active targets; with `pilotId`, the ones that hear about it (global ones and its own). */
    const targets = Effect.fn("AlertRepo.targets")(function*(pilotId?: string) {
      return yield* database.use("reading alert targets", (db) =>
        db.selectFrom("alert_targets").selectAll().where("removed_at", "is", null)
          .$if(pilotId !== undefined, (q) => q.where((eb) => eb.or([eb("pilot_id", "is", null), eb("pilot_id", "=", pilotId!)])))
          .orderBy("created_at").orderBy("id").execute())
    })

    const removeTarget = Effect.fn("AlertRepo.removeTarget")(function*(id: string, now: string) {
      return yield* database.use("removing an alert target", async (db) => {
        const result = await db.updateTable("alert_targets").set({ removed_at: now }).where("id", "=", id).where("removed_at", "is", null).executeTakeFirst()
        return Number(result.numUpdatedRows) === 1
      })
    })

    const enqueue = Effect.fn("AlertRepo.enqueue")(function*(rows: ReadonlyArray<Insertable<AlertOutboxTable>>) {
      if (rows.length === 0) return
      yield* database.use("queueing alerts", (db) => db.insertInto("alert_outbox").values([...rows]).execute())
    })

    /** Alerts due at `now`, oldest first, with their target. */
    const due = Effect.fn("AlertRepo.due")(function*(now: string, limit: number) {
      return yield* database.use("reading due alerts", (db) =>
        db.selectFrom("alert_outbox")
          .innerJoin("alert_targets", "alert_targets.id", "alert_outbox.target_id")
          .selectAll("alert_outbox")
          .select(["alert_targets.url", "alert_targets.secret", "alert_targets.kind"])
          .where("alert_outbox.delivered_at", "is", null).where("alert_outbox.failed_at", "is", null)
          .where("alert_outbox.next_at", "<=", now)
          .orderBy("alert_outbox.created_at").orderBy("alert_outbox.id")
          .limit(limit).execute())
    })

    /**
     * Takes a due alert for one sender (the server's job or a CLI command): moves its `next_at`
     * from what was read to `until`; false when another sender took it first.
     */
    const claim = Effect.fn("AlertRepo.claim")(function*(id: string, dueAt: string, until: string) {
      return yield* database.use("claiming an alert", async (db) => {
        const result = await db.updateTable("alert_outbox").set({ next_at: until })
          .where("id", "=", id).where("next_at", "=", dueAt).where("delivered_at", "is", null).executeTakeFirst()
        return Number(result.numUpdatedRows) === 1
      })
    })

    const delivered = Effect.fn("AlertRepo.delivered")(function*(id: string, attempts: number, now: string) {
      yield* database.use("marking an alert delivered", (db) =>
        db.updateTable("alert_outbox").set({ delivered_at: now, attempts, last_error: null }).where("id", "=", id).execute())
    })

    /** A failed attempt: due again at `nextAt`, or given up (`nextAt` undefined). */
    const failed = Effect.fn("AlertRepo.failed")(function*(id: string, attempts: number, error: string, now: string, nextAt: string | undefined) {
      yield* database.use("recording a failed alert", (db) =>
        db.updateTable("alert_outbox")
          .set({ attempts, last_error: error, ...(nextAt === undefined ? { failed_at: now } : { next_at: nextAt }) })
          .where("id", "=", id).execute())
    })

    const outbox = Effect.fn("AlertRepo.outbox")(function*(limit: number) {
      return yield* database.use("reading the alert outbox", (db) =>
        db.selectFrom("alert_outbox").selectAll().orderBy("created_at", "desc").orderBy("id").limit(limit).execute())
    })

    return { addTarget, targets, removeTarget, enqueue, due, claim, delivered, failed, outbox } as const
  })
}) {}
