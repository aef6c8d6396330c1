/**
 * End to end on generated data with known truth: each scenario is simulated, imported,
 * analysed and decided through the real services, on SQLite and PostgreSQL.
 *
 * Pilot: conversion 10% baseline, MDE +30% relative → 1 772 units per arm (α 0.05, power 0.8);
 * 100 leads a day; a complaint guardrail with a 1 pp margin; 1 000 per extra conversion at
 * 5 000 leads a month.
 */
import { describe, expect, it } from "@effect/vitest"
import { Decisions, PilotRegistry, Simulation } from "@pilotproof/engine"
import { Effect, Layer, TestClock } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { stringify } from "yaml"
import { DIALECTS } from "./fixtures/Databases.js"
import { minimalPilot } from "./fixtures/Definitions.js"

const dir = mkdtempSync(join(tmpdir(), "pilotproof-decisions-"))
/** Readiness flags events after "now"; the test clock starts at 1970, so set it to today. */
const today = TestClock.setTime(Date.parse("2026-11-21T00:00:00Z"))
const START = "2026-03-02T00:00:00+03:00"
const DAY = 86_400_000

interface Case {
  readonly id: string
  readonly verdict: "GO" | "NO_GO" | "EXTEND" | "ITERATE"
  readonly decidedBy: string
  readonly days?: number
  readonly lift?: number
  readonly complaintLift?: number
  readonly split?: Readonly<Record<string, number>>
  readonly costs?: ReadonlyArray<Record<string, unknown>>
}

const CHEAP = [{ item: "Integration", category: "integration", oneTime: 100_000 }, { item: "License", category: "license", monthly: 10_000 }]

const CASES: ReadonlyArray<Case> = [
  { id: "e2e-go", verdict: "GO", decidedBy: "economics", lift: 0.5 },
  // +5 pp × 5 000 × 1 000 = 250 000 a month of benefit against 5 000 × 60 × 1.15 = 345 000 of usage.
  { id: "e2e-does-not-pay", verdict: "ITERATE", decidedBy: "economics", lift: 0.5, costs: [...CHEAP, { item: "LLM usage", category: "usage", perUnit: 60 }] },
  // No effect; break-even ≈ +4.7 pp (230 000 a month of costs), far above the upper bound (≈ +1.9 pp).
  { id: "e2e-no-effect", verdict: "NO_GO", decidedBy: "no-effect", lift: 0, costs: [{ item: "Platform", category: "license", monthly: 200_000 }] },
  // Complaints 1% → 5% against a 1 pp margin.
  { id: "e2e-guardrail", verdict: "NO_GO", decidedBy: "harm", lift: 0.5, complaintLift: 4 },
  { id: "e2e-broken-split", verdict: "ITERATE", decidedBy: "data-validity", lift: 0.5, split: { control: 55, bot: 45 } },
  { id: "e2e-too-early", verdict: "EXTEND", decidedBy: "runtime", lift: 0.5, days: 3 }
]

const pilotOf = (c: Case) => {
  const base = minimalPilot(c.id)
  return {
    ...base,
    plan: { mde: 0.3, baseline: 0.1, minDays: 14, maxDays: 60 },
    economics: { ...base.economics, volume: { unitsPerMonth: 5000 }, value: { converted: 1000 }, costs: c.costs ?? CHEAP },
    readiness: { consent: "not-required", dataOwner: "CRM team" }
  }
}

const scenarioOf = (c: Case) => ({
  pilot: c.id,
  seed: 7,
  start: START,
  days: c.days ?? 45,
  unitsPerDay: 100,
  consentRate: 1,
  metrics: {
    converted: { type: "binomial", rate: 0.1, lift: { bot: c.lift ?? 0 }, delay: { meanDays: 1 } },
    complaint: { type: "binomial", rate: 0.01, lift: { bot: c.complaintLift ?? 0 }, delay: { meanDays: 1 } }
  },
  ...(c.split === undefined ? {} : { defects: { split: c.split } }),
  expect: { verdict: c.verdict, why: "test case" }
})

const services = Layer.mergeAll(PilotRegistry.Default, Simulation.Default, Decisions.Default)

/** Registers, starts, simulates and decides one case: its first decision record. */
const decideCase = (c: Case, dialect: string) =>
  Effect.gen(function*() {
    yield* today
    const registry = yield* PilotRegistry
    yield* registry.register([{ source: `${c.id}.json`, text: JSON.stringify(pilotOf(c)) }])
    yield* registry.start(c.id)
    const scenarioPath = join(dir, `${c.id}-${dialect}.yaml`)
    const scenario = scenarioOf(c)
    writeFileSync(scenarioPath, stringify(scenario))
    const imported = yield* (yield* Simulation).intoPilot(scenarioPath)
    expect(imported.rejected).toBe(0)
    const asOfMs = Date.parse(START) + scenario.days * DAY
    return yield* (yield* Decisions).record(c.id, { asOfMs, actor: "test" })
  })

const caseOf = (id: string) => CASES.find((c) => c.id === id)!

for (const dialect of DIALECTS) {
  describe(`decisions on generated data (${dialect.name})`, () => {
    /** Every test on a database of its own, so none depends on another's records. */
    const fresh = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof services>>) =>
      Effect.provide(effect, services.pipe(Layer.provideMerge(dialect.layer())))

      for (const c of CASES) {
        it.effect(`${c.id} → ${c.verdict} (${c.decidedBy})`, () =>
          fresh(Effect.gen(function*() {
            const { evaluation, recorded: row } = yield* decideCase(c, dialect.name)
            const decision = evaluation.decision
            expect(decision.verdict, decision.reason).toBe(c.verdict)
            expect(decision.decidedBy).toBe(c.decidedBy)
            expect(row).toMatchObject({ seq: 1, computed_verdict: c.verdict, verdict: c.verdict, actor: "test", override_verdict: null })
            expect(decision.checks.map((k) => k.name)).toEqual(["data-validity", "runtime", "harm", "win", "guardrails", "economics", "no-effect"])
          })), 120_000)
      }

      it.effect("records an override beside the computed verdict and keeps the history append-only", () =>
        fresh(Effect.gen(function*() {
          yield* decideCase(caseOf("e2e-does-not-pay"), dialect.name)
          const decisions = yield* Decisions
          const { overrideWarning, recorded: row } = yield* decisions.record("e2e-does-not-pay", {
            asOfMs: Date.parse(START) + 45 * DAY,
            actor: "cfo",
            override: { verdict: "GO", reason: "strategic: the channel matters more than its margin", by: "cfo" }
          })
          expect(row).toMatchObject({ seq: 2, computed_verdict: "ITERATE", verdict: "GO", override_verdict: "GO", override_by: "cfo" })
          expect(overrideWarning).toMatch(/^Overriding ITERATE to GO scales the pilot although .+; record who decided and why\.$/)
          const history = yield* decisions.history("e2e-does-not-pay")
          expect(history.map((h) => [h.seq, h.computed_verdict, h.verdict])).toEqual([[1, "ITERATE", "ITERATE"], [2, "ITERATE", "GO"]])
        })), 120_000)

      it.effect("tracks actuals against the GO forecast and flags a month below its 5th percentile", () =>
        fresh(Effect.gen(function*() {
          yield* decideCase(caseOf("e2e-go"), dialect.name)
          const decisions = yield* Decisions
          const before = yield* decisions.roi("e2e-go")
          expect(before.note).toContain("no actuals yet")
          yield* decisions.recordActuals("e2e-go", [
            { month: "2026-06", cost: 150_000, benefit: 240_000 },
            { month: "2026-07", cost: 20_000, benefit: 250_000 },
            { month: "2026-08", cost: 20_000, benefit: 0 }
          ], "test")
          const bad = yield* Effect.flip(decisions.recordActuals("e2e-go", [{ month: "2026-13", cost: -1, benefit: 0 }], "bad.csv"))
          expect(bad.message).toContain(`month "2026-13" is not YYYY-MM`)
          const roi = yield* decisions.roi("e2e-go")
          expect(roi.decision?.verdict).toBe("GO")
          expect(roi.comparison?.ok).toBe(true)
          if (roi.comparison?.ok) {
            expect(roi.comparison.rows.map((r) => Math.round(r.cumulative))).toEqual([90_000, 320_000, 300_000])
            expect(roi.comparison.monthsBelowForecastP5).toContain(3)
          }
        })), 120_000)
  })
}
