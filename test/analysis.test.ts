/**
 * The analysis JSON of a data set against p-values and intervals computed independently by
 * scipy on the raw events (test/fixtures/analysis/generate.py), on SQLite and PostgreSQL.
 * Tolerances: 1e-9 relative for the closed forms (z-test, Welch), 1e-6 for the values whose
 * distributions are iterative (Student t quantiles in the Welch interval). The same events are
 * read again by a one-sided copy of the pilot (`plan.sides: 1`) against scipy's one-sided tests.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import type { AnalysisReport } from "@pilotproof/domain"
import { Analysis, EventImport, eventFileSource, PilotRegistry } from "@pilotproof/engine"
import { Effect, Layer } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { requireBin, runCli } from "./fixtures/Cli.js"
import { DIALECTS } from "./fixtures/Databases.js"

const dir = fileURLToPath(new URL("./fixtures/analysis/", import.meta.url))
const pilot = readFileSync(`${dir}pilot.json`, "utf8")
interface Expected {
  readonly n: [number, number]
  readonly means: [number, number]
  readonly estimate: number
  readonly pValue: number
  readonly ci: [number, number]
  readonly mannWhitneyP?: number
  readonly open?: [number, number]
}
const pilotOneSided = readFileSync(`${dir}pilot-one-sided.json`, "utf8")
const expected = JSON.parse(readFileSync(`${dir}expected.json`, "utf8")) as {
  asOf: string
  metrics: Record<string, Expected>
  /** The one-sided copy: one-sided p on each metric's good side, 90 % intervals. */
  metricsOneSided: Record<string, Expected>
}

const close = (actual: number, want: number, relative: number) =>
  expect(Math.abs(actual - want)).toBeLessThanOrEqual(relative * Math.max(Math.abs(want), 1e-300))

/** Every metric of `report` against scipy's figures. */
const matches = (report: AnalysisReport, wanted: Record<string, Expected>) => {
  for (const [key, want] of Object.entries(wanted)) {
    const metric = report.metrics.find((m) => m.key === key)!
    const [control, treatment] = metric.variants
    expect([control!.n, treatment!.n], key).toEqual(want.n)
    close(control!.mean, want.means[0], 1e-9)
    close(treatment!.mean, want.means[1], 1e-9)
    const c = metric.comparisons[0]!
    expect(c.baseline).toEqual({ variant: "control", value: control!.mean })
    close(c.absolute.estimate, want.estimate, 1e-9)
    close(c.pValue, want.pValue, key === "converted" ? 1e-9 : 1e-6)
    close(c.absolute.ci.lower, want.ci[0], key === "converted" ? 1e-9 : 1e-6)
    close(c.absolute.ci.upper, want.ci[1], key === "converted" ? 1e-9 : 1e-6)
    if (want.mannWhitneyP !== undefined) {
      expect(c.robustness?.method).toBe("mann-whitney-asymptotic")
      close(c.robustness!.pValue, want.mannWhitneyP, 1e-9)
    }
    if (want.open !== undefined) expect([control!.open, treatment!.open]).toEqual(want.open)
  }
}

for (const dialect of DIALECTS) {
  describe(`analysis against scipy on ${dialect.name}`, () => {
    const services = Layer.mergeAll(PilotRegistry.Default, EventImport.Default, Analysis.Default)
    layer(services.pipe(Layer.provideMerge(dialect.layer())), { timeout: 60_000 })((it) => {
      it.effect("matches every p-value and interval computed from the raw events, two-sided and one-sided", () =>
        Effect.gen(function*() {
          const registry = yield* PilotRegistry
          yield* registry.register([{ source: "pilot.json", text: pilot }])
          yield* registry.start("analysis-reference")
          const source = yield* eventFileSource(`${dir}events.jsonl`)
          const imported = yield* (yield* EventImport).run({ pilotId: "analysis-reference", source: "events.jsonl", batches: source.batches })
          expect(imported).toMatchObject({ rejected: 0, duplicates: 0 })

          const report = yield* (yield* Analysis).analyze("analysis-reference", Date.parse(expected.asOf))
          matches(report, expected.metrics)
          expect(report.sides).toBeUndefined()

          // the same events read by the one-sided copy of the pilot (plan.sides: 1)
          yield* registry.register([{ source: "pilot-one-sided.json", text: pilotOneSided }])
          yield* registry.start("analysis-reference-one-sided")
          const again = yield* eventFileSource(`${dir}events.jsonl`)
          yield* (yield* EventImport).run({ pilotId: "analysis-reference-one-sided", source: "events.jsonl", batches: again.batches })
          const oneSided = yield* (yield* Analysis).analyze("analysis-reference-one-sided", Date.parse(expected.asOf))
          expect(oneSided.sides).toBe(1)
          matches(oneSided, expected.metricsOneSided)
          // The documented contract of metrics[].comparisons[].
          const primary = report.metrics[0]!.comparisons[0]!
          expect(Object.keys(primary)).toEqual(expect.arrayContaining(["variant", "baseline", "absolute", "relative", "pValue", "method"]))
          expect(primary.method).toBe("z-test")
          expect(primary.adjustedPValue).toBeGreaterThanOrEqual(primary.pValue)
        }))
    })
  })
}

describe("a one-sided pilot from the CLI", () => {
  it("pilot show, analyze --format json and the analysis table say one-sided, with scipy's one-sided p", async () => {
    requireBin()
    const work = mkdtempSync(join(tmpdir(), "pilotproof-one-sided-"))
    try {
      const db = join(work, "one-sided.db")
      const id = "analysis-reference-one-sided"
      for (const args of [["pilot", "register", `${dir}pilot-one-sided.json`], ["pilot", "start", id], ["events", "import", id, `${dir}events.jsonl`]]) {
        const r = await runCli(db, args)
        expect(r.code, r.stderr).toBe(0)
      }
      expect((await runCli(db, ["pilot", "show", id])).stdout).toMatch(/tests: +one-sided, on each metric's direction/)
      const json = await runCli(db, ["analyze", id, "--as-of", expected.asOf, "--format", "json"])
      expect(json.code, json.stderr).toBe(0)
      const report = JSON.parse(json.stdout) as { sides: number; metrics: Array<{ key: string; comparisons: Array<{ pValue: number }> }> }
      expect(report.sides).toBe(1)
      for (const m of report.metrics) close(m.comparisons[0]!.pValue, expected.metricsOneSided[m.key]!.pValue, m.key === "converted" ? 1e-9 : 1e-6)
      const text = await runCli(db, ["analyze", id, "--as-of", expected.asOf])
      expect(text.stdout).toContain("one-sided α = 0.05 (each interval end a one-sided 95 % bound)")
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  }, 60_000)
})
