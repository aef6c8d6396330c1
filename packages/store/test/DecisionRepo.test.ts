import { describe, expect, it, layer } from "@effect/vitest"
import { AnalysisReport, Evaluation, ReadinessReport, StorageError } from "@pilotproof/domain"
import { Database, DecisionRepo, type NewDecision, PilotRepo } from "@pilotproof/store"
import { Effect, Layer, Schema } from "effect"
import { readFileSync } from "node:fs"
import { DIALECTS } from "../../../test/fixtures/Databases.js"
import { minimalPilot, registerInput } from "../../../test/fixtures/Definitions.js"

/** A small evaluation with an unbounded interval and a NaN statistic, as a degenerate analysis has. */
const evaluation = (pilotId: string) =>
  new Evaluation({
    analysis: new AnalysisReport({
      pilotId,
      name: "A pilot",
      status: "running",
      asOf: "2026-03-01T00:00:00.000Z",
      alpha: 0.05,
      sequential: false,
      control: "control",
      treatments: ["ai"],
      runtime: { days: 0, minDays: 14, maxDays: 60 },
      plannedPerArm: Number.NaN,
      readiness: new ReadinessReport({
        pilotId,
        asOf: "2026-03-01T00:00:00.000Z",
        status: "pass",
        exposure: { units: {}, multiVariantUnits: 0, withoutConsent: 0, assignmentMismatches: 0 },
        plannedPerArm: Number.NaN,
        srm: { pValue: 1, statistic: 0, observed: {}, expectedShare: { control: 0.5, ai: 0.5 } },
        checks: []
      }),
      metrics: [{
        key: "converted",
        name: "converted",
        role: "primary",
        type: "binomial",
        direction: "increase",
        variants: [{ variant: "control", n: 0, mean: 0 }, { variant: "ai", n: 0, mean: 0 }],
        comparisons: [{
          variant: "ai",
          baseline: { variant: "control", value: 0 },
          absolute: { estimate: 0, ci: { lower: -Infinity, upper: Infinity } },
          relative: { estimate: 0, ci: { lower: -Infinity, upper: Infinity }, method: "delta" },
          pValue: 1,
          method: "fisher-exact",
          why: "an expected cell count is below 5: Fisher's exact test, Newcombe interval",
          standardError: Number.NaN,
          probabilityToBeat: 0.5,
          degenerate: "too-few-units"
        }]
      }]
    }),
    economics: [{ _tag: "NotEvaluated", variant: "ai", reason: "no usable estimate" }],
    decision: { verdict: "EXTEND", reason: "too early", decidedBy: "runtime", checks: [{ name: "runtime", status: "fail", evidence: "0 of 14 days" }], perVariant: [] }
  })

const decision = (pilotId: string): NewDecision => ({
  pilot_id: pilotId,
  decided_at: "2026-03-01T00:00:00.000Z",
  as_of: "2026-03-01T00:00:00.000Z",
  design_hash: "abc",
  computed_verdict: "EXTEND",
  verdict: "EXTEND",
  reason: "too early",
  actor: "test",
  override_verdict: null,
  override_reason: null,
  override_by: null,
  snapshot_id: null,
  evaluation: evaluation(pilotId)
})

/** The pilot a record belongs to (decisions reference their pilot). */
const registered = (pilotId: string) => Effect.flatMap(PilotRepo, (pilots) => pilots.register([registerInput(minimalPilot(pilotId))]))

for (const dialect of DIALECTS) {
  describe(`DecisionRepo on ${dialect.name}`, () => {
    layer(Layer.mergeAll(DecisionRepo.Default, PilotRepo.Default).pipe(Layer.provideMerge(dialect.layer())))((it) => {
      it.effect("stores the evaluation as versioned JSON with non-finite numbers spelled out, and reads it back equal", () =>
        Effect.gen(function*() {
          const repo = yield* DecisionRepo
          yield* registered("stored")
          const appended = yield* repo.append(decision("stored"))
          expect(appended.seq).toBe(1)
          const [read] = yield* repo.history("stored")
          expect(read!.record).toEqual(evaluation("stored"))
          // the latest record alone, without reading the history
          expect(yield* repo.latest("nobody")).toBeUndefined()
          yield* repo.append({ ...decision("stored"), actor: "second" })
          expect(yield* repo.latest("stored")).toMatchObject({ seq: 2, actor: "second" })
          expect(read!.record.analysis.metrics[0]!.comparisons[0]!.absolute.ci).toEqual({ lower: -Infinity, upper: Infinity })
          const database = yield* Database
          const row = yield* database.use("reading the raw record", (db) =>
            db.selectFrom("decisions").select("record").where("pilot_id", "=", "stored").where("seq", "=", 1).executeTakeFirstOrThrow())
          const raw = JSON.parse(row.record) as { schemaVersion: number }
          expect(raw.schemaVersion).toBe(2)
          expect(row.record).toContain(`"lower":"-Infinity"`)
          expect(row.record).toContain(`"standardError":"NaN"`)
        }))

      it.effect("reads a record stored before schema version 2 (the evaluation itself, non-finite as null)", () =>
        Effect.gen(function*() {
          const repo = yield* DecisionRepo
          yield* registered("legacy")
          yield* repo.append(decision("legacy"))
          const database = yield* Database
          // what JSON.stringify(evaluation) wrote before: nulls where numbers were not finite
          const legacy = JSON.stringify(Schema.encodeSync(Evaluation)(evaluation("legacy")), (_k, v) => (v === "Infinity" || v === "-Infinity" || v === "NaN" ? null : v))
          yield* database.use("writing a legacy record", (db) => db.updateTable("decisions").set({ record: legacy }).where("pilot_id", "=", "legacy").execute())
          const [read] = yield* repo.history("legacy")
          const c = read!.record.analysis.metrics[0]!.comparisons[0]!
          expect(c.absolute.ci).toEqual({ lower: -Infinity, upper: Infinity })
          expect(c.standardError).toBeNaN()
        }))

      it.effect("reads a record exactly as the engine wrote it before schema version 2 (fixtures/decision-record-v1.json)", () =>
        Effect.gen(function*() {
          // written by commit 1cc976d's `pilotproof demo` (JSON.stringify of the evaluation)
          const text = readFileSync(new URL("./fixtures/decision-record-v1.json", import.meta.url), "utf8")
          const pilot = "personalized-offers-returning"
          const repo = yield* DecisionRepo
          yield* registered(pilot)
          yield* repo.append({ ...decision(pilot), computed_verdict: "NO_GO", verdict: "NO_GO" })
          const database = yield* Database
          yield* database.use("writing a version-1 record", (db) => db.updateTable("decisions").set({ record: text }).where("pilot_id", "=", pilot).execute())
          const [read] = yield* repo.history(pilot)
          expect(read!.record.decision.verdict).toBe("NO_GO")
          // nothing the old engine wrote is dropped or changed by decoding it
          expect(Schema.encodeSync(Evaluation)(read!.record)).toEqual(JSON.parse(text))
        }))

      it.effect("a record that does not decode is a StorageError naming the pilot and the record number", () =>
        Effect.gen(function*() {
          const repo = yield* DecisionRepo
          yield* registered("broken")
          yield* repo.append(decision("broken"))
          yield* repo.append(decision("broken"))
          const database = yield* Database
          yield* database.use("corrupting a record", (db) =>
            db.updateTable("decisions").set({ record: `{"schemaVersion":2,"evaluation":{"analysis":{}}}` }).where("pilot_id", "=", "broken").where("seq", "=", 2).execute())
          const error = yield* Effect.flip(repo.history("broken"))
          expect(error).toBeInstanceOf(StorageError)
          expect(error.message).toMatch(/^storage failed while reading decisions of "broken": decision record 2 does not decode: /)
        }))
    })
  })
}
