/**
 * Quantile metrics end to end, on the fixture test/fixtures/quantile: the reply-drafting assistant
 * of experiments/ with its handle time also read as the median (secondary) and the p90 (guardrail).
 * The demo command on the fixture, then `analyze`, on SQLite and PostgreSQL: each quantile's
 * comparison equals an independent computation from the same simulated events (each
 * conversation's first assigned → resolved time read from the raw events, in minutes, compared by
 * `compareQuantiles`) within 1e-9, and the interval of the p90 lies within 2 minutes of the
 * scenario's true shift (−5.1 minutes).
 */
import { compareQuantiles } from "@pilotproof/stats"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { requireBin, runCli } from "./fixtures/Cli.js"
import { DIALECTS } from "./fixtures/Databases.js"
import { simulatedEvents } from "./fixtures/Scenarios.js"

const DIR = fileURLToPath(new URL("./fixtures/quantile", import.meta.url))
const ID = "reply-drafting-quantiles"
const AS_OF = "2026-03-30T00:00:00+03:00" // the scenario's end: 9 March + 21 days

/** Each finished conversation's handle minutes per arm, from the raw simulated events, ascending. */
const handleMinutes = () => {
  const units = new Map<string, { variant?: string; start?: number; ends: Array<number> }>()
  const of = (id: string) => units.get(id) ?? (units.set(id, { ends: [] }), units.get(id)!)
  for (const e of simulatedEvents(DIR, ID)) {
    const ts = Date.parse(e.ts)
    const u = of(e.unit_id)
    if (e.type === "exposure") u.variant = e.variant!
    else if (e.type === "conversation_assigned") u.start = Math.min(u.start ?? Infinity, ts)
    else if (e.type === "conversation_resolved") u.ends.push(ts)
  }
  const arms: Record<string, Array<number>> = { control: [], assistant: [] }
  for (const u of units.values()) {
    if (u.variant === undefined || u.start === undefined) continue
    const end = Math.min(...u.ends.filter((t) => t >= u.start!))
    if (Number.isFinite(end)) arms[u.variant]!.push((end - u.start) / 60_000)
  }
  return { control: Float64Array.from(arms["control"]!).sort(), assistant: Float64Array.from(arms["assistant"]!).sort() }
}

interface Comparison {
  method: string
  absolute: { estimate: number; ci: { lower: number; upper: number } }
  standardError: number
  pValue: number
  nonInferiority?: { nonInferior: boolean }
}

describe("quantile metrics", () => {
  let dir: string
  beforeAll(() => {
    requireBin()
    dir = mkdtempSync(join(tmpdir(), "pilotproof-quantile-"))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  for (const dialect of DIALECTS) {
    it(`on ${dialect.name}: the median and the p90 equal an independent computation from the raw events`, async () => {
      const db = await dialect.location(dir)
      try {
        const demo = await runCli(db.url, ["demo", "--no-serve", "--experiments", DIR])
        expect(demo.code, demo.stderr).toBe(0)
        expect(demo.stdout).toMatch(/reply-drafting-quantiles\s+NO_GO\s+NO_GO\s+/) // CSAT falls, as in experiments/
        const analyze = await runCli(db.url, ["analyze", ID, "--as-of", AS_OF, "--format", "json"])
        expect(analyze.code, analyze.stderr).toBe(0)
        const report = JSON.parse(analyze.stdout) as { metrics: Array<{ key: string; type: string; variants: Array<{ variant: string; n: number; mean: number }>; comparisons: Array<Comparison> }> }
        const minutes = handleMinutes()
        for (const [key, q] of [["handle_p50", 0.5], ["handle_p90", 0.9]] as const) {
          const m = report.metrics.find((x) => x.key === key)!
          expect(m.type).toBe("quantile")
          const got = m.comparisons[0]!
          const want = compareQuantiles(minutes.assistant, minutes.control, q)
          expect(got.method).toBe("quantile-difference")
          expect(Math.abs(got.absolute.estimate - want.estimate)).toBeLessThan(1e-9)
          expect(Math.abs(got.standardError - want.standardError!)).toBeLessThan(1e-9)
          expect(Math.abs(got.absolute.ci.lower - want.ci.lower)).toBeLessThan(1e-9)
          expect(Math.abs(got.pValue - want.pValue)).toBeLessThan(1e-12)
          expect(m.variants.map((v) => [v.variant, v.n])).toEqual([["control", minutes.control.length], ["assistant", minutes.assistant.length]])
        }
        // the truth: p90 25.3 → 20.2 minutes, −5.1, well inside the 3-minute margin
        const p90 = report.metrics.find((x) => x.key === "handle_p90")!.comparisons[0]!
        expect(p90.absolute.ci.lower).toBeLessThan(-5.1 + 2)
        expect(p90.absolute.ci.upper).toBeGreaterThan(-5.1 - 2)
        expect(p90.nonInferiority?.nonInferior).toBe(true)
        const table = await runCli(db.url, ["pilot", "show", ID])
        expect(table.stdout).toMatch(/handle_p90\s+guardrail\s+quantile\s+p90 of conversation_assigned → conversation_resolved \(minutes\)/)
      } finally {
        await db.cleanup()
      }
    }, 180_000)
  }
})
