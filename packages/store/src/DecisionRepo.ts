/**
 * Decision records (append-only) and the actuals finance records after scale-up.
 */
import { Effect } from "effect"
import type { Insertable, Selectable } from "kysely"
import { Database } from "./Database.js"
import type { ActualsTable, DecisionsTable } from "./DatabaseSchema.js"

export type DecisionRow = Selectable<DecisionsTable>
export type NewDecision = Omit<Insertable<DecisionsTable>, "seq">
export type ActualRow = Selectable<ActualsTable>

export class DecisionRepo extends Effect.Service<DecisionRepo>()("@pilotproof/store/DecisionRepo", {
  effect: Effect.gen(function*() {
    const database = yield* Database

    /** Appends a record with the next sequence number for its pilot. */
    const append = Effect.fn("DecisionRepo.append")(function*(decision: NewDecision) {
      return yield* database.transaction(`recording a decision for "${decision.pilot_id}"`, async (trx) => {
        const last = await trx
          .selectFrom("decisions")
          .select((eb) => eb.fn.max<number | null>("seq").as("seq"))
          .where("pilot_id", "=", decision.pilot_id)
          .executeTakeFirst()
        const row = { ...decision, seq: Number(last?.seq ?? 0) + 1 }
        await trx.insertInto("decisions").values(row).execute()
        return row as DecisionRow
      })
    })

    const history = Effect.fn("DecisionRepo.history")(function*(pilotId: string) {
      return yield* database.use(`reading decisions of "${pilotId}"`, (db) =>
        db.selectFrom("decisions").selectAll().where("pilot_id", "=", pilotId).orderBy("seq").execute())
    })

    /** Records months of actuals in one transaction; a month recorded again is replaced. */
    const recordActuals = Effect.fn("DecisionRepo.recordActuals")(function*(rows: ReadonlyArray<Insertable<ActualsTable>>) {
      if (rows.length === 0) return 0
      return yield* database.transaction("recording actuals", async (trx) => {
        for (const row of rows) {
          await trx.insertInto("actuals").values(row)
            .onConflict((oc) => oc.columns(["pilot_id", "month"]).doUpdateSet({ cost: row.cost, benefit: row.benefit, recorded_at: row.recorded_at, source: row.source }))
            .execute()
        }
        return rows.length
      })
    })

    const actuals = Effect.fn("DecisionRepo.actuals")(function*(pilotId: string) {
      return yield* database.use(`reading actuals of "${pilotId}"`, (db) =>
        db.selectFrom("actuals").selectAll().where("pilot_id", "=", pilotId).orderBy("month").execute())
    })

    return { append, history, recordActuals, actuals } as const
  })
}) {}
