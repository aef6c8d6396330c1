/**
 * The queries behind the readiness report: counts and a few examples for each data problem,
 * computed in the database.
 */
import { EXPOSURE } from "@pilotproof/domain"
import { Effect } from "effect"
import { sql } from "kysely"
import { Database } from "./Database.js"

export interface CountWithExamples {
  readonly count: number
  readonly examples: ReadonlyArray<string>
}

const EXAMPLES = 3
const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value))

export class DataQuality extends Effect.Service<DataQuality>()("@pilotproof/store/DataQuality", {
  effect: Effect.gen(function*() {
    const database = yield* Database

    /** Events and rows seen so far: stored events, duplicates inside first deliveries, rejected rows. */
    const volumes = Effect.fn("DataQuality.volumes")(function*(pilotId: string) {
      return yield* database.use(`counting data of "${pilotId}"`, async (db) => {
        const events = await db.selectFrom("events").select(sql<number>`count(*)`.as("n")).where("pilot_id", "=", pilotId).executeTakeFirstOrThrow()
        // Duplicates inside a delivery are an export problem; re-importing a source is not. A
        // re-run of an interrupted first import meets the rows the killed attempt committed as
        // duplicates, so those are taken off: the count equals an uninterrupted import's.
        const deliveries = await db.selectFrom("imports")
          .select(["source", "finished_at", "accepted", "duplicates"])
          .where("pilot_id", "=", pilotId)
          .where("first_delivery", "=", 1)
          .execute()
        const bySource = new Map<string, { finishedDuplicates: number; finished: boolean; unfinishedAccepted: number; unfinishedDuplicates: number }>()
        for (const d of deliveries) {
          const entry = bySource.get(d.source) ?? { finishedDuplicates: 0, finished: false, unfinishedAccepted: 0, unfinishedDuplicates: 0 }
          if (d.finished_at !== null) {
            entry.finished = true
            entry.finishedDuplicates += num(d.duplicates)
          } else {
            entry.unfinishedAccepted += num(d.accepted)
            entry.unfinishedDuplicates += num(d.duplicates)
          }
          bySource.set(d.source, entry)
        }
        let duplicates = 0
        for (const e of bySource.values()) {
          duplicates += e.finished ? Math.max(0, e.finishedDuplicates - e.unfinishedAccepted) : e.unfinishedDuplicates
        }
        const rejects = await db.selectFrom("event_rejects").select(sql<number>`count(*)`.as("n")).where("pilot_id", "=", pilotId).executeTakeFirstOrThrow()
        const tsRejects = await db.selectFrom("event_rejects").select(sql<number>`count(*)`.as("n"))
          .where("pilot_id", "=", pilotId).where("reason", "like", "ts: %").executeTakeFirstOrThrow()
        return {
          events: num(events.n),
          duplicatesSkipped: duplicates,
          rejected: num(rejects.n),
          rejectedForTimestamps: num(tsRejects.n)
        }
      })
    })

    /** Identity keys (phone or e-mail) that appear under more than one unit id. */
    const sharedIdentities = Effect.fn("DataQuality.sharedIdentities")(function*(pilotId: string) {
      return yield* database.use(`finding people under two unit ids in "${pilotId}"`, async (db) => {
        const out: Record<"phone" | "email", CountWithExamples & { units: number }> = {
          phone: { count: 0, units: 0, examples: [] },
          email: { count: 0, units: 0, examples: [] }
        }
        for (const column of ["phone_key", "email_key"] as const) {
          const groups = db.selectFrom("events")
            .select([column, sql<number>`count(distinct unit_id)`.as("units")])
            .where("pilot_id", "=", pilotId)
            .where(column, "is not", null)
            .groupBy(column)
            .having(sql<number>`count(distinct unit_id)`, ">", 1)
          const totals = await db.selectFrom(groups.as("g"))
            .select([sql<number>`count(*)`.as("n"), sql<number>`coalesce(sum(g.units), 0)`.as("units")])
            .executeTakeFirstOrThrow()
          const examples = await groups.orderBy(column).limit(EXAMPLES).execute()
          out[column === "phone_key" ? "phone" : "email"] = {
            count: num(totals.n),
            units: num(totals.units),
            examples: examples.map((e) => `${column === "phone_key" ? e.phone_key : e.email_key} (${num(e.units)} unit ids)`)
          }
        }
        return out
      })
    })

    /** Rows whose phone or e-mail attribute could not be normalized. */
    const formatProblems = Effect.fn("DataQuality.formatProblems")(function*(pilotId: string, flag: "phone" | "email") {
      return yield* database.use(`counting ${flag} format problems in "${pilotId}"`, async (db) => {
        const q = db.selectFrom("events").where("pilot_id", "=", pilotId).where("format_flags", "like", `%${flag}%`)
        const total = await q.select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow()
        const examples = await q.select(["source", "line"]).orderBy("source").orderBy("line").limit(EXAMPLES).execute()
        return { count: num(total.n), examples: examples.map((e) => `${e.source}:${e.line ?? "?"}`) } satisfies CountWithExamples
      })
    })

    /** Outcome events stamped before their unit's first exposure (types that should follow it). */
    const outcomesBeforeExposure = Effect.fn("DataQuality.outcomesBeforeExposure")(function*(pilotId: string, types: ReadonlyArray<string>) {
      if (types.length === 0) return { count: 0, examples: [] } satisfies CountWithExamples
      return yield* database.use(`finding outcomes before exposure in "${pilotId}"`, async (db) => {
        const first = db.selectFrom("events")
          .select((eb) => ["unit_id", eb.fn.min("ts_ms").as("first_ts")])
          .where("pilot_id", "=", pilotId)
          .where("type", "=", EXPOSURE)
          .groupBy("unit_id")
        const q = db.selectFrom("events as e")
          .innerJoin(first.as("f"), "f.unit_id", "e.unit_id")
          .where("e.pilot_id", "=", pilotId)
          .where("e.type", "in", types)
          .whereRef("e.ts_ms", "<", "f.first_ts")
        const total = await q.select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow()
        const examples = await q.select(["e.source", "e.line", "e.type"]).orderBy("e.source").orderBy("e.line").limit(EXAMPLES).execute()
        return { count: num(total.n), examples: examples.map((e) => `${e.source}:${e.line ?? "?"} ${e.type}`) } satisfies CountWithExamples
      })
    })

    /** Events stamped after `nowMs`. */
    const futureEvents = Effect.fn("DataQuality.futureEvents")(function*(pilotId: string, nowMs: number) {
      return yield* database.use(`finding future timestamps in "${pilotId}"`, async (db) => {
        const q = db.selectFrom("events").where("pilot_id", "=", pilotId).where("ts_ms", ">", nowMs)
        const total = await q.select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow()
        const examples = await q.select(["source", "line"]).orderBy("ts_ms", "desc").limit(EXAMPLES).execute()
        return { count: num(total.n), examples: examples.map((e) => `${e.source}:${e.line ?? "?"}`) } satisfies CountWithExamples
      })
    })

    /** Exposed units (any consent state, any number of variants). */
    const exposedUnits = Effect.fn("DataQuality.exposedUnits")(function*(pilotId: string) {
      const row = yield* database.use(`counting exposed units of "${pilotId}"`, (db) =>
        db.selectFrom("events").select(sql<number>`count(distinct unit_id)`.as("n"))
          .where("pilot_id", "=", pilotId).where("type", "=", EXPOSURE).executeTakeFirstOrThrow())
      return num(row.n)
    })

    return { volumes, sharedIdentities, formatProblems, outcomesBeforeExposure, futureEvents, exposedUnits } as const
  })
}) {}
