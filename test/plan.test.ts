/**
 * Planning before registration, from the CLI (`pilotproof plan`) and the API (`POST /api/plan`),
 * on the pilot files in experiments/. The figures are the reference values of
 * packages/stats/test/fixtures/plan_power.json (statsmodels NormalIndPower and the scipy mSPRT
 * generator): the bot pilot's 4 918 fixed-horizon and 9 530 sequential units per arm, its power
 * 0.76900 sequential at 9 000 per arm by day 60; days are those units over the smallest arm's
 * daily share. The plan's units per arm are the ones readiness checks.
 */
import { Tokens } from "@pilotproof/engine"
import { sequentialSampleSize } from "@pilotproof/stats"
import { start } from "@pilotproof/server"
import { Context, Effect, Exit, Scope } from "effect"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { requireBin, runCli } from "./fixtures/Cli.js"
import { EXPERIMENTS_DIR } from "./fixtures/Definitions.js"

const BOT = join(EXPERIMENTS_DIR, "support-bot-lead-qualification.yaml")
const ASSISTANT = join(EXPERIMENTS_DIR, "reply-drafting-assistant.yaml")

interface Plan {
  perArm: { planned: number; fixed?: number; sequential?: number; sequentialInflation?: number }
  traffic: { perDay: number; source: string; smallestArmShare: number }
  days: { needed: number | string; planned: number; fits: boolean; maxDays: number }
  atMaxDays: { days: number; perArm: number; power: number; mdeRelative: number; sequentialPower?: number; sequentialMdeRelative?: number }
  notes: Array<string>
}

describe("planning a pilot before it is registered", () => {
  let dir: string
  beforeAll(() => {
    requireBin()
    dir = mkdtempSync(join(tmpdir(), "pilotproof-plan-"))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("pilotproof plan: units, days, MDE and power for a sequential binomial pilot at its volume", async () => {
    const r = await runCli(join(dir, "unused.db"), ["plan", BOT, "--format", "json"])
    expect(r.code, r.stderr).toBe(0)
    const plan = JSON.parse(r.stdout) as Plan
    expect(plan.perArm).toMatchObject({ planned: 4918, fixed: 4918, sequential: 9530 })
    expect(plan.perArm.sequentialInflation).toBeCloseTo(9530 / 4918, 12)
    // 9 000 units a month ÷ 30 = 300 a day, half of them per arm: ⌈9 530 / 150⌉
    expect(plan.traffic).toEqual({ perDay: 300, source: "economics.volume", holdout: 0, smallestArmShare: 0.5 })
    expect(plan.days).toMatchObject({ needed: 64, planned: 60, fits: false, maxDays: 60 })
    expect(plan.atMaxDays.perArm).toBe(9000)
    expect(plan.atMaxDays.sequentialPower!).toBeCloseTo(0.7689957975358157, 10)
    expect(plan.notes[0]).toMatch(/^9530 units per arm take 64 days at 300 units a day; maxDays is 60: by day 60 the MDE reachable is 20\.6% \(the plan asks 20\.0%\)/)
    // and nothing was written: plan reads the file only
    expect(() => readFileSync(join(dir, "unused.db"))).toThrow()
  })

  it("pilotproof plan --per-day: a fixed-horizon duration pilot at a stated traffic, as a table", async () => {
    const json = await runCli(undefined, ["plan", ASSISTANT, "--per-day", "40", "--format", "json"])
    const plan = JSON.parse(json.stdout) as Plan
    expect(plan.perArm.planned).toBe(649)
    expect(plan.days).toMatchObject({ needed: 33, planned: 33, fits: true }) // ⌈649 / 20⌉
    expect(plan.atMaxDays).toMatchObject({ days: 42, perArm: 840 })
    const table = await runCli(undefined, ["plan", ASSISTANT, "--per-day", "40"])
    expect(table.code).toBe(0)
    expect(table.stdout).toContain("days needed:   33 (minDays 14, maxDays 42): fits")
    expect(table.stdout).toContain("traffic:       40 units a day (--per-day); smallest arm 50.0%")
  })

  it("a one-sided plan (plan.sides: 1) needs the one-sided units: statsmodels' NormalIndPower(alternative='larger')", async () => {
    const oneSided = join(dir, "bot-one-sided.yaml")
    writeFileSync(oneSided, readFileSync(BOT, "utf8").replace("  sequential: true\n", "  sequential: false\n  sides: 1\n"))
    const r = await runCli(undefined, ["plan", oneSided, "--format", "json"])
    expect(r.code, r.stderr).toBe(0)
    // packages/stats/test/fixtures/one_sided.json: 0.08 → 0.096 at α 0.05, power 0.8: n = 3 873.37 → 3 874
    expect((JSON.parse(r.stdout) as Plan & { sides: number })).toMatchObject({ sides: 1, perArm: { planned: 3874, fixed: 3874 } })
    const table = await runCli(undefined, ["plan", oneSided])
    expect(table.stdout).toMatch(/test: +fixed horizon, one-sided α 0\.05, power 0\.8/)
  })

  it("a sequential plan with the asymptotic confidence sequence plans with its width, tuned at twice the planned units", async () => {
    const cs = join(dir, "bot-cs.yaml")
    writeFileSync(cs, readFileSync(BOT, "utf8").replace("  sequential: true\n", "  sequential: true\n  sequentialMethod: asymptotic-cs\n"))
    const r = await runCli(undefined, ["plan", cs, "--format", "json"])
    expect(r.code, r.stderr).toBe(0)
    const plan = JSON.parse(r.stdout) as Plan & { sequentialMethod: string; sequentialTuning: number }
    expect(plan).toMatchObject({ sequentialMethod: "asymptotic-cs", sequentialTuning: 2 * 4918, perArm: { fixed: 4918 } })
    // the smallest n whose last-look power reaches 0.8, by the stats engine's own search
    const vsum = 0.08 * 0.92 + 0.096 * 0.904
    expect(plan.perArm.sequential).toBe(sequentialSampleSize(0.016, vsum, 0.016 ** 2, { alpha: 0.05, power: 0.8, confidenceSequenceTuning: 9836 }))
    expect(plan.perArm.sequential).not.toBe(9530) // mSPRT's
    const table = await runCli(undefined, ["plan", cs])
    expect(table.stdout).toContain("sequential (asymptotic confidence sequence, N* 9836, always-valid, read daily)")
  })

  it("refuses a wrong traffic and an invalid file with what and where, exit 1", async () => {
    const negative = await runCli(undefined, ["plan", ASSISTANT, "--per-day", "0"])
    expect(negative.code).toBe(1)
    expect(negative.stderr).toContain("--per-day: 0 is not a positive number of units a day")
    const broken = join(dir, "broken.yaml")
    writeFileSync(broken, readFileSync(BOT, "utf8").replace(/minDays: \d+/, "minDays: 500"))
    const invalid = await runCli(undefined, ["plan", broken])
    expect(invalid.code).toBe(1)
    expect(invalid.stderr).toMatch(new RegExp(`${broken.replace(/[.]/g, "\\.")}:\\d+:\\d+ plan\\.minDays: plan\\.minDays \\(500\\) exceeds plan\\.maxDays \\(60\\)`))
  })

  it("readiness checks the planned units per arm the planner reports", async () => {
    const db = join(dir, "readiness.db")
    for (const args of [["pilot", "register", BOT], ["pilot", "start", "support-bot-lead-qualification"]]) {
      expect((await runCli(db, args)).code).toBe(0)
    }
    const readiness = JSON.parse((await runCli(db, ["readiness", "support-bot-lead-qualification", "--format", "json"])).stdout) as {
      plannedPerArm: number
    }
    expect(readiness.plannedPerArm).toBe(4918)
  })

  describe("POST /api/plan", () => {
    let scope: Scope.CloseableScope
    let base: string
    let token: string
    beforeAll(async () => {
      scope = Effect.runSync(Scope.make())
      const started = await Effect.runPromise(Scope.extend(start({ location: join(dir, "api.db"), port: 0 }), scope))
      base = started.url
      token = (await Effect.runPromise(Context.get(started.context, Tokens).create("analyst", "analyst"))).token
    })
    afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))
    const plan = (body: string, query = "", type = "text/yaml") =>
      fetch(`${base}/api/plan${query}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": type }, body })

    it("answers what the CLI prints, for any role, and stores nothing", async () => {
      const response = await plan(readFileSync(ASSISTANT, "utf8"), "?perDay=40")
      expect(response.status).toBe(200)
      const cli = JSON.parse((await runCli(undefined, ["plan", ASSISTANT, "--per-day", "40", "--format", "json"])).stdout) as Plan
      expect(await response.json()).toEqual(cli)
      const pilots = await fetch(`${base}/api/pilots`, { headers: { authorization: `Bearer ${token}` } })
      expect(await pilots.json()).toEqual([])
      // the JSON form of a pilot file too
      const json = await plan(JSON.stringify({ source: "assistant.yaml", text: readFileSync(ASSISTANT, "utf8") }), "?perDay=40", "application/json")
      expect(((await json.json()) as Plan).days.needed).toBe(33)
    })

    it("plans a cluster-randomized file: deals and managers per arm, the design effect, the cluster-level t's power", async () => {
      const file = join(EXPERIMENTS_DIR, "manager-morning-assistant.yaml")
      const response = await plan(readFileSync(file, "utf8"))
      expect(response.status).toBe(200)
      const body = (await response.json()) as Plan & { cluster: { unit: string; clustersPerArm: number; designEffect: number } }
      expect(body.perArm.planned).toBe(1763)
      expect(body.cluster).toMatchObject({ unit: "manager", analysisUnit: "deal", clustersPerArm: 18 })
      expect(body).toEqual(JSON.parse((await runCli(undefined, ["plan", file, "--format", "json"])).stdout))
    })

    it("refuses a wrong perDay and an invalid file with 400 and where", async () => {
      const wrong = await plan(readFileSync(ASSISTANT, "utf8"), "?perDay=lots")
      expect(wrong.status).toBe(400)
      expect(await wrong.json()).toMatchObject({ _tag: "InputError", message: expect.stringContaining(`perDay: "lots" is not a positive number of units a day`) })
      const invalid = await plan("id: x\n", "?source=x.yaml")
      expect(invalid.status).toBe(400)
      expect(await invalid.json()).toMatchObject({ _tag: "InvalidPilotDefinition", source: "x.yaml" })
    })
  })
})
