/**
 * Diagnostics end to end on the fixture test/fixtures/diagnostics: an assistant whose drafts are
 * accepted or edited and whose conversations are scored (the control arm in the shadow), written
 * with the diagnostic packs. Generated events imported through the CLI, then `analyze` on SQLite
 * and PostgreSQL: draft acceptance and edit share equal Σ/Σ counted from the raw rows with the
 * delta-method interval of the per-unit moments, the model's AUC, Brier score, reliability and
 * top-decile lift equal the stats functions (checked against scikit-learn in the stats suite) on
 * the pairs read from the raw rows, and the decision never reads a diagnostic.
 */
import { DAY_MS } from "@pilotproof/domain"
import { aucDeLong, brierScore, normalQuantile, ratioEstimate, reliabilityTable, topDecileLift } from "@pilotproof/stats"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { requireBin, runCli } from "./fixtures/Cli.js"
import { DIALECTS } from "./fixtures/Databases.js"
import { EXPERIMENTS_DIR } from "./fixtures/Definitions.js"
import { ratioStatsOf } from "./fixtures/Moments.js"
import { onlyPilot } from "./fixtures/Scenarios.js"
import { DIAGNOSTICS_PILOT_FILE as PILOT_FILE, generateDiagnosticEvents as generate, type Row } from "./fixtures/DiagnosticEvents.js"

const ID = "assistant-and-scoring"
const AS_OF = "2026-06-30T00:00:00Z"

/** A ratio diagnostic per arm from the raw rows: the per-unit moments of numerator and denominator. */
const ratioOf = (rows: ReadonlyArray<Row>, variant: string, num: (r: Row) => number, den: (r: Row) => number) => {
  const units = new Map<string, { x: number; y: number }>()
  const variants = new Map(rows.filter((r) => r.type === "exposure").map((r) => [r.unit, r.variant]))
  for (const r of rows) {
    if (variants.get(r.unit) !== variant) continue
    const acc = units.get(r.unit) ?? { x: 0, y: 0 }
    acc.x += num(r)
    acc.y += den(r)
    units.set(r.unit, acc)
  }
  return ratioStatsOf(units.values())
}

/** Each arm's (first score, won within 30 days) pairs from the raw rows, by unit id. */
const pairsOf = (rows: ReadonlyArray<Row>) => {
  const units = new Map<string, { variant: string; first: number; scores: Array<Row>; won: Array<number> }>()
  for (const r of rows.filter((r) => r.type === "exposure")) units.set(r.unit, { variant: r.variant, first: r.ts, scores: [], won: [] })
  for (const r of rows) {
    const u = units.get(r.unit)!
    if (r.type === "conversation_scored") u.scores.push(r)
    if (r.type === "deal_won") u.won.push(r.ts)
  }
  const out: Record<string, { scores: Array<number>; outcomes: Array<number> }> = { control: { scores: [], outcomes: [] }, assistant: { scores: [], outcomes: [] } }
  for (const id of [...units.keys()].sort()) {
    const u = units.get(id)!
    const inWindow = (ts: number) => ts >= u.first && ts <= u.first + 30 * DAY_MS
    const first = u.scores.filter((s) => inWindow(s.ts)).sort((a, b) => a.ts - b.ts)[0]
    if (first === undefined) continue
    out[u.variant]!.scores.push(first.value!)
    out[u.variant]!.outcomes.push(u.won.some(inWindow) ? 1 : 0)
  }
  return out
}

interface Report {
  diagnostics: Array<{
    key: string
    type: string
    arms: Array<{
      variant: string
      units: number
      estimate?: number
      ci?: { lower: number; upper: number }
      auc?: { estimate: number; ci: { lower: number; upper: number }; standardError: number }
      brier?: number
      topDecileLift?: number
      positives?: number
      reliability?: Array<{ from: number; to: number; units: number; meanPredicted: number; observedRate: number }>
    }>
  }>
}

describe("diagnostics: what the AI did, beside the metrics", () => {
  let dir: string
  let csv: string
  const rows = generate()
  beforeAll(() => {
    requireBin()
    dir = mkdtempSync(join(tmpdir(), "pilotproof-diagnostics-"))
    csv = join(dir, "events.csv")
    writeFileSync(csv, ["event_id,unit_id,type,variant,value,ts", ...rows.map((r, i) => `e${i},${r.unit},${r.type},${r.variant},${r.value ?? ""},${new Date(r.ts).toISOString()}`)].join("\n") + "\n")
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("the demo's bank pilot reports its churn model's quality in both arms, near the scenario's AUC of 0.78", async () => {
    const db = await DIALECTS[0]!.location(dir)
    try {
      const demo = await runCli(db.url, ["demo", "--no-serve", "--experiments", onlyPilot(EXPERIMENTS_DIR, "bank-churn-retention-offers", dir)])
      expect(demo.code, demo.stderr).toBe(0)
      const analyze = await runCli(db.url, ["analyze", "bank-churn-retention-offers", "--format", "json"])
      const quality = (JSON.parse(analyze.stdout) as Report).diagnostics.find((d) => d.key === "model_quality")!
      expect(quality.arms.map((a) => a.variant)).toEqual(["control", "retention_offer"])
      for (const arm of quality.arms) {
        // customers still inside their window at the cut count as negatives: a little below 0.78 at most
        expect(Math.abs(arm.auc!.estimate - 0.78)).toBeLessThan(0.03)
        expect(arm.reliability!.length).toBeGreaterThan(5)
      }
    } finally {
      await db.cleanup()
    }
  }, 120_000)

  for (const dialect of DIALECTS) {
    it(`on ${dialect.name}: acceptance, edit share and the model's quality equal an independent computation from the raw rows`, async () => {
      const db = await dialect.location(dir)
      try {
        const run = (...args: Array<string>) => runCli(db.url, args)
        expect((await run("pilot", "register", PILOT_FILE)).code).toBe(0)
        expect((await run("pilot", "start", ID)).code).toBe(0)
        const imported = await run("events", "import", ID, csv)
        expect(imported.code, imported.stderr).toBe(0)
        const show = await run("pilot", "show", ID)
        expect(show.stdout).toMatch(/model_quality\s+scoring\s+score conversation_scored against deal_won within 30d \(10 bins\)\s+scoring\.quality/)

        const analyze = await run("analyze", ID, "--as-of", AS_OF, "--format", "json")
        expect(analyze.code, analyze.stderr).toBe(0)
        const report = JSON.parse(analyze.stdout) as Report
        const diagnostic = (key: string) => report.diagnostics.find((d) => d.key === key)!
        const z = normalQuantile(0.975)

        for (const [key, num, den] of [
          ["draft_acceptance", (r: Row) => (r.type === "draft_accepted" ? 1 : 0), (r: Row) => (r.type === "draft_shown" ? 1 : 0)],
          ["edit_share", (r: Row) => (r.type === "draft_sent" ? r.value! : 0), (r: Row) => (r.type === "draft_sent" ? 1 : 0)]
        ] as const) {
          const d = diagnostic(key)
          // the control arm has no drafts: only the assistant's arm is reported
          expect(d.arms.map((a) => a.variant)).toEqual(["assistant"])
          const want = ratioEstimate(ratioOf(rows, "assistant", num, den))!
          const arm = d.arms[0]!
          expect(Math.abs(arm.estimate! - want.ratio)).toBeLessThan(1e-12)
          expect(Math.abs(arm.ci!.upper - (want.ratio + z * Math.sqrt(want.variance)))).toBeLessThan(1e-12)
          expect(Math.abs(arm.ci!.lower - (want.ratio - z * Math.sqrt(want.variance)))).toBeLessThan(1e-12)
        }

        const pairs = pairsOf(rows)
        const quality = diagnostic("model_quality")
        expect(quality.arms.map((a) => a.variant)).toEqual(["control", "assistant"])
        for (const arm of quality.arms) {
          const { outcomes, scores } = pairs[arm.variant]!
          const auc = aucDeLong(scores, outcomes)
          expect(arm.units).toBe(scores.length)
          expect(arm.positives).toBe(auc.positives)
          expect(Math.abs(arm.auc!.estimate - auc.auc)).toBeLessThan(1e-12)
          expect(Math.abs(arm.auc!.standardError - auc.standardError)).toBeLessThan(1e-12)
          expect(Math.abs(arm.brier! - brierScore(scores, outcomes))).toBeLessThan(1e-12)
          expect(arm.reliability).toEqual(reliabilityTable(scores, outcomes, 10).map((b) => ({ ...b })))
          // ties at the cut are taken in unit order on both sides
          expect(Math.abs(arm.topDecileLift! - topDecileLift(scores, outcomes).lift)).toBeLessThan(1e-12)
          // the score carries signal: the interval lies above chance
          expect(arm.auc!.ci.lower).toBeGreaterThan(0.5)
        }

        // the decision never reads a diagnostic
        const decide = await run("decide", ID, "--as-of", AS_OF, "--format", "json")
        expect(decide.code, decide.stderr).toBe(0)
        const { evaluation } = JSON.parse(decide.stdout) as { evaluation: { decision: { checks: ReadonlyArray<unknown> } } }
        expect(evaluation.decision.checks.length).toBeGreaterThan(0)
        const decision = JSON.stringify(evaluation.decision)
        for (const key of ["draft_acceptance", "edit_share", "model_quality"]) expect(decision).not.toContain(key)
      } finally {
        await db.cleanup()
      }
    }, 180_000)
  }
})
