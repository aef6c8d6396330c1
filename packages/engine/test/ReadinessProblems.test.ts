/**
 * The drill-down of the readiness report on SQLite, PostgreSQL and the ClickHouse event store
 * (the registry in SQLite): each listed check names the events (file and line) or units behind
 * it, and counts exactly what the report counts.
 */
import { describe, expect, it } from "@effect/vitest"
import { assign } from "@pilotproof/assignment"
import { LISTED_CHECKS } from "@pilotproof/domain"
import { EventImport, eventFileSource, PilotRegistry, Readiness } from "@pilotproof/engine"
import { Aggregation, Database } from "@pilotproof/store"
import { Effect, Layer } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { clickHouseTestLayer } from "../../../test/fixtures/ClickHouse.js"
import { DIALECTS } from "../../../test/fixtures/Databases.js"
import { minimalPilot } from "../../../test/fixtures/Definitions.js"

const dir = mkdtempSync(join(tmpdir(), "pilotproof-problems-"))
const ID = "readiness-drill"
const allocation = { salt: ID, variants: [{ key: "control", weight: 50 }, { key: "bot", weight: 50 }] }
const variantOf = (unit: string) => {
  const a = assign(allocation, unit)
  return a._tag === "Assignment" ? a.variant! : "control"
}
const other = (variant: string) => (variant === "bot" ? "control" : "bot")

/**
 * One problem of each kind, at known lines (the header is line 1): u1 and u2 share a phone; u3's
 * phone and u5's e-mail are malformed; u1 won before its exposure; u2 has an event in 2030; u4
 * withdrew consent, u5 and u6 never gave it; u7 was exposed in both variants (the second
 * disagreeing with the assignment); u8 in the wrong one.
 */
const ROWS = [
  "event_id,unit_id,type,variant,value,ts,phone,email",
  ...["u1", "u2", "u3", "u4", "u5", "u6"].map((u) =>
    `x-${u},${u},exposure,${variantOf(u)},,2026-03-02T10:00:00Z,${u === "u1" || u === "u2" ? "+7 912 345-67-89" : u === "u3" ? "8 (912) 345-67-8" : ""},${u === "u5" ? "not-an-email" : ""}`),
  ...["u1", "u2", "u3", "u4", "u7", "u8"].map((u) => `c-${u},${u},consent,,1,2026-03-02T09:00:00Z,,`),
  "w-u4,u4,consent,,0,2026-03-05T09:00:00Z,,",
  `x-u7a,u7,exposure,${variantOf("u7")},,2026-03-02T10:00:00Z,,`,
  `x-u7b,u7,exposure,${other(variantOf("u7"))},,2026-03-03T10:00:00Z,,`,
  `x-u8,u8,exposure,${other(variantOf("u8"))},,2026-03-02T10:00:00Z,,`,
  "won-u1,u1,deal_won,,,2026-03-01T08:00:00Z,,",
  "won-u2,u2,deal_won,,,2030-01-01T00:00:00Z,,"
]
const line = (eventId: string) => ROWS.findIndex((r) => r.startsWith(`${eventId},`)) + 1

const services = Layer.mergeAll(PilotRegistry.Default, EventImport.Default, Readiness.Default, Aggregation.Default)
const AS_OF = Date.parse("2026-04-01T00:00:00Z")

const STORES = [
  ...DIALECTS.map((d) => ({ name: d.name, layer: d.layer })),
  { name: "clickhouse", layer: () => Layer.merge(Database.sqlite(":memory:"), clickHouseTestLayer()) }
]

for (const store of STORES) {
  describe(`readiness drill-down on ${store.name}`, () => {
    const fresh = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof services> | Database>) =>
      Effect.provide(effect, services.pipe(Layer.provideMerge(store.layer())))

    // live: "the future" is the real clock's
    it.live("lists the events and units behind each check, as many as the report counts", () =>
      fresh(Effect.gen(function*() {
        const registry = yield* PilotRegistry
        yield* registry.register([{ source: "pilot.json", text: JSON.stringify(minimalPilot(ID)) }])
        yield* registry.start(ID)
        const path = join(dir, `drill-${store.name}.csv`)
        writeFileSync(path, ROWS.join("\n") + "\n")
        const source = yield* eventFileSource(path)
        const summary = yield* (yield* EventImport).run({ pilotId: ID, source: "drill.csv", batches: source.batches })
        expect(summary).toMatchObject({ accepted: ROWS.length - 1, rejected: 0 })

        const readiness = yield* Readiness
        const report = yield* readiness.report(ID, AS_OF)
        const listed = Object.fromEntries(yield* Effect.forEach(LISTED_CHECKS, (check) =>
          Effect.map(readiness.problems(ID, check, { asOfMs: AS_OF }), (p) => [check, p] as const)))
        for (const check of LISTED_CHECKS) {
          expect(listed[check]!.total, check).toBe(report.checks.find((c) => c.check === check)!.count)
          expect(listed[check]!.problems, check).toHaveLength(listed[check]!.total)
        }

        const where = (check: (typeof LISTED_CHECKS)[number]) => listed[check]!.problems.map((p) => [p.source, p.line, p.unit, p.detail])
        expect(where("same-person-two-ids")).toEqual([[undefined, undefined, undefined, "phone +79123456789 under 2 unit ids: u1, u2"]])
        expect(where("formats")).toEqual([
          ["drill.csv", line("x-u3"), "u3", "phone not normalizable to E.164"],
          ["drill.csv", line("x-u5"), "u5", "malformed e-mail"]
        ])
        expect(where("outcome-before-exposure")).toEqual([
          ["drill.csv", line("won-u1"), "u1", "deal_won at 2026-03-01T08:00:00.000Z, before the unit's first exposure at 2026-03-02T10:00:00.000Z"]
        ])
        expect(listed["future-timestamps"]!.problems.map((p) => [p.line, p.unit, p.ts])).toEqual([[line("won-u2"), "u2", "2030-01-01T00:00:00.000Z"]])
        expect(listed["consent"]!.problems.map((p) => p.unit)).toEqual(["u4", "u5", "u6"])
        expect(where("exposure-integrity")).toEqual([
          [undefined, undefined, "u7", "seen in 2 variants (bot and control): left out of the analysis"],
          ["drill.csv", line("x-u7b"), "u7", `exposed as ${other(variantOf("u7"))}, but the assignment gives ${variantOf("u7")}`],
          ["drill.csv", line("x-u8"), "u8", `exposed as ${other(variantOf("u8"))}, but the assignment gives ${variantOf("u8")}`]
        ])

        // a limit lists the first problems and still counts them all
        const first = yield* readiness.problems(ID, "consent", { asOfMs: AS_OF, limit: 2 })
        expect([first.total, first.limit, first.problems.map((p) => p.unit)]).toEqual([3, 2, ["u4", "u5"]])
        // as of before the withdrawal, u4 still consents; as of before u7's second exposure, it is one variant's
        const earlier = Date.parse("2026-03-02T12:00:00Z")
        expect((yield* readiness.problems(ID, "consent", { asOfMs: earlier })).problems.map((p) => p.unit)).toEqual(["u5", "u6"])
        expect((yield* readiness.problems(ID, "exposure-integrity", { asOfMs: earlier })).problems.map((p) => p.unit)).toEqual(["u8"]) // u7's second exposure is later
      })), 60_000)
  })
}
