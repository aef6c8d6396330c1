/**
 * The readiness report's event queries (`DataQuality`) over a ClickHouse event store: the same
 * counts, examples and drill-down lists as the SQL queries. What groups across units (one phone
 * under two unit ids, which may be on two shards) is read through the Distributed table, which
 * merges the shards' partial aggregates; what is a unit's own (its first exposure, its consent)
 * is computed on each shard from the unit's events, and the shards' counts and first rows are
 * merged here. Rows are ordered as SQLite orders them (byte order; a missing line first). A
 * warehouse pilot's table is read in place (`eventSource`); it has no phones, e-mails or format
 * flags, so those checks find nothing there.
 */
import { EXPOSURE, type ReadinessProblem, type WarehouseSource } from "@pilotproof/domain"
import { Effect, Schema } from "effect"
import { ClickHouse } from "./ClickHouse.js"
import { byteOrder, type EventSource, eventSource, unitArrays, unitAt } from "./ClickHouseAggregation.js"
import { ch, type ChSql, ident } from "./ClickHouseSql.js"
import type { CountWithExamples, ProblemList, ProblemScope } from "./DataQuality.js"

const EXAMPLES = 3
const UNITS_PER_KEY = 10
const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value))
const iso = (ms: unknown) => new Date(num(ms)).toISOString()
const FLAG_TEXT: Record<string, string> = { phone: "phone not normalizable to E.164", email: "malformed e-mail" }

/** An event's place and identity, as `EVENT` selects them. */
const EventAtFields = {
  source: Schema.String,
  line: Schema.NullOr(Schema.Number),
  unit_id: Schema.String,
  type: Schema.String,
  ts_ms: Schema.Number,
  event_id: Schema.String
}
const EventAt = Schema.Struct(EventAtFields)
type EventAt = typeof EventAt.Type
const Count = Schema.Struct({ n: Schema.Number })
/** An outcome stamped before its unit's first exposure (`earlyOutcomes`' row). */
const EarlyOutcome = Schema.Struct({ ...EventAtFields, first_ts: Schema.Number })

/** Source, then line (a missing one first), then event id: the SQL stores' order of examples. */
const bySourceLine = (a: EventAt, b: EventAt) =>
  byteOrder(a.source, b.source) || (a.line ?? -Infinity) - (b.line ?? -Infinity) || byteOrder(a.event_id, b.event_id)

const at = (e: EventAt) => ({ source: e.source, ...(e.line === null ? {} : { line: num(e.line) }), unit: e.unit_id, type: e.type, ts: iso(e.ts_ms) })

export const makeClickHouseDataQuality = Effect.gen(function*() {
  const store = yield* ClickHouse
  const all = ident(store.allTable)
  const EVENT = ch`source, line, unit_id, type, ts_ms, event_id`
  const sourceOf = (pilotId: string, warehouse?: WarehouseSource) => eventSource(store.localTable, { pilotId, warehouse })

  /** Each shard's rows (or the first server's, for a table it reads whole). */
  const onShards = <A, I>(src: EventSource, operation: string, query: ChSql, row: Schema.Schema<A, I>) =>
    src.everyShard ? store.onEveryShard(operation, query, row) : Effect.map(store.select(operation, query, row), (rows) => [rows])

  /** Rows of every shard's answer to `query`, merged in source-and-line order and cut to `limit`. */
  const firstRows = <R extends EventAt, I>(src: EventSource, operation: string, query: ChSql, limit: number, row: Schema.Schema<R, I>) =>
    Effect.map(onShards(src, operation, ch`${query} ORDER BY source, line NULLS FIRST, event_id LIMIT ${limit}`, row), (shards) =>
      shards.flat().sort(bySourceLine).slice(0, limit))

  const countOn = (src: EventSource, operation: string, query: ChSql) =>
    Effect.map(onShards(src, operation, query, Count), (shards) => shards.flat().reduce((s, r) => s + num(r.n), 0))

  /** Keys (phone or e-mail) under more than one unit id, in key order, with their units: through the Distributed table. */
  const sharedKeys = (pilotId: string, column: "phone_key" | "email_key", operation: string) =>
    Effect.map(
      store.select(operation,
        ch`SELECT ${ident(column)} AS key, uniqExact(unit_id) AS units FROM ${all} FINAL
          WHERE pilot_id = ${pilotId} AND isNotNull(${ident(column)}) GROUP BY key HAVING units > 1`,
        Schema.Struct({ key: Schema.String, units: Schema.Number })),
      (rows) => [...rows].sort((a, b) => byteOrder(a.key, b.key))
    )

  const sharedIdentities = Effect.fn("ClickHouseDataQuality.sharedIdentities")(function*(pilotId: string, warehouse?: WarehouseSource) {
    const operation = `finding people under two unit ids in "${pilotId}"`
    const out: Record<"phone" | "email", CountWithExamples & { units: number }> = { phone: { count: 0, units: 0, examples: [] }, email: { count: 0, units: 0, examples: [] } }
    if (warehouse !== undefined) return out
    for (const column of ["phone_key", "email_key"] as const) {
      const groups = yield* sharedKeys(pilotId, column, operation)
      out[column === "phone_key" ? "phone" : "email"] = {
        count: groups.length,
        units: groups.reduce((sum, g) => sum + num(g.units), 0),
        examples: groups.slice(0, EXAMPLES).map((g) => `${g.key} (${num(g.units)} unit ids)`)
      }
    }
    return out
  })

  const flagged = (flag: "phone" | "email") => ch`ifNull(format_flags, '') LIKE ${`%${flag}%`}`

  const eventProblems = Effect.fn("ClickHouseDataQuality.eventProblems")(function*(pilotId: string, nowMs: number, warehouse?: WarehouseSource) {
    const operation = `checking the events of "${pilotId}"`
    const src = sourceOf(pilotId, warehouse)
    const shards = yield* onShards(src, operation,
      ch`SELECT count() AS events, countIf(ts_ms > ${Math.floor(nowMs)}) AS future, countIf(${flagged("phone")}) AS phone, countIf(${flagged("email")}) AS email
        FROM ${src.from} WHERE ${src.where}`,
      Schema.Struct({ events: Schema.Number, future: Schema.Number, phone: Schema.Number, email: Schema.Number }))
    const sum = (k: "events" | "future" | "phone" | "email") => shards.flat().reduce((s, r) => s + num(r[k]), 0)
    const examples = (count: number, condition: ChSql, order: "line" | "latest") =>
      count === 0
        ? Effect.succeed([])
        : order === "line"
        ? Effect.map(firstRows(src, operation, ch`SELECT ${EVENT} FROM ${src.from} WHERE ${src.where} AND ${condition}`, EXAMPLES, EventAt), (rows) => rows.map((e) => `${e.source}:${e.line ?? "?"}`))
        : Effect.map(onShards(src, operation, ch`SELECT ${EVENT} FROM ${src.from} WHERE ${src.where} AND ${condition} ORDER BY ts_ms DESC LIMIT ${EXAMPLES}`, EventAt), (rows) =>
          rows.flat().sort((a, b) => num(b.ts_ms) - num(a.ts_ms)).slice(0, EXAMPLES).map((e) => `${e.source}:${e.line ?? "?"}`))
    const phone = sum("phone")
    const email = sum("email")
    const future = sum("future")
    return {
      events: sum("events"),
      phones: { count: phone, examples: yield* examples(phone, flagged("phone"), "line") } satisfies CountWithExamples,
      emails: { count: email, examples: yield* examples(email, flagged("email"), "line") } satisfies CountWithExamples,
      future: { count: future, examples: yield* examples(future, ch`ts_ms > ${Math.floor(nowMs)}`, "latest") } satisfies CountWithExamples
    }
  })

  /**
   * Outcome events before their unit's first exposure, on each shard: per unit its first exposure
   * and its outcome events, those before it unfolded (ARRAY JOIN) as event rows.
   */
  const earlyOutcomes = (src: EventSource, types: ReadonlyArray<string>) =>
    ch`SELECT o.1 AS source, o.2 AS line, unit_id, o.3 AS type, o.4 AS ts_ms, o.5 AS event_id, first_ts FROM (
        SELECT unit_id, minIf(ts_ms, type = ${EXPOSURE}) AS first_ts, countIf(type = ${EXPOSURE}) AS exposures,
          groupArrayIf((source, line, type, ts_ms, event_id), type IN ${types}) AS outcomes
        FROM ${src.from} WHERE ${src.where} AND type IN ${[EXPOSURE, ...types]}
        GROUP BY unit_id HAVING exposures > 0)
      ARRAY JOIN outcomes AS o WHERE o.4 < first_ts`

  const outcomesBeforeExposure = Effect.fn("ClickHouseDataQuality.outcomesBeforeExposure")(function*(pilotId: string, types: ReadonlyArray<string>, warehouse?: WarehouseSource) {
    if (types.length === 0) return { count: 0, examples: [] } satisfies CountWithExamples
    const operation = `finding outcomes before exposure in "${pilotId}"`
    const src = sourceOf(pilotId, warehouse)
    const count = yield* countOn(src, operation, ch`SELECT count() AS n FROM (${earlyOutcomes(src, types)})`)
    const examples = count === 0 ? [] : yield* firstRows(src, operation, ch`SELECT * FROM (${earlyOutcomes(src, types)})`, EXAMPLES, EarlyOutcome)
    return { count, examples: examples.map((e) => `${e.source}:${e.line ?? "?"} ${e.type}`) } satisfies CountWithExamples
  })

  const exposedUnits = Effect.fn("ClickHouseDataQuality.exposedUnits")(function*(pilotId: string, warehouse?: WarehouseSource) {
    // a unit's exposures are on its shard: the shards' counts add up
    const src = sourceOf(pilotId, warehouse)
    return yield* countOn(src, `counting exposed units of "${pilotId}"`,
      ch`SELECT uniqExact(unit_id) AS n FROM ${src.from} WHERE ${src.where} AND type = ${EXPOSURE}`)
  })

  const problems = Effect.fn("ClickHouseDataQuality.problems")(function*(scope: ProblemScope) {
    const { limit, pilotId } = scope
    const operation = `listing the ${scope.check} problems of "${pilotId}"`
    const src = sourceOf(pilotId, scope.warehouse)
    const where = src.where
    const from = src.from
    const asOf = Math.floor(scope.asOfMs)
    switch (scope.check) {
      case "formats": {
        const condition = ch`isNotNull(format_flags)`
        const rows = yield* firstRows(src, operation, ch`SELECT ${EVENT}, format_flags FROM ${from} WHERE ${where} AND ${condition}`, limit,
          Schema.Struct({ ...EventAtFields, format_flags: Schema.String }))
        return {
          total: yield* countOn(src, operation, ch`SELECT count() AS n FROM ${from} WHERE ${where} AND ${condition}`),
          problems: rows.map((e) => ({ ...at(e), detail: e.format_flags.split(",").map((f) => FLAG_TEXT[f] ?? f).join("; ") }))
        } satisfies ProblemList
      }
      case "future-timestamps": {
        const condition = ch`ts_ms > ${Math.floor(scope.futureAfterMs)}`
        const shards = yield* onShards(src, operation, ch`SELECT ${EVENT} FROM ${from} WHERE ${where} AND ${condition} ORDER BY ts_ms DESC, event_id LIMIT ${limit}`, EventAt)
        const rows = shards.flat().sort((a, b) => num(b.ts_ms) - num(a.ts_ms) || byteOrder(a.event_id, b.event_id)).slice(0, limit)
        return {
          total: yield* countOn(src, operation, ch`SELECT count() AS n FROM ${from} WHERE ${where} AND ${condition}`),
          problems: rows.map((e) => ({ ...at(e), detail: `stamped ${iso(e.ts_ms)}, after ${iso(scope.futureAfterMs)}` }))
        } satisfies ProblemList
      }
      case "outcome-before-exposure": {
        if (scope.outcomeTypes.length === 0) return { total: 0, problems: [] } satisfies ProblemList
        const early = earlyOutcomes(src, scope.outcomeTypes)
        const rows = yield* firstRows(src, operation, ch`SELECT * FROM (${early})`, limit, EarlyOutcome)
        return {
          total: yield* countOn(src, operation, ch`SELECT count() AS n FROM (${early})`),
          problems: rows.map((e) => ({ ...at(e), detail: `${e.type} at ${iso(e.ts_ms)}, before the unit's first exposure at ${iso(e.first_ts)}` }))
        } satisfies ProblemList
      }
      case "same-person-two-ids": {
        const out: Array<ReadinessProblem> = []
        let total = 0
        if (scope.warehouse !== undefined) return { total, problems: out } satisfies ProblemList
        for (const [column, what] of [["phone_key", "phone"], ["email_key", "e-mail"]] as const) {
          const groups = yield* sharedKeys(pilotId, column, operation)
          total += groups.length
          const keys = groups.slice(0, Math.max(0, limit - out.length)).map((g) => g.key)
          if (keys.length === 0) continue
          const pairs = yield* store.select(operation,
            ch`SELECT ${ident(column)} AS key, groupUniqArray(unit_id) AS units FROM ${all} WHERE pilot_id = ${pilotId} AND ${ident(column)} IN ${keys} GROUP BY key`,
            Schema.Struct({ key: Schema.String, units: Schema.Array(Schema.String) }))
          const units = new Map(pairs.map((p) => [p.key, [...p.units].sort(byteOrder)]))
          for (const key of keys) {
            const ids = units.get(key) ?? []
            out.push({ detail: `${what} ${key} under ${ids.length} unit ids: ${ids.slice(0, UNITS_PER_KEY).join(", ")}${ids.length > UNITS_PER_KEY ? ", …" : ""}` })
          }
        }
        return { total, problems: out } satisfies ProblemList
      }
      case "consent": {
        if (!scope.consentRequired) return { total: 0, problems: [] } satisfies ProblemList
        const aggregationScope = { pilotId, asOfMs: asOf, consentRequired: true, ...(scope.warehouse === undefined ? {} : { warehouse: scope.warehouse }) }
        const units = unitArrays(store.localTable, aggregationScope, { types: [] })
        // single-variant exposed units as of the moment whose latest consent event does not grant it
        const missing = ch`SELECT unit_id, first_ts, variant FROM (
            SELECT unit_id, ${unitAt(ch`${asOf}`, aggregationScope, units.events)}, arrayUniq(arrayMap(e -> e.2, ex)) = 1 AS single FROM (${units.sql}))
          WHERE single AND NOT analysed`
        const shards = yield* onShards(src, operation, ch`${missing} ORDER BY unit_id LIMIT ${limit}`,
          Schema.Struct({ unit_id: Schema.String, first_ts: Schema.Number, variant: Schema.String }))
        const rows = shards.flat().sort((a, b) => byteOrder(a.unit_id, b.unit_id)).slice(0, limit)
        return {
          total: yield* countOn(src, operation, ch`SELECT count() AS n FROM (${missing})`),
          problems: rows.map((u) => ({ unit: u.unit_id, ts: iso(u.first_ts), detail: `exposed in ${u.variant}; no consent event grants consent (or the latest withdraws it): left out of the analysis` }))
        } satisfies ProblemList
      }
      case "exposure-integrity": {
        const multi = ch`SELECT unit_id, min(ts_ms) AS first_ts, min(variant) AS low, max(variant) AS high, uniqExact(variant) AS variants
          FROM ${from} WHERE ${where} AND type = ${EXPOSURE} AND ts_ms <= ${asOf} GROUP BY unit_id HAVING variants > 1`
        const multiShards = yield* onShards(src, operation, ch`${multi} ORDER BY unit_id LIMIT ${limit}`,
          Schema.Struct({ unit_id: Schema.String, first_ts: Schema.Number, low: Schema.NullOr(Schema.String), high: Schema.NullOr(Schema.String), variants: Schema.Number }))
        const multiRows = multiShards.flat().sort((a, b) => byteOrder(a.unit_id, b.unit_id)).slice(0, limit)
        const multiTotal = yield* countOn(src, operation, ch`SELECT count() AS n FROM (${multi})`)
        const mismatched = ch`${where} AND type = ${EXPOSURE} AND isNotNull(expected_variant) AND ts_ms <= ${asOf}`
        const room = limit - multiRows.length
        const mismatchRows = room <= 0
          ? []
          : yield* firstRows(src, operation,
            ch`SELECT ${EVENT}, variant, expected_variant FROM ${from} WHERE ${mismatched}`, room,
            Schema.Struct({ ...EventAtFields, variant: Schema.NullOr(Schema.String), expected_variant: Schema.String }))
        return {
          total: multiTotal + (yield* countOn(src, operation, ch`SELECT count() AS n FROM ${from} WHERE ${mismatched}`)),
          problems: [
            ...multiRows.map((u) => ({
              unit: u.unit_id,
              ts: iso(u.first_ts),
              detail: `seen in ${num(u.variants)} variants (${num(u.variants) === 2 ? `${u.low} and ${u.high}` : `${u.low} … ${u.high}`}): left out of the analysis`
            })),
            ...mismatchRows.map((e) => ({ ...at(e), detail: `exposed as ${e.variant ?? "?"}, but the assignment gives ${e.expected_variant}` }))
          ]
        } satisfies ProblemList
      }
    }
  })

  return { sharedIdentities, eventProblems, outcomesBeforeExposure, exposedUnits, problems } as const
})
