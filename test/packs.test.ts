/**
 * A pilot written with metric packs, end to end on the fixture test/fixtures/packs: the bot pack's
 * containment (resolved by the bot, no handoff, no recontact within 7 days) as the primary. The
 * demo command on the fixture, then `pilot show` and `analyze`, on SQLite and PostgreSQL: the
 * expanded metrics are shown with their pack, each arm's containment equals an independent count
 * over the same simulated events, and the effect's interval holds the scenario's truth
 * (0.2869 → 0.374, from resolved × not handed off × not back; the simulator's `trueEffects`).
 */
import { DAY_MS } from "@pilotproof/domain"
import { decodeScenario, planSimulation, trueEffects } from "@pilotproof/simulator"
import { Either } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { requireBin, runCli } from "./fixtures/Cli.js"
import { DIALECTS } from "./fixtures/Databases.js"
import { fixtureDefinition, simulatedEvents } from "./fixtures/Scenarios.js"

const DIR = fileURLToPath(new URL("./fixtures/packs", import.meta.url))
const ID = "support-bot-packs"
// the scenario's 21 days from 6 April, and a week more: every conversation's window has closed
const AS_OF = "2026-05-04T00:00:00+03:00"

/** Each arm's contained conversations and conversations, counted from the raw simulated events. */
const containment = () => {
  const units = new Map<string, { variant?: string; first?: number; resolved: Array<number>; cancels: Array<number> }>()
  const of = (id: string) => units.get(id) ?? (units.set(id, { resolved: [], cancels: [] }), units.get(id)!)
  const cut = Date.parse(AS_OF)
  for (const e of simulatedEvents(DIR, ID)) {
    const ts = Date.parse(e.ts)
    if (ts > cut) continue
    const u = of(e.unit_id)
    if (e.type === "exposure") {
      u.variant = e.variant!
      u.first = Math.min(u.first ?? Infinity, ts)
    } else if (e.type === "bot_resolved") u.resolved.push(ts)
    else if (e.type === "handoff" || e.type === "recontact") u.cancels.push(ts)
  }
  const arms: Record<string, { n: number; contained: number }> = { control: { n: 0, contained: 0 }, bot: { n: 0, contained: 0 } }
  for (const u of units.values()) {
    if (u.variant === undefined) continue
    const inWindow = (t: number) => t >= u.first! && t <= u.first! + 7 * DAY_MS
    arms[u.variant]!.n++
    if (u.resolved.some(inWindow) && !u.cancels.some(inWindow)) arms[u.variant]!.contained++
  }
  return arms
}

describe("a pilot written with metric packs", () => {
  let dir: string
  beforeAll(() => {
    requireBin()
    dir = mkdtempSync(join(tmpdir(), "pilotproof-packs-"))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("the truth the scenario states is what the simulator's trueEffects computes", () => {
    const scenario = Either.getOrThrow(decodeScenario(parse(readFileSync(join(DIR, "scenarios", `${ID}.yaml`), "utf8"))))
    const truth = trueEffects(fixtureDefinition(DIR, ID), scenario)["contained"]!
    expect(truth.control).toBeCloseTo(0.45 * 0.75 * 0.85, 9)
    expect(truth.treatments["bot"]!.value).toBeCloseTo(0.55 * 0.8 * 0.85, 6)
  })

  it("a cancelling event whose truth reaches past the conversion's window is refused, not silently miscounted", () => {
    const scenario = Either.getOrThrow(decodeScenario(parse(readFileSync(join(DIR, "scenarios", `${ID}.yaml`), "utf8"))))
    const definition = fixtureDefinition(DIR, ID)
    // containment within 3 days, while handoffs and recontacts are drawn over their metrics' 7
    const shorter = { ...definition, metrics: definition.metrics.map((m) => (m.key === "contained" ? { ...m, window: { days: 3 } } : m)) }
    const planned = planSimulation(shorter, scenario)
    expect(Either.isLeft(planned)).toBe(true)
    const messages = Either.isLeft(planned) ? planned.left.issues.map((i) => `${i.path}: ${i.message}`) : []
    expect(messages).toEqual([
      `metrics.handoff: "handoff" cancels "contained" within 3 days, but its truth draws it up to 7 days after exposure: give its metric the same window`,
      `metrics.recontacted: "recontact" cancels "contained" within 3 days, but its truth draws it up to 7 days after exposure: give its metric the same window`
    ])
  })

  for (const dialect of DIALECTS) {
    it(`on ${dialect.name}: shows the expanded metrics with their pack, and containment equals an independent count`, async () => {
      const db = await dialect.location(dir)
      try {
        const demo = await runCli(db.url, ["demo", "--no-serve", "--experiments", DIR])
        expect(demo.code, demo.stderr).toBe(0)
        expect(demo.stdout).toMatch(/support-bot-packs\s+GO\s+GO\s+contained /)
        const show = await runCli(db.url, ["pilot", "show", ID])
        expect(show.stdout).toMatch(/contained\s+primary\s+binomial\s+bot_resolved unless handoff, recontact within 7d\s+increase\s+bot\.containment/)
        expect(show.stdout).toMatch(/complaint\s+guardrail\s+binomial\s+complaint within 30d\s+decrease\s+0\.01\s+bot\.complaints/)
        expect(show.stdout).toMatch(/first_reply_minutes\s+secondary\s+duration\s+conversation_started → first_reply \(minutes\)\s+decrease\s+bot\.first-reply/)

        const analyze = await runCli(db.url, ["analyze", ID, "--as-of", AS_OF, "--format", "json"])
        expect(analyze.code, analyze.stderr).toBe(0)
        const report = JSON.parse(analyze.stdout) as {
          metrics: Array<{ key: string; variants: Array<{ variant: string; n: number; mean: number }>; comparisons: Array<{ absolute: { estimate: number; ci: { lower: number; upper: number } } }> }>
        }
        const contained = report.metrics.find((m) => m.key === "contained")!
        const counted = containment()
        for (const v of contained.variants) {
          expect(v.n).toBe(counted[v.variant]!.n)
          expect(Math.abs(v.mean - counted[v.variant]!.contained / counted[v.variant]!.n)).toBeLessThan(1e-12)
        }
        // handoffs and recontacts cancel about 36% of the bot's resolutions: containment is well below resolution
        const { ci } = contained.comparisons[0]!.absolute
        const truth = 0.55 * 0.8 * 0.85 - 0.45 * 0.75 * 0.85
        expect(ci.lower).toBeLessThan(truth)
        expect(ci.upper).toBeGreaterThan(truth)
      } finally {
        await db.cleanup()
      }
    }, 180_000)
  }
})
