/**
 * Event files a hostile (or careless) export produces, on SQLite and PostgreSQL: invalid UTF-8
 * must not merge two units, a NUL must not sink a batch, values keep a documented decimal syntax
 * and a finite range, and a wrong header fails once, before anything is written.
 */
import { describe, expect, it } from "@effect/vitest"
import { MAX_ABS_VALUE } from "@pilotproof/domain"
import { EventImport, eventFileSource, PilotRegistry } from "@pilotproof/engine"
import { Database } from "@pilotproof/store"
import { Effect, Layer } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DIALECTS } from "../../../test/fixtures/Databases.js"
import { minimalPilot } from "../../../test/fixtures/Definitions.js"

const dir = mkdtempSync(join(tmpdir(), "pilotproof-hostile-"))
const PILOT = "hostile-pilot"
const HEADER = "event_id,unit_id,type,variant,value,ts"
const services = Layer.mergeAll(PilotRegistry.Default, EventImport.Default)

/** A pilot whose `revenue` metric sums the value of `paid` events. */
const pilot = {
  ...minimalPilot(PILOT),
  metrics: [
    ...minimalPilot(PILOT).metrics,
    { key: "revenue", role: "secondary", type: "mean", event: "paid", aggregate: "sum", direction: "increase" }
  ]
}

const importBytes = (name: string, content: Buffer | string) =>
  Effect.gen(function*() {
    const registry = yield* PilotRegistry
    yield* registry.register([{ source: "pilot.json", text: JSON.stringify(pilot) }])
    const current = yield* registry.show(PILOT)
    if (current.pilot.status === "draft") yield* registry.start(PILOT)
    const path = join(dir, name)
    writeFileSync(path, content)
    const source = yield* eventFileSource(path)
    const summary = yield* (yield* EventImport).run({ pilotId: PILOT, source: path, batches: source.batches })
    const rejects = yield* (yield* EventImport).rejects(PILOT, 100)
    const database = yield* Database
    const units = yield* database.use("units", (db) => db.selectFrom("events").select(["unit_id", "value", "type"]).where("pilot_id", "=", PILOT).orderBy("unit_id").execute())
    return { summary, rejects: rejects.rows.filter((r) => r.source === path), units }
  })

for (const dialect of DIALECTS) {
  describe(`hostile event files on ${dialect.name}`, () => {
    const fresh = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof services> | Database>) =>
      Effect.provide(effect, services.pipe(Layer.provideMerge(dialect.layer())))

    it.effect("rejects invalid UTF-8 with its line instead of merging u-\\xff and u-\\xfe into one unit", () =>
      fresh(Effect.gen(function*() {
        const content = Buffer.concat([
          Buffer.from(`${HEADER}\n`),
          Buffer.from(",u-"), Buffer.from([0xff]), Buffer.from(",exposure,control,,2026-03-02T10:00:00Z\n"),
          Buffer.from(",u-"), Buffer.from([0xfe]), Buffer.from(",exposure,bot,,2026-03-02T10:00:00Z\n"),
          Buffer.from(",u-ok,exposure,bot,,2026-03-02T10:00:00Z\n")
        ])
        const { rejects, summary, units } = yield* importBytes(`utf8-${dialect.name}.csv`, content)
        expect(summary).toMatchObject({ records: 3, accepted: 1, rejected: 2 })
        expect(rejects.map((r) => [r.line, r.reason])).toEqual([
          [2, "unit_id is not valid UTF-8 (bytes a decoder could not read, shown as \uFFFD): re-export the file as UTF-8"],
          [3, "unit_id is not valid UTF-8 (bytes a decoder could not read, shown as \uFFFD): re-export the file as UTF-8"]
        ])
        expect(units.map((u) => u.unit_id)).toEqual(["u-ok"])
      })), 60_000)

    it.effect("rejects the one row with a NUL and stores the good rows of the batch", () =>
      fresh(Effect.gen(function*() {
        const rows = Array.from({ length: 20 }, (_, i) => `,u-${i},exposure,${i % 2 === 0 ? "control" : "bot"},,2026-03-02T10:00:00Z`)
        rows[7] = ",u-7\u0000x,exposure,bot,,2026-03-02T10:00:00Z"
        const { rejects, summary, units } = yield* importBytes(`nul-${dialect.name}.csv`, `${HEADER}\n${rows.join("\n")}\n`)
        expect(summary).toMatchObject({ records: 20, accepted: 19, rejected: 1 })
        expect(rejects).toMatchObject([{ line: 9, unit_id: null, reason: "unit_id contains a NUL character (\\0): not text a CRM exports; fix the export" }])
        expect(rejects[0]!.raw).toContain("u-7\\u0000x") // JSON escapes it: storable on PostgreSQL
        expect(units).toHaveLength(19)
      })), 60_000)

    it.effect("takes values in decimal notation within ±1e15 only: no hex, no overflow, no NaN", () =>
      fresh(Effect.gen(function*() {
        const paid = (unit: string, value: string) => `,${unit},paid,,${value},2026-03-03T10:00:00Z`
        const lines = [
          paid("a", "12"), paid("b", "\"12,5\""), paid("c", "1e3"), paid("d", "-3.5"), paid("e", `${MAX_ABS_VALUE}`),
          paid("f", "1e308"), paid("g", "0x10"), paid("h", "NaN"), paid("i", "Infinity"), paid("j", "1 000"), paid("k", "1e16"),
          paid("l", "\"1,000\""), paid("m", "1.000"), paid("n", "\"0,125\"")
        ]
        const { rejects, summary, units } = yield* importBytes(`values-${dialect.name}.csv`, `${HEADER}\n${lines.join("\n")}\n`)
        expect(summary).toMatchObject({ records: 14, accepted: 7, rejected: 7 })
        expect(units.map((u) => [u.unit_id, u.value])).toEqual([["a", 12], ["b", 12.5], ["c", 1000], ["d", -3.5], ["e", 1e15], ["m", 1], ["n", 0.125]])
        expect(Object.fromEntries(rejects.map((r) => [r.line, r.reason]))).toEqual({
          7: "value 1e+308 is outside the allowed range (at most 1e+15 in magnitude)",
          8: `value "0x10" is not a number: write it in decimal notation (12, -3.5, 12,5 or 1e3)`,
          9: `value "NaN" is not a number: write it in decimal notation (12, -3.5, 12,5 or 1e3)`,
          10: `value "Infinity" is not a number: write it in decimal notation (12, -3.5, 12,5 or 1e3)`,
          11: `value "1 000" is not a number: write it in decimal notation (12, -3.5, 12,5 or 1e3)`,
          12: "value 10000000000000000 is outside the allowed range (at most 1e+15 in magnitude)",
          13: `value "1,000" is ambiguous (a thousand, or one with a decimal comma?): write 1000 or 1.000`
        })
      })), 60_000)

    it.effect("found by the fuzzer: CR LF, LF and CR mixed in one file end rows alike; a broken row is one reject, counted once", () =>
      fresh(Effect.gen(function*() {
        const content = `${HEADER}\r\n,u-1,exposure,control,,2026-03-02T10:00:00Z\n,u-2,exposure,bot,,2026-03-02T10:00:00Z\r,u-3,exposure,bot,,""\n,u-4,exposure,bot,,2026-03-02T10:00:00Z\r\n`
        const { rejects, summary, units } = yield* importBytes(`mixed-${dialect.name}.csv`, content)
        expect(summary).toMatchObject({ records: 4, accepted: 3, rejected: 1 })
        expect(units.map((u) => u.unit_id)).toEqual(["u-1", "u-2", "u-4"])
        expect(rejects.map((r) => r.line)).toEqual([4])
        // an unclosed quote: named on the line its row starts, one reject, its reason on one line
        const open = yield* importBytes(`open-quote-${dialect.name}.csv`, `${HEADER}\r\n,u-5,exposure,bot,,"2026\r\n,u-6,exposure,bot,,2026-03-02T10:00:00Z\r\n`)
        expect(open.summary).toMatchObject({ accepted: 0, rejected: 1 })
        expect(open.rejects.map((r) => [r.line, r.reason.includes("\n")])).toEqual([[2, false]])
      })), 60_000)

    it.effect("a file that starts with blank lines is read as the import reads it: the header is the first record", () =>
      fresh(Effect.gen(function*() {
        const { summary } = yield* importBytes(`blank-${dialect.name}.csv`, `\n\n${HEADER}\n,u-1,exposure,bot,,2026-03-02T10:00:00Z\n`)
        expect(summary).toMatchObject({ accepted: 1, rejected: 0 })
        // the delimiter comes from the first non-blank line too
        const semicolons = yield* importBytes(`blank-semicolon-${dialect.name}.csv`, `\n${HEADER.replaceAll(",", ";")}\n;u-2;exposure;bot;;2026-03-02T10:00:00Z\n`)
        expect(semicolons.summary).toMatchObject({ accepted: 1, rejected: 0 })
      })), 60_000)

    it.effect("a header without the required columns fails once, naming them, and writes nothing", () =>
      fresh(Effect.gen(function*() {
        const registry = yield* PilotRegistry
        yield* registry.register([{ source: "pilot.json", text: JSON.stringify(pilot) }])
        yield* registry.start(PILOT)
        const path = join(dir, `header-${dialect.name}.csv`)
        writeFileSync(path, "\uFEFFid;Kind;TS\nu-1;exposure;2026-03-02T10:00:00Z\n")
        const error = yield* Effect.flip(eventFileSource(path))
        expect(error.message).toBe(
          `${path}: the header (line 1) has no unit_id, type columns; an event file needs unit_id, type, ts (found: id, kind, ts); nothing was imported`
        )
        const database = yield* Database
        const imports = yield* database.use("imports", (db) => db.selectFrom("imports").selectAll().execute())
        expect(imports).toEqual([])
      })), 60_000)
  })
}
