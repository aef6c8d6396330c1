/**
 * The right to erasure and pseudonymization as promises: with a pseudonym key nothing raw is
 * stored — not in event ids (`assign --log-exposures`, CRM ids embedding the lead), not in rows
 * rejected before they could be read; `erase` removes a person's rejected rows by content too;
 * and on SQLite the erased bytes leave the database file and its write-ahead log.
 */
import { describe, expect, it } from "@effect/vitest"
import { Assignments, Erasure, EventImport, eventFileSource, PilotRegistry } from "@pilotproof/engine"
import { Database, type DatabaseShape } from "@pilotproof/store"
import { ConfigProvider, Effect, Layer } from "effect"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DIALECTS } from "../../../test/fixtures/Databases.js"
import { minimalPilot } from "../../../test/fixtures/Definitions.js"

const dir = mkdtempSync(join(tmpdir(), "pilotproof-privacy-"))
const PILOT = "privacy-pilot"
const RAW_ID = "lead-77310"
const EMAIL = "Olga.Smirnova@Example.com"
const keyed = Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["PILOTPROOF_PSEUDONYM_KEY", "privacy-test-key"]])))
const services = Layer.mergeAll(PilotRegistry.Default, EventImport.Default, Erasure.Default, Assignments.Default)

/** A JSONL export: good rows, a CRM event id that embeds the lead id, and a malformed line naming the person. */
const exportFile = (name: string) => {
  const path = join(dir, name)
  writeFileSync(path, [
    JSON.stringify({ event_id: `amo-${RAW_ID}-exposure`, unit_id: RAW_ID, type: "exposure", variant: "control", ts: "2026-03-02T10:00:00Z", email: EMAIL }),
    JSON.stringify({ event_id: `amo-${RAW_ID}-won`, unit_id: RAW_ID, type: "deal_won", ts: "2026-03-03T10:00:00Z" }),
    `{"unit_id": "${RAW_ID}", "email": "${EMAIL}", "type": "deal_won", "ts": broken`,
    JSON.stringify({ unit_id: 99123, event_id: 99123, type: "exposure", variant: "bot", ts: "2026-03-02T11:00:00Z" }),
    JSON.stringify({ unit_id: "lead-2", type: "exposure", variant: "bot", ts: "2026-03-02T11:00:00Z" })
  ].join("\n") + "\n")
  return path
}

const setUp = (file: string) =>
  Effect.gen(function*() {
    const registry = yield* PilotRegistry
    yield* registry.register([{ source: "pilot.json", text: JSON.stringify(minimalPilot(PILOT)) }])
    yield* registry.start(PILOT)
    const source = yield* eventFileSource(file)
    const summary = yield* (yield* EventImport).run({ pilotId: PILOT, source: file, batches: source.batches })
    expect(summary).toMatchObject({ records: 5, accepted: 3, rejected: 2 })
    yield* (yield* Assignments).assign(PILOT, [RAW_ID, "lead-3"], true)
  })

/** Every text of every table, lower-cased. */
const everything = (database: DatabaseShape) =>
  database.use("reading every table", async (db) => {
    const out: Array<string> = []
    for (const table of ["events", "event_rejects", "erasures", "imports", "decisions"] as const) {
      for (const row of await db.selectFrom(table).selectAll().execute()) out.push(JSON.stringify(row).toLowerCase())
    }
    return out.join("\n")
  })

for (const dialect of DIALECTS) {
  describe(`privacy on ${dialect.name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof services> | Database>) =>
      Effect.provide(effect, services.pipe(Layer.provideMerge(dialect.layer()), Layer.provide(keyed)))

    it.effect("stores no raw id or e-mail anywhere: event ids keyed, an unreadable row's text not kept", () =>
      run(Effect.gen(function*() {
        yield* setUp(exportFile(`keyed-${dialect.name}.jsonl`))
        const stored = yield* everything(yield* Database)
        expect(stored).not.toContain(RAW_ID)
        expect(stored).not.toContain("olga.smirnova")
        expect(stored).not.toContain("example.com")
        expect(stored).not.toContain("99123") // a numeric unit id and event id, keyed in the reject's copy
        // a CSV row csv-parse cannot read: its message quotes the field, the reason must not
        const csv = join(dir, `quote-${dialect.name}.csv`)
        writeFileSync(csv, `unit_id,type,ts\nok-1,exposure,2026-03-02T10:00:00Z\n${RAW_ID}x,ex"posure,2026-03-02T10:00:00Z\n`)
        const source = yield* eventFileSource(csv)
        yield* (yield* EventImport).run({ pilotId: PILOT, source: csv, batches: source.batches })
        const afterCsv = yield* everything(yield* Database)
        expect(afterCsv).toContain("not a valid csv row")
        expect(afterCsv).not.toContain(RAW_ID)
        const numeric = (yield* (yield* EventImport).rejects(PILOT, 10)).rows.find((r) => r.line === 4)!
        expect(numeric.reason).toBe("unit_id must be text, not a number")
        const reject = (yield* (yield* EventImport).rejects(PILOT, 10)).rows.find((r) => r.line === 3)!
        expect(reject).toMatchObject({ line: 3, unit_id: null })
        expect(reject.reason).toMatch(/^not valid JSON( \(at character \d+\))?$/)
        expect(reject.raw).toBe("(not stored: the row could not be read, so the identifiers in it could not be pseudonymized)")
      })), 60_000)

    it.effect("without a key, erase removes the person's rejected rows by their text, and no one else's", () =>
      Effect.provide(
        Effect.gen(function*() {
          const file = exportFile(`plain-${dialect.name}.jsonl`)
          const other = join(dir, `other-${dialect.name}.jsonl`)
          writeFileSync(other, [
            `{"unit_id": "${RAW_ID}1", "type": broken`,
            // another person's row that happens to hold the short id as a value
            JSON.stringify({ unit_id: "lead-5", type: "exposure", variant: "99123", ts: "2026-03-02T10:00:00Z" })
          ].join("\n") + "\n")
          yield* setUp(file)
          const importer = yield* EventImport
          const source = yield* eventFileSource(other)
          yield* importer.run({ pilotId: PILOT, source: other, batches: source.batches })
          expect((yield* importer.rejects(PILOT, 10)).total).toBe(4)
          // erasing "99123" takes the row whose (numeric) unit id could not be read, and not
          // lead-5's row, which holds the same text as its variant but has a unit key of its own
          const short = yield* (yield* Erasure).erase("99123")
          expect(short.rejects_deleted).toBe(1)
          const record = yield* (yield* Erasure).erase(RAW_ID)
          expect(record.rejects_deleted).toBe(1)
          const left = yield* importer.rejects(PILOT, 10)
          expect(left.rows.map((r) => [r.source, r.unit_id])).toEqual([[other, null], [other, "lead-5"]]) // lead-773101 is another person
          const stored = yield* everything(yield* Database)
          expect(stored.replaceAll(`${RAW_ID}1`, "")).not.toContain(RAW_ID)
        }),
        services.pipe(Layer.provideMerge(dialect.layer()))
      ), 60_000)
  })
}

describe("erasure on an SQLite file", () => {
  it.effect("leaves none of the erased person's bytes in the database file or its write-ahead log", () =>
    Effect.gen(function*() {
      const file = join(dir, "erase.db")
      const plain = services.pipe(Layer.provideMerge(Database.sqlite(file)))
      // without a key, so the raw id and e-mail are stored and must be gone afterwards
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* setUp(exportFile("file.jsonl"))
          const before = yield* everything(yield* Database)
          expect(before).toContain(RAW_ID)
          yield* (yield* Erasure).erase(RAW_ID)
        }),
        plain
      )
      // the layer is closed: every byte is in the files now
      const bytes = [file, `${file}-wal`, `${file}-shm`].filter(existsSync).map((f) => readFileSync(f).toString("latin1").toLowerCase())
      for (const content of bytes) {
        expect(content).not.toContain(RAW_ID)
        expect(content).not.toContain("olga.smirnova")
      }
    }), 60_000)
})
