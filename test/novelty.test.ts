/**
 * The novelty check end to end, on the fixture test/fixtures/novelty: the support bot of
 * experiments/ with a 14-day window whose lift keeps 60 % of itself each week. The demo command on
 * the fixture decides GO with the fading effect on the decision; `analyze` reports the effect per
 * exposure week, equal to an independent computation from the same simulated events (each lead's
 * first exposure and conversion read from the raw events, cohorts and windows in plain loops, each
 * week compared by `compareProportions`), on SQLite and PostgreSQL; the report's page shows it.
 * The fixture pre-registers the lead's channel as a segment: the primary's effect per channel
 * equals the counts read from the raw events.
 */
import { DAY_MS } from "@pilotproof/domain"
import type { WireEvent } from "@pilotproof/simulator"
import { compareProportions } from "@pilotproof/stats"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { requireBin, runCli } from "./fixtures/Cli.js"
import { DIALECTS } from "./fixtures/Databases.js"
import { simulatedEvents } from "./fixtures/Scenarios.js"

const DIR = fileURLToPath(new URL("./fixtures/novelty", import.meta.url))
const ID = "bot-novelty-check"
const WEEK_MS = 7 * DAY_MS
const WINDOW_MS = 14 * DAY_MS

/** Per exposure week: leads and conversions within 14 days per arm, windows closed by the last exposure. */
const independentWeeks = (events: ReadonlyArray<WireEvent>) => {
  const leads = new Map<string, { first: number; variant: string; won: Array<number> }>()
  for (const e of events) {
    const ts = Date.parse(e.ts)
    if (e.type === "exposure") {
      const l = leads.get(e.unit_id)
      if (l === undefined) leads.set(e.unit_id, { first: ts, variant: e.variant!, won: [] })
      else l.first = Math.min(l.first, ts)
    } else if (e.type === "deal_won") leads.get(e.unit_id)?.won.push(ts)
  }
  const all = [...leads.values()]
  const origin = Math.min(...all.map((l) => l.first))
  const horizon = Math.max(...all.map((l) => l.first))
  const weeks = new Map<number, Record<string, { n: number; conversions: number }>>()
  for (const l of all) {
    if (l.first + WINDOW_MS > horizon) continue
    const week = Math.floor((l.first - origin) / WEEK_MS)
    const arms = weeks.get(week) ?? {}
    const arm = (arms[l.variant] ??= { n: 0, conversions: 0 })
    arm.n++
    if (l.won.some((t) => t >= l.first && t <= l.first + WINDOW_MS)) arm.conversions++
    weeks.set(week, arms)
  }
  return [...weeks.entries()].sort(([a], [b]) => a - b).map(([week, arms]) => ({ week, ...compareProportions(arms["bot"]!, arms["control"]!, 0.05), arms }))
}

/** Per channel (the exposure's attribute): leads and conversions within 14 days per arm, every lead. */
const independentChannels = (events: ReadonlyArray<WireEvent>) => {
  const leads = new Map<string, { first: number; variant: string; channel: string; won: Array<number> }>()
  for (const e of events) {
    const ts = Date.parse(e.ts)
    if (e.type === "exposure") leads.set(e.unit_id, { first: ts, variant: e.variant!, channel: e.attributes["channel"]!, won: [] })
    else if (e.type === "deal_won") leads.get(e.unit_id)?.won.push(ts)
  }
  const out: Record<string, Record<string, { n: number; conversions: number }>> = {}
  for (const l of leads.values()) {
    const arm = ((out[l.channel] ??= {})[l.variant] ??= { n: 0, conversions: 0 })
    arm.n++
    if (l.won.some((t) => t >= l.first && t <= l.first + WINDOW_MS)) arm.conversions++
  }
  return out as Record<string, { control: { n: number; conversions: number }; bot: { n: number; conversions: number } }>
}

interface Week {
  week: number
  control: number
  treatment: number
  estimate: number
  ci: { lower: number; upper: number }
}

describe("the novelty check", () => {
  let dir: string
  beforeAll(() => {
    requireBin()
    dir = mkdtempSync(join(tmpdir(), "pilotproof-novelty-"))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  for (const dialect of DIALECTS) {
    it(`on ${dialect.name}: a fading lift is GO with the novelty warning; the weekly effects equal an independent computation`, async () => {
      const db = await dialect.location(dir)
      try {
        const demo = await runCli(db.url, ["demo", "--no-serve", "--experiments", DIR])
        expect(demo.code, demo.stderr).toBe(0)
        expect(demo.stdout).toMatch(/bot-novelty-check\s+GO\s+GO\s+/)
        expect(demo.stdout).toContain("But the effect fades week by week (novelty: the effect of the units first exposed each week (")
        const asOf = "2026-04-27T00:00:00+03:00"
        const decision = JSON.parse((await runCli(db.url, ["decisions", ID, "--format", "json"])).stdout) as Array<{ record: { decision: { checks: Array<{ name: string; status: string; evidence: string }> } } }>
        expect(decision[0]!.record.decision.checks.find((c) => c.name === "win")).toMatchObject({ status: "warn", evidence: expect.stringContaining("a week, one-sided p = ") })

        const report = JSON.parse((await runCli(db.url, ["analyze", ID, "--as-of", asOf, "--format", "json"])).stdout) as {
          metrics: Array<{ key: string; comparisons: Array<{ novelty?: { weeks: Array<Week>; slope: number; decaying: boolean } }> }>
        }
        const novelty = report.metrics.find((m) => m.key === "converted")!.comparisons[0]!.novelty!
        const events = simulatedEvents(DIR, ID)
        const want = independentWeeks(events)
        expect(novelty.weeks.map((w) => w.week)).toEqual(want.map((w) => w.week))
        novelty.weeks.forEach((w, i) => {
          const ref = want[i]!
          expect([w.control, w.treatment]).toEqual([ref.arms["control"]!.n, ref.arms["bot"]!.n])
          expect(Math.abs(w.estimate - ref.estimate)).toBeLessThan(1e-12)
          expect(Math.abs(w.ci.lower - ref.ci.lower)).toBeLessThan(1e-12)
          expect(Math.abs(w.ci.upper - ref.ci.upper)).toBeLessThan(1e-12)
        })
        expect(novelty.weeks.length).toBeGreaterThanOrEqual(5)
        expect(novelty.decaying).toBe(true)
        expect(novelty.slope).toBeLessThan(0)
        // only the primary carries the check
        expect(report.metrics.filter((m) => m.comparisons.some((c) => c.novelty !== undefined)).map((m) => m.key)).toEqual(["converted"])

        // the pre-registered segment: the primary by channel, each value's leads and effect as counted from the raw events
        const segments = (JSON.parse((await runCli(db.url, ["analyze", ID, "--as-of", asOf, "--format", "json"])).stdout) as {
          segments: Array<{ attribute: string; values: Array<{ value: string; control: number; treatment: number; estimate: number; pValue: number; adjustedPValue: number }>; heterogeneity: { df: number; pValue: number } }>
        }).segments
        expect(segments.map((g) => g.attribute)).toEqual(["channel"])
        const byChannel = independentChannels(events)
        expect(segments[0]!.values.map((v) => v.value).sort()).toEqual(Object.keys(byChannel).sort())
        for (const v of segments[0]!.values) {
          const want = byChannel[v.value]!
          expect([v.control, v.treatment]).toEqual([want.control.n, want.bot.n])
          expect(Math.abs(v.estimate - (want.bot.conversions / want.bot.n - want.control.conversions / want.control.n))).toBeLessThan(1e-12)
          expect(v.adjustedPValue).toBeGreaterThanOrEqual(v.pValue)
        }
        expect(segments[0]!.heterogeneity.df).toBe(segments[0]!.values.length - 1)
        // the truth has one lift for every channel
        expect(segments[0]!.heterogeneity.pValue).toBeGreaterThan(0.01)

        const out = join(dir, `novelty-${dialect.name}.html`)
        expect((await runCli(db.url, ["report", ID, "--out", out])).code).toBe(0)
        const html = readFileSync(out, "utf8")
        expect(html).toContain("Novelty check: converted, bot vs control")
        expect(html).toContain("The effect among the units first exposed each week fades")
        expect(html).toContain("By channel: converted, bot vs control")
      } finally {
        await db.cleanup()
      }
    }, 180_000)
  }
})
