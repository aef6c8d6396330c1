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

    /** Rows seen so far besides the stored events: duplicates inside first deliveries, rejected rows. */
    const volumes = Effect.fn("DataQuality.volumes")(function*(pilotId: string) {
      return yield* database.use(`counting data of "${pilotId}"`, async (db) => {
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
        const rejects = await db.selectFrom("event_rejects")
          .select([sql<number>`count(*)`.as("n"), sql<number>`sum(case when reason like 'ts: %' then 1 else 0 end)`.as("ts")])
          .where("pilot_id", "=", pilotId)
          .executeTakeFirstOrThrow()
        return {
          duplicatesSkipped: duplicates,
          rejected: num(rejects.n),
          rejectedForTimestamps: num(rejects.ts)
        }
      })
    })

    /**
     * Identity keys (phone or e-mail) that appear under more than one unit id: one grouped read
     * per column over its covering index (pilot, key, unit), counted and sampled here (the groups
     * are the shared keys only, few even in dirty data).
     */
    const sharedIdentities = Effect.fn("DataQuality.sharedIdentities")(function*(pilotId: string) {
      return yield* database.use(`finding people under two unit ids in "${pilotId}"`, async (db) => {
        const out: Record<"phone" | "email", CountWithExamples & { units: number }> = {
          phone: { count: 0, units: 0, examples: [] },
          email: { count: 0, units: 0, examples: [] }
        }
        for (const column of ["phone_key", "email_key"] as const) {
          const groups = await db.selectFrom("events")
            .select([sql<string>`${sql.ref(column)}`.as("key"), sql<number>`count(distinct unit_id)`.as("units")])
            .where("pilot_id", "=", pilotId)
            .where(column, "is not", null)
            .groupBy(column)
            .having(sql<number>`count(distinct unit_id)`, ">", 1)
            .orderBy(column)
            .execute()
          out[column === "phone_key" ? "phone" : "email"] = {
            count: groups.length,
            units: groups.reduce((sum, g) => sum + num(g.units), 0),
            examples: groups.slice(0, EXAMPLES).map((g) => `${g.key} (${num(g.units)} unit ids)`)
          }
        }
        return out
      })
    })

    /**
     * The row-level problems of a pilot's events in one pass: how many events it has, how many
     * have a phone or e-mail that could not be normalized, how many are stamped after `nowMs`.
     * Examples (source:line) are read only for a problem that occurs.
     */
    const eventProblems = Effect.fn("DataQuality.eventProblems")(function*(pilotId: string, nowMs: number) {
      return yield* database.use(`checking the events of "${pilotId}"`, async (db) => {
        const flagged = (flag: "phone" | "email") => sql<boolean>`${sql.ref("format_flags")} like ${`%${flag}%`}`
        // the count and the times from the aggregation index alone; the flags from the rows
        // that have any, found through their partial index
        const counts = await db.selectFrom("events")
          .select([sql<number>`count(*)`.as("events"), sql<number>`coalesce(sum(case when ts_ms > ${nowMs} then 1 else 0 end), 0)`.as("future")])
          .where("pilot_id", "=", pilotId)
          .executeTakeFirstOrThrow()
        const flags = await db.selectFrom("events")
          .select([
            sql<number>`coalesce(sum(case when ${flagged("phone")} then 1 else 0 end), 0)`.as("phone"),
            sql<number>`coalesce(sum(case when ${flagged("email")} then 1 else 0 end), 0)`.as("email")
          ])
          .where("pilot_id", "=", pilotId)
          .where("format_flags", "is not", null)
          .executeTakeFirstOrThrow()
        const examples = async (count: number, where: ReturnType<typeof flagged>, order: "line" | "latest") => {
          if (count === 0) return []
          const rows = await db.selectFrom("events").select(["source", "line"]).where("pilot_id", "=", pilotId).where(where)
            .$if(order === "line", (q) => q.orderBy("source").orderBy("line"))
            .$if(order === "latest", (q) => q.orderBy("ts_ms", "desc"))
            .limit(EXAMPLES).execute()
          return rows.map((e) => `${e.source}:${e.line ?? "?"}`)
        }
        const phone = num(flags.phone)
        const email = num(flags.email)
        const future = num(counts.future)
        return {
          events: num(counts.events),
          phones: { count: phone, examples: await examples(phone, flagged("phone"), "line") } satisfies CountWithExamples,
          emails: { count: email, examples: await examples(email, flagged("email"), "line") } satisfies CountWithExamples,
          future: { count: future, examples: await examples(future, sql<boolean>`${sql.ref("ts_ms")} > ${nowMs}`, "latest") } satisfies CountWithExamples
        }
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
        const count = num((await q.select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow()).n)
        const examples = count === 0 ? [] : await q.select(["e.source", "e.line", "e.type"]).orderBy("e.source").orderBy("e.line").limit(EXAMPLES).execute()
        return { count, examples: examples.map((e) => `${e.source}:${e.line ?? "?"} ${e.type}`) } satisfies CountWithExamples
      })
    })

    /** Exposed units (any consent state, any number of variants). */
    const exposedUnits = Effect.fn("DataQuality.exposedUnits")(function*(pilotId: string) {
      const row = yield* database.use(`counting exposed units of "${pilotId}"`, (db) =>
        db.selectFrom("events").select(sql<number>`count(distinct unit_id)`.as("n"))
          .where("pilot_id", "=", pilotId).where("type", "=", EXPOSURE).executeTakeFirstOrThrow())
      return num(row.n)
    })

    return { volumes, sharedIdentities, eventProblems, outcomesBeforeExposure, exposedUnits } as const
  })
}) {}
