/**
 * Cluster-randomized pilots end to end, on experiments/manager-morning-assistant.yaml (managers
 * assigned, deals analysed): `pilotproof plan`, the demo command on that pilot alone, `analyze` and
 * `readiness` on SQLite and PostgreSQL, and ingest's handling of the cluster field.
 *
 * The analysis is checked against an independent computation: the same scenario simulated here,
 * in process, each deal's outcome and manager read from the raw events, per-manager totals summed
 * in plain loops and compared by `compareClusterRatios` — equal to the engine's SQL-fed figures
 * within 1e-9. The plan's figures are the statsmodels references of
 * packages/stats/test/fixtures/plan_power.json (case 0: 18 managers of 100 deals, ICC 0.03).
 */
import { assign } from "@pilotproof/assignment"
import { DAY_MS } from "@pilotproof/domain"
import { compareClusterRatios, type RatioStats } from "@pilotproof/stats"
import Sqlite from "better-sqlite3"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { requireBin, runCli } from "./fixtures/Cli.js"
import { DIALECTS } from "./fixtures/Databases.js"
import { EXPERIMENTS_DIR as DIR } from "./fixtures/Definitions.js"
import { ratioStatsOf } from "./fixtures/Moments.js"
import { fixtureDefinition, onlyPilot, simulatedEvents } from "./fixtures/Scenarios.js"

const PILOT_FILE = join(DIR, "manager-morning-assistant.yaml")
const ID = "manager-morning-assistant"
const plans = JSON.parse(readFileSync(new URL("../packages/stats/test/fixtures/plan_power.json", import.meta.url), "utf8")) as {
  clusters: Array<{ nIndependent: number; designEffect: number; tPower: number }>
}

const definition = fixtureDefinition(DIR, ID)

/** Per-manager totals of "won within 30 days", per variant, from the raw simulated events. */
const independentWon = () => {
  const deals = new Map<string, { first: number; manager: string; variant: string; won: Array<number> }>()
  for (const e of simulatedEvents(DIR, ID)) {
    const ts = Date.parse(e.ts)
    if (e.type === "exposure") {
      const d = deals.get(e.unit_id)
      if (d === undefined) deals.set(e.unit_id, { first: ts, manager: e.attributes["manager_id"]!, variant: e.variant!, won: [] })
      else d.first = Math.min(d.first, ts)
    } else if (e.type === "deal_won") deals.get(e.unit_id)?.won.push(ts)
  }
  const managers = new Map<string, { variant: string; won: number; deals: number }>()
  for (const d of deals.values()) {
    const m = managers.get(d.manager) ?? { variant: d.variant, won: 0, deals: 0 }
    m.deals++
    if (d.won.some((t) => t >= d.first && t <= d.first + 30 * DAY_MS)) m.won++
    managers.set(d.manager, m)
  }
  const arm = (variant: string): RatioStats =>
    ratioStatsOf([...managers.values()].filter((m) => m.variant === variant).map((m) => ({ x: m.won, y: m.deals })))
  return { treatment: arm("assistant"), control: arm("control"), managers }
}

interface Report {
  cluster?: { unit: string; analysisUnit: string }
  readiness: { srm: { observed: Record<string, number> }; exposure: { clusters?: Record<string, number>; units: Record<string, number> }; checks: Array<{ check: string; status: string; message: string }> }
  metrics: Array<{ key: string; variants: Array<{ variant: string; n: number; clusters?: number }>; comparisons: Array<{ method: string; absolute: { estimate: number; ci: { lower: number; upper: number } }; standardError: number; pValue: number; why: string }> }>
}

describe("cluster-randomized pilots", () => {
  let dir: string
  beforeAll(() => {
    requireBin()
    dir = mkdtempSync(join(tmpdir(), "pilotproof-clusters-"))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("pilotproof plan: deals per arm with the design effect, managers per arm and the cluster-level t's power (statsmodels)", async () => {
    const r = await runCli(undefined, ["plan", PILOT_FILE, "--format", "json"])
    expect(r.code, r.stderr).toBe(0)
    const plan = JSON.parse(r.stdout) as { perArm: { planned: number }; cluster: { designEffect: number; clustersPerArm: number; power: number } }
    const ref = plans.clusters[0]!
    // NormalIndPower's 443.46 → 444 independent deals, × DE 3.97 → 1 762.7 → 1 763
    expect(plan.perArm.planned).toBe(Math.ceil(Math.ceil(ref.nIndependent) * ref.designEffect))
    expect(plan.cluster.designEffect).toBeCloseTo(ref.designEffect, 12)
    expect(plan.cluster.clustersPerArm).toBe(18)
    expect(Math.abs(plan.cluster.power - ref.tPower)).toBeLessThan(1e-9)
    const table = await runCli(undefined, ["plan", PILOT_FILE])
    expect(table.stdout).toMatch(/clusters per arm: 18 managers of 100 deals; design effect 3\.97 \(ICC 0\.03\); power of the cluster-level t there 78\.6%/)
  })

  for (const dialect of DIALECTS) {
    it(`on ${dialect.name}: the demo on the fixture decides GO; every metric on per-manager totals, equal to an independent computation`, async () => {
      const db = await dialect.location(dir)
      try {
        const demo = await runCli(db.url, ["demo", "--no-serve", "--experiments", onlyPilot(DIR, ID, dir)])
        expect(demo.code, demo.stderr).toBe(0)
        expect(demo.stdout).toMatch(/manager-morning-assistant\s+GO\s+GO\s+won \+/)
        const analyze = await runCli(db.url, ["analyze", ID, "--as-of", "2026-05-09T00:00:00+03:00", "--format", "json"])
        expect(analyze.code, analyze.stderr).toBe(0)
        const report = JSON.parse(analyze.stdout) as Report
        expect(report.cluster).toEqual({ unit: "manager", analysisUnit: "deal" })
        for (const m of report.metrics) for (const c of m.comparisons) expect(c.method, m.key).toBe("cluster-t")

        const want = independentWon()
        const won = report.metrics.find((m) => m.key === "won")!
        const got = won.comparisons[0]!
        const ref = compareClusterRatios(want.treatment, want.control)
        expect(Math.abs(got.absolute.estimate - ref.estimate)).toBeLessThan(1e-9)
        expect(Math.abs(got.standardError - ref.standardError!)).toBeLessThan(1e-9)
        expect(Math.abs(got.pValue - ref.pValue)).toBeLessThan(1e-9)
        expect(got.why).toContain(`Student t on ${want.treatment.n + want.control.n - 2} df`)
        expect(won.variants).toEqual(expect.arrayContaining([
          expect.objectContaining({ variant: "control", n: want.control.sumY, clusters: want.control.n }),
          expect.objectContaining({ variant: "assistant", n: want.treatment.sumY, clusters: want.treatment.n })
        ]))
        // the sample ratio is tested on managers (what is assigned), not on their deals
        expect(report.readiness.srm.observed).toEqual({ control: want.control.n, assistant: want.treatment.n })
        expect(report.readiness.exposure.clusters).toEqual({ control: want.control.n, assistant: want.treatment.n })
        const clusters = report.readiness.checks.find((c) => c.check === "clusters")!
        expect(clusters.status).toBe(Math.min(want.control.n, want.treatment.n) < 20 ? "warn" : "pass")
        expect(clusters.message).toContain(`control ${want.control.n} / assistant ${want.treatment.n} managers`)
        const table = await runCli(db.url, ["analyze", ID, "--as-of", "2026-05-09T00:00:00+03:00"])
        expect(table.stdout).toContain(`cluster-randomized by manager: assistant ${want.treatment.n}, control ${want.control.n} managers`)
      } finally {
        await db.cleanup()
      }
    }, 180_000)
  }

  it("ingest: an exposure without its manager is rejected; the manager's assignment is checked; under pseudonymization no manager id is stored; erasing a manager unlinks their deals", async () => {
    const db = join(dir, "ingest.db")
    const key = { PILOTPROOF_PSEUDONYM_KEY: "cluster-test-key" }
    expect((await runCli(db, ["pilot", "register", PILOT_FILE], undefined, key)).code).toBe(0)
    expect((await runCli(db, ["pilot", "start", ID], undefined, key)).code).toBe(0)
    const allocation = { salt: ID, variants: definition.variants.map((v) => ({ key: v.key, weight: v.weight })) }
    const variantOf = (manager: string) => {
      const a = assign(allocation, manager)
      if (a._tag !== "Assignment") throw new Error("allocation")
      return a.variant!
    }
    const other = (v: string) => (v === "control" ? "assistant" : "control")
    const lines = [
      { unit_id: "deal-1", type: "exposure", variant: variantOf("mgr-ann"), ts: "2026-03-02T10:00:00+03:00", manager_id: "mgr-ann" },
      { unit_id: "deal-2", type: "exposure", variant: other(variantOf("mgr-bob")), ts: "2026-03-02T11:00:00+03:00", manager_id: "mgr-bob" },
      { unit_id: "deal-3", type: "exposure", variant: "control", ts: "2026-03-02T12:00:00+03:00" },
      { unit_id: "deal-4", type: "exposure", variant: "control", ts: "2026-03-02T12:30:00+03:00", manager_id: "  " },
      { unit_id: "deal-1", type: "deal_won", ts: "2026-03-05T10:00:00+03:00", manager_id: "mgr-ann" }
    ]
    const file = join(dir, "deals.jsonl")
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n")
    const imported = await runCli(db, ["events", "import", ID, file], undefined, key)
    expect(imported.code, imported.stderr).toBe(0)
    expect(imported.stdout).toContain("5 records — 3 accepted, 0 duplicates, 2 rejected")
    const rejects = await runCli(db, ["events", "rejects", ID, "--format", "json"], undefined, key)
    const reasons = (JSON.parse(rejects.stdout) as { rows: Array<{ line: number; reason: string }> }).rows.map((r) => [r.line, r.reason])
    const missing = `an exposure of cluster-randomized pilot "${ID}" names its manager in the field manager_id, which is missing or empty`
    expect(reasons).toEqual([[3, missing], [4, missing]])
    const readiness = JSON.parse((await runCli(db, ["readiness", ID, "--as-of", "2026-03-10T00:00:00Z", "--format", "json"], undefined, key)).stdout) as Report["readiness"]
    expect(readiness.checks.find((c) => c.check === "exposure-integrity")!.message).toContain("1 exposures disagree with the assignment")
    const expected: Record<string, number> = {}
    for (const v of [variantOf("mgr-ann"), other(variantOf("mgr-bob"))]) expected[v] = (expected[v] ?? 0) + 1
    expect(readiness.exposure.clusters).toEqual(expected)
    // nothing stored names a manager (or a deal) as received
    const sqlite = new Sqlite(db, { readonly: true })
    try {
      const stored = JSON.stringify([
        sqlite.prepare("select * from events").all(),
        sqlite.prepare("select * from event_rejects").all()
      ])
      for (const raw of ["mgr-ann", "mgr-bob", "deal-1", "deal-3"]) expect(stored, raw).not.toContain(raw)
      const clustersStored = sqlite.prepare("select distinct cluster_id from events where type = 'exposure'").all() as Array<{ cluster_id: string }>
      expect(clustersStored).toHaveLength(2)
      for (const c of clustersStored) expect(c.cluster_id).toMatch(/^p_[0-9a-f]{32}$/)
    } finally {
      sqlite.close()
    }
    // a manager is a person: erasing them unlinks their deals (which stay, being the customers')
    const erased = await runCli(db, ["erase", "mgr-ann"], undefined, key)
    expect(erased.code, erased.stderr).toBe(0)
    const after = new Sqlite(db, { readonly: true })
    try {
      const clusters = after.prepare("select distinct cluster_id from events where cluster_id is not null").all()
      expect(clusters).toHaveLength(1)
      expect((after.prepare("select count(*) as n from events where unit_id <> ''").get() as { n: number }).n).toBe(3)
    } finally {
      after.close()
    }
    const without = JSON.parse((await runCli(db, ["readiness", ID, "--as-of", "2026-03-10T00:00:00Z", "--format", "json"], undefined, key)).stdout) as Report["readiness"]
    expect(Object.values(without.exposure.clusters ?? {}).reduce((a, b) => a + b, 0)).toBe(1)
  }, 120_000)
})
