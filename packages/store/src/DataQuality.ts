/**
 * The queries behind the readiness report: counts and a few examples for each data problem,
 * computed in the database — or, for the events, in the ClickHouse event store when the context
 * holds one (`ClickHouseDataQuality`).
 */
import { EXPOSURE, type ListedCheck, type ReadinessProblem, type WarehouseSource } from "@pilotproof/domain"
import { Effect, Option } from "effect"
import { type AliasedSelectQueryBuilder, sql } from "kysely"
import { ClickHouse, noWarehouseHere } from "./ClickHouse.js"
import { makeClickHouseDataQuality } from "./ClickHouseDataQuality.js"
import { Database } from "./Database.js"
import { consentedUnits } from "./ExposedUnits.js"

export interface CountWithExamples {
  readonly count: number
  readonly examples: ReadonlyArray<string>
}

const EXAMPLES = 3

/** Unit ids listed for one shared phone or e-mail. */
const UNITS_PER_KEY = 10

/** What a readiness check's drill-down lists, and as of when. */
export interface ProblemScope {
  readonly pilotId: string
  readonly check: ListedCheck
  /** Exposure and consent problems as the data stood then. */
  readonly asOfMs: number
  /** Events stamped after this are in the future. */
  readonly futureAfterMs: number
  /** The event types that should follow a unit's first exposure. */
  readonly outcomeTypes: ReadonlyArray<string>
  readonly consentRequired: boolean
  readonly limit: number
  /** A warehouse-native pilot: its events are the rows of this ClickHouse table. */
  readonly warehouse?: WarehouseSource
}

export interface ProblemList {
  readonly total: number
  readonly problems: ReadonlyArray<ReadinessProblem>
}

const iso = (ms: unknown) => new Date(num(ms)).toISOString()
const FLAG_TEXT: Record<string, string> = { phone: "phone not normalizable to E.164", email: "malformed e-mail" }
/** An event's place and identity in a problem row. */
const at = (e: { readonly source: string; readonly line: number | null; readonly unit_id: string; readonly type: string; readonly ts_ms: number }) => ({
  source: e.source,
  ...(e.line === null ? {} : { line: num(e.line) }),
  unit: e.unit_id,
  type: e.type,
  ts: iso(e.ts_ms)
})
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
    const sharedIdentities = Effect.fn("DataQuality.sharedIdentities")(function*(pilotId: string, source?: WarehouseSource) {
      if (source !== undefined) return yield* noWarehouseHere(pilotId, source)
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
    const eventProblems = Effect.fn("DataQuality.eventProblems")(function*(pilotId: string, nowMs: number, source?: WarehouseSource) {
      if (source !== undefined) return yield* noWarehouseHere(pilotId, source)
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
    const outcomesBeforeExposure = Effect.fn("DataQuality.outcomesBeforeExposure")(function*(pilotId: string, types: ReadonlyArray<string>, source?: WarehouseSource) {
      if (source !== undefined) return yield* noWarehouseHere(pilotId, source)
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
    const exposedUnits = Effect.fn("DataQuality.exposedUnits")(function*(pilotId: string, source?: WarehouseSource) {
      if (source !== undefined) return yield* noWarehouseHere(pilotId, source)
      const row = yield* database.use(`counting exposed units of "${pilotId}"`, (db) =>
        db.selectFrom("events").select(sql<number>`count(distinct unit_id)`.as("n"))
          .where("pilot_id", "=", pilotId).where("type", "=", EXPOSURE).executeTakeFirstOrThrow())
      return num(row.n)
    })

    /**
     * The events or units behind one readiness check, the first `limit` of them in a stable order
     * (file and line, or unit id) with how many there are: the drill-down of the report. Each is
     * one query for the count and one for the rows, over the same indexes the report's checks use.
     */
    const problems = Effect.fn("DataQuality.problems")(function*(scope: ProblemScope) {
      const { limit, pilotId } = scope
      if (scope.warehouse !== undefined) return yield* noWarehouseHere(pilotId, scope.warehouse)
      return yield* database.use(`listing the ${scope.check} problems of "${pilotId}"`, async (db): Promise<ProblemList> => {
        const events = db.selectFrom("events as e").where("e.pilot_id", "=", pilotId)
        /** How many rows a query gives (any query: it is counted as a subquery). */
        const counted = async (q: { as: (alias: "c") => AliasedSelectQueryBuilder<object, "c"> }) =>
          num((await db.selectFrom(q.as("c")).select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow()).n)
        const eventRows = (q: typeof events) => q.select(["e.source", "e.line", "e.unit_id", "e.type", "e.ts_ms"])
        switch (scope.check) {
          case "formats": {
            const q = events.where("e.format_flags", "is not", null)
            const rows = await eventRows(q).select("e.format_flags").orderBy("e.source").orderBy("e.line").orderBy("e.event_id").limit(limit).execute()
            return {
              total: await counted(q.select("e.event_id")),
              problems: rows.map((e) => ({ ...at(e), detail: (e.format_flags ?? "").split(",").map((f) => FLAG_TEXT[f] ?? f).join("; ") }))
            }
          }
          case "future-timestamps": {
            const q = events.where("e.ts_ms", ">", scope.futureAfterMs)
            const rows = await eventRows(q).orderBy("e.ts_ms", "desc").orderBy("e.event_id").limit(limit).execute()
            return { total: await counted(q.select("e.event_id")), problems: rows.map((e) => ({ ...at(e), detail: `stamped ${iso(e.ts_ms)}, after ${iso(scope.futureAfterMs)}` })) }
          }
          case "outcome-before-exposure": {
            if (scope.outcomeTypes.length === 0) return { total: 0, problems: [] }
            const first = db.selectFrom("events")
              .select((eb) => ["unit_id", eb.fn.min("ts_ms").as("first_ts")])
              .where("pilot_id", "=", pilotId)
              .where("type", "=", EXPOSURE)
              .groupBy("unit_id")
            const q = events.innerJoin(first.as("f"), "f.unit_id", "e.unit_id").where("e.type", "in", scope.outcomeTypes).whereRef("e.ts_ms", "<", "f.first_ts")
            const rows = await q.select(["e.source", "e.line", "e.unit_id", "e.type", "e.ts_ms", "f.first_ts"])
              .orderBy("e.source").orderBy("e.line").orderBy("e.event_id").limit(limit).execute()
            return { total: await counted(q.select("e.event_id")), problems: rows.map((e) => ({ ...at(e), detail: `${e.type} at ${iso(e.ts_ms)}, before the unit's first exposure at ${iso(e.first_ts)}` })) }
          }
          case "same-person-two-ids": {
            const out: Array<ReadinessProblem> = []
            let total = 0
            for (const [column, what] of [["phone_key", "phone"], ["email_key", "e-mail"]] as const) {
              const shared = db.selectFrom("events").select(sql<string>`${sql.ref(column)}`.as("key"))
                .where("pilot_id", "=", pilotId).where(column, "is not", null)
                .groupBy(column).having(sql<number>`count(distinct unit_id)`, ">", 1)
              total += await counted(shared)
              const room = limit - out.length
              if (room <= 0) continue
              const keys = (await shared.orderBy(column).limit(room).execute()).map((k) => k.key)
              if (keys.length === 0) continue
              const pairs = await db.selectFrom("events").select([sql<string>`${sql.ref(column)}`.as("key"), "unit_id"])
                .where("pilot_id", "=", pilotId).where(column, "in", keys)
                .groupBy([column, "unit_id"]).orderBy(column).orderBy("unit_id").execute()
              const units = new Map<string, Array<string>>()
              for (const p of pairs) units.set(p.key, [...(units.get(p.key) ?? []), p.unit_id])
              for (const key of keys) {
                const ids = units.get(key) ?? []
                out.push({ detail: `${what} ${key} under ${ids.length} unit ids: ${ids.slice(0, UNITS_PER_KEY).join(", ")}${ids.length > UNITS_PER_KEY ? ", …" : ""}` })
              }
            }
            return { total, problems: out }
          }
          case "consent": {
            if (!scope.consentRequired) return { total: 0, problems: [] }
            const exposed = db.selectFrom("events")
              .select((eb) => ["unit_id", eb.fn.min("ts_ms").as("first_ts"), eb.fn.min("variant").as("variant")])
              .where("pilot_id", "=", pilotId).where("type", "=", EXPOSURE).where("ts_ms", "<=", scope.asOfMs)
              .groupBy("unit_id").having(sql<number>`count(distinct variant)`, "=", 1)
            const q = db.selectFrom(exposed.as("x"))
              .leftJoin(consentedUnits(db, { pilotId, asOfMs: scope.asOfMs }).as("c"), "c.unit_id", "x.unit_id")
              .where("c.unit_id", "is", null)
            const total = await counted(q.select("x.unit_id"))
            const rows = await q.select(["x.unit_id", "x.first_ts", "x.variant"]).orderBy("x.unit_id").limit(limit).execute()
            return {
              total,
              problems: rows.map((u) => ({ unit: u.unit_id, ts: iso(u.first_ts), detail: `exposed in ${u.variant ?? "?"}; no consent event grants consent (or the latest withdraws it): left out of the analysis` }))
            }
          }
          case "exposure-integrity": {
            const multi = db.selectFrom("events")
              .select((eb) => ["unit_id", eb.fn.min("ts_ms").as("first_ts"), eb.fn.min("variant").as("low"), eb.fn.max("variant").as("high"), sql<number>`count(distinct variant)`.as("variants")])
              .where("pilot_id", "=", pilotId).where("type", "=", EXPOSURE).where("ts_ms", "<=", scope.asOfMs)
              .groupBy("unit_id").having(sql<number>`count(distinct variant)`, ">", 1)
            const multiTotal = await counted(multi)
            const multiRows = await multi.orderBy("unit_id").limit(limit).execute()
            const mismatched = events.where("e.type", "=", EXPOSURE).where("e.expected_variant", "is not", null).where("e.ts_ms", "<=", scope.asOfMs)
            const mismatchTotal = await counted(mismatched.select("e.event_id"))
            const room = limit - multiRows.length
            const mismatchRows = room <= 0 ? [] : await eventRows(mismatched).select(["e.variant", "e.expected_variant"])
              .orderBy("e.source").orderBy("e.line").orderBy("e.event_id").limit(room).execute()
            return {
              total: multiTotal + mismatchTotal,
              problems: [
                ...multiRows.map((u) => ({
                  unit: u.unit_id,
                  ts: iso(u.first_ts),
                  detail: `seen in ${num(u.variants)} variants (${num(u.variants) === 2 ? `${u.low} and ${u.high}` : `${u.low} … ${u.high}`}): left out of the analysis`
                })),
                ...mismatchRows.map((e) => ({ ...at(e), detail: `exposed as ${e.variant ?? "?"}, but the assignment gives ${e.expected_variant ?? "?"}` }))
              ]
            }
          }
        }
      })
    })

    const inDatabase = { volumes, sharedIdentities, eventProblems, outcomesBeforeExposure, exposedUnits, problems } as const
    // With a ClickHouse event store the events are read there; the import records and rejects stay here.
    const events = yield* Effect.serviceOption(ClickHouse)
    if (Option.isNone(events)) return inDatabase
    const inClickHouse = yield* Effect.provideService(makeClickHouseDataQuality, ClickHouse, events.value)
    const merged: typeof inDatabase = { ...inDatabase, ...inClickHouse }
    return merged
  })
}) {}
