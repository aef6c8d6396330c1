/**
 * Importing events on SQLite and PostgreSQL: exact counts, idempotence, rejects with line and
 * reason, dry runs, pseudonymization, erasure and exposure integrity.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { assign } from "@pilotproof/assignment"
import { IncomingEvent } from "@pilotproof/domain"
import { Erasure, EventImport, eventFileSource, PilotRegistry, quickDecode, Readiness } from "@pilotproof/engine"
import { Aggregation, Database, type DatabaseShape } from "@pilotproof/store"
import { ConfigProvider, Effect, Either, Layer, Schema } from "effect"
import fc from "fast-check"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DIALECTS } from "../../../test/fixtures/Databases.js"
import { minimalPilot } from "../../../test/fixtures/Definitions.js"

const dir = mkdtempSync(join(tmpdir(), "pilotproof-import-"))
const SALT = "import-pilot"
const allocation = { salt: SALT, variants: [{ key: "control", weight: 50 }, { key: "bot", weight: 50 }] }
const variantOf = (unit: string) => {
  const a = assign(allocation, unit)
  return a._tag === "Assignment" ? a.variant! : "control"
}

/** 400 valid rows, 8 malformed rows of every kind, and 5 rows repeated verbatim. */
const csvFile = (name: string) => {
  const lines = ["event_id,unit_id,type,variant,value,ts,phone,email"]
  const good: Array<string> = []
  for (let i = 0; i < 100; i++) {
    const unit = `lead-${1000 + i}`
    const phone = i % 10 === 0 ? "8 (912) 345-67-8" : `8 (912) 000-${String(1000 + i).slice(0, 2)}-${String(i).padStart(2, "0")}`
    good.push(`,${unit},exposure,${variantOf(unit)},,2026-03-0${1 + (i % 5)}T10:00:00+03:00,${phone},${unit}@Example.com`)
    good.push(`,${unit},consent,,,2026-03-0${1 + (i % 5)}T09:59:00+03:00,,`)
    good.push(`e-${i}-won,${unit},deal_won,,,2026-03-1${i % 10}T12:00:00Z,,`)
    good.push(`e-${i}-c,${unit},complaint,,,2026-03-1${i % 10}T12:30:00.5+03:00,,`)
  }
  lines.push(...good)
  lines.push(",lead-x,exposure,treatment,,2026-03-01T10:00:00+03:00,,") // unknown variant
  lines.push(",lead-y,deal_lost,,,2026-03-01T10:00:00+03:00,,") // unknown type
  lines.push(",lead-z,deal_won,,,2026-03-01 10:00,,") // no offset
  lines.push(",,deal_won,,,2026-03-01T10:00:00Z,,") // no unit
  lines.push(",lead-w,deal_won,,abc,2026-03-01T10:00:00Z,,") // value not a number
  lines.push(",lead-v,exposure,,,2026-03-01T10:00:00Z,,") // exposure without variant
  lines.push(",lead-u,deal_won,,,2026-02-30T10:00:00Z,,") // not a real date
  lines.push(`,lead-t,"deal_won,,,2026-03-01T10:00:00Z,,`) // unbalanced quote: swallows the rest…
  // … so it is the last line; repeated rows go before it.
  lines.splice(lines.length - 1, 0, ...good.slice(0, 5))
  const path = join(dir, name)
  writeFileSync(path, lines.join("\n") + "\n")
  return path
}

const pilot = {
  ...minimalPilot(SALT),
  readiness: { consent: "required", dataOwner: "CRM team" }
}

const importFile = (path: string, dryRun = false) =>
  Effect.gen(function*() {
    const source = yield* eventFileSource(path, { batchSize: 64 })
    return yield* (yield* EventImport).run({ pilotId: SALT, source: path, batches: source.batches, dryRun })
  })

const register = Effect.gen(function*() {
  const registry = yield* PilotRegistry
  yield* registry.register([{ source: "pilot.json", text: JSON.stringify(pilot) }])
  yield* registry.start(SALT)
})

const services = Layer.mergeAll(PilotRegistry.Default, EventImport.Default, Erasure.Default, Readiness.Default, Aggregation.Default)

describe("quickDecode", () => {
  const decode = Schema.decodeUnknownEither(IncomingEvent, { onExcessProperty: "error" })
  it("accepts exactly what the IncomingEvent schema accepts, with the same result", () => {
    const field = fc.oneof(fc.string(), fc.constant(""), fc.constant("  lead-1 "), fc.integer().map(String), fc.constant(undefined))
    const ts = fc.oneof(
      fc.constant("2026-03-01T10:00:00+03:00"), fc.constant("2026-03-01T10:00Z"), fc.constant("2026-02-30T10:00:00Z"),
      fc.constant("2026-03-01 10:00"), fc.string(), fc.constant("2026-03-01T10:00:00.123456789-0500")
    )
    const record = fc.record({
      unit_id: fc.oneof(field, fc.integer()),
      type: fc.oneof(fc.constant("deal_won"), fc.constant("exposure"), fc.constant("9bad"), fc.string()),
      ts,
      event_id: fc.oneof(field, fc.constant(undefined)),
      variant: fc.oneof(field, fc.constant("x".repeat(33))),
      value: fc.oneof(fc.double(), fc.constant(undefined), fc.constant("1")),
      attributes: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.dictionary(fc.string(), fc.integer()))
    }, { requiredKeys: ["attributes"] })
    fc.assert(fc.property(record, (r) => {
      const candidate = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))
      const quick = quickDecode(candidate)
      const slow = decode(candidate)
      expect(quick !== undefined).toBe(Either.isRight(slow))
      if (quick !== undefined && Either.isRight(slow)) expect(quick).toEqual(slow.right)
    }), { numRuns: 3000 })
  })
})

/** The pilot registered and started, with the 413-row file imported once. */
const imported = (name: string) =>
  Effect.gen(function*() {
    yield* register
    return yield* importFile(csvFile(name))
  })

for (const dialect of DIALECTS) {
  describe(`EventImport on ${dialect.name}`, () => {
    /** Every test on a database of its own, so none depends on another's rows. */
    const fresh = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof services> | Database>) =>
      Effect.provide(effect, services.pipe(Layer.provideMerge(dialect.layer())))

      it.effect("imports with exact counts, keeps every reject with its line and reason, and is idempotent", () =>
        fresh(Effect.gen(function*() {
          yield* register
          const path = csvFile(`events-${dialect.name}.csv`)
          const dry = yield* importFile(path, true)
          expect(dry).toMatchObject({ records: 413, accepted: 400, duplicates: 5, rejected: 8, dryRun: true })
          const database = yield* Database
          const count = () => database.use("count", (db) => db.selectFrom("events").select((eb) => eb.fn.countAll<number>().as("n")).where("pilot_id", "=", SALT).executeTakeFirstOrThrow())
          expect(Number((yield* count()).n)).toBe(0) // a dry run writes nothing

          const first = yield* importFile(path)
          expect(first).toMatchObject({ records: 413, accepted: 400, duplicates: 5, rejected: 8 })
          const second = yield* importFile(path)
          expect(second).toMatchObject({ records: 413, accepted: 0, duplicates: 405, rejected: 8 })
          expect(Number((yield* count()).n)).toBe(400)

          const { rows, total } = yield* (yield* EventImport).rejects(SALT, 100)
          expect(total).toBe(8)
          const byLine = Object.fromEntries(rows.map((r) => [r.line, r.reason]))
          expect(byLine[402]).toContain(`variant "treatment" is not a variant`)
          expect(byLine[403]).toContain(`event type "deal_lost" is not used by pilot`)
          expect(byLine[404]).toContain("ts must be ISO 8601 with a UTC offset")
          expect(byLine[405]).toContain("unit_id")
          expect(byLine[406]).toContain("value")
          expect(byLine[407]).toContain("an exposure needs a variant")
          expect(byLine[408]).toContain("not a real date")
          // header, 400 good rows, 7 bad ones, 5 repeats: the unbalanced quote is line 414
          expect(byLine[414]).toMatch(/^not a valid CSV row: /)
          expect(rows.every((r) => r.source === path)).toBe(true)
        })), 60_000)

      it.effect("reports readiness: format problems, consent, no duplicates counted from re-imports", () =>
        fresh(Effect.gen(function*() {
          const path = csvFile(`readiness-${dialect.name}.csv`)
          yield* register
          yield* importFile(path)
          yield* importFile(path) // a re-import's duplicates are not counted
          const report = yield* (yield* Readiness).report(SALT, Date.parse("2026-04-01T00:00:00Z"))
          const check = (name: string) => report.checks.find((c) => c.check === name)!
          expect(check("formats")).toMatchObject({ status: "warn" })
          expect(check("formats").message).toContain("10 phones not normalizable")
          expect(check("duplicates").count).toBe(5)
          expect(check("rejected-rows").count).toBe(8)
          expect(check("consent")).toMatchObject({ status: "pass", count: 0 })
          expect(check("exposure-integrity")).toMatchObject({ status: "pass", count: 0 })
          expect(report.exposure.units["bot"]! + report.exposure.units["control"]!).toBe(100)
        })), 60_000)

      it.effect("flags exposures that disagree with the assignment and units in two variants", () =>
        fresh(Effect.gen(function*() {
          yield* imported(`integrity-${dialect.name}.csv`)
          const path = join(dir, `mismatch-${dialect.name}.jsonl`)
          const unit = "lead-mismatch"
          const wrong = variantOf(unit) === "bot" ? "control" : "bot"
          writeFileSync(path, [
            JSON.stringify({ unit_id: unit, type: "exposure", variant: wrong, ts: "2026-03-02T10:00:00Z" }),
            JSON.stringify({ unit_id: "lead-1000", type: "exposure", variant: variantOf("lead-1000") === "bot" ? "control" : "bot", ts: "2026-03-09T10:00:00Z" }),
            "{not json"
          ].join("\n"))
          const summary = yield* importFile(path)
          expect(summary).toMatchObject({ accepted: 2, rejected: 1 })
          const exposure = yield* (yield* Aggregation).exposures({ pilotId: SALT, asOfMs: Date.parse("2026-04-01T00:00:00Z"), consentRequired: false })
          expect(exposure.assignmentMismatches).toBe(2)
          expect(exposure.multiVariantUnits).toBe(1)
        })), 60_000)

      it.effect("erases a person everywhere in one transaction and logs it without the id", () =>
        fresh(Effect.gen(function*() {
          yield* imported(`erase-${dialect.name}.csv`)
          const database = yield* Database
          const record = yield* (yield* Erasure).erase("lead-1001")
          expect(record.events_deleted).toBe(4)
          expect(JSON.parse(record.pilots)).toEqual([SALT])
          yield* expectNoTrace(database, "lead-1001")
          const again = yield* (yield* Erasure).erase("lead-1001")
          expect(again.events_deleted).toBe(0)
        })), 60_000)

      it.effect("refuses events for a draft pilot and for an unknown pilot", () =>
        fresh(Effect.gen(function*() {
          yield* (yield* PilotRegistry).register([{ source: "draft.json", text: JSON.stringify(minimalPilot("draft-pilot")) }])
          const path = csvFile(`draft-${dialect.name}.csv`)
          const source = yield* eventFileSource(path)
          const draft = yield* Effect.flip((yield* EventImport).run({ pilotId: "draft-pilot", source: path, batches: source.batches }))
          expect(draft.message).toContain(`cannot import events into pilot "draft-pilot": it is draft; start it first`)
          const unknown = yield* Effect.flip((yield* EventImport).run({ pilotId: "nope", source: path, batches: source.batches }))
          expect(unknown._tag).toBe("PilotNotFound")
        })), 60_000)
  })
}

/** No table holds `raw` anywhere in any text column. */
/** No row of any table holds `raw`, in any letter case. */
const expectNoTrace = (database: DatabaseShape, raw: string) =>
  database.use("scanning for a raw id", async (db) => {
    for (const table of ["events", "event_rejects", "erasures", "imports"] as const) {
      const rows = await db.selectFrom(table).selectAll().execute()
      for (const row of rows) expect(JSON.stringify(row).toLowerCase()).not.toContain(raw.toLowerCase())
    }
  })

describe("pseudonymization (SQLite)", () => {
  const keyed = Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["PILOTPROOF_PSEUDONYM_KEY", "test-key-of-the-crm-team"]])))
  layer(services.pipe(Layer.provideMerge(Database.sqlite(":memory:")), Layer.provide(keyed)), { timeout: 60_000 })((it) => {
    it.effect("never stores a raw unit id, phone or e-mail, yet matches people and erases them", () =>
      Effect.gen(function*() {
        yield* register
        const path = csvFile("keyed.csv")
        const summary = yield* importFile(path)
        expect(summary).toMatchObject({ accepted: 400, rejected: 8 })
        const database = yield* Database
        yield* expectNoTrace(database, "lead-1001")
        yield* expectNoTrace(database, "@example.com")
        yield* expectNoTrace(database, "+7912") // the normalized phone
        yield* expectNoTrace(database, "(912)") // the phone as the CRM wrote it
        const units = yield* database.use("units", (db) => db.selectFrom("events").select("unit_id").distinct().execute())
        expect(units.every((u) => /^p_[0-9a-f]{32}$/.test(u.unit_id))).toBe(true)
        const erased = yield* (yield* Erasure).erase("lead-1001")
        expect(erased.events_deleted).toBe(4)
        expect(erased.subject_hash).toMatch(/^[0-9a-f]{32}$/)
        const report = yield* (yield* Readiness).report(SALT, Date.parse("2026-04-01T00:00:00Z"))
        expect(report.exposure.units["bot"]! + report.exposure.units["control"]!).toBe(99)
      }))
  })
})
