/**
 * The analysis JSON of a data set against p-values and intervals computed independently by
 * scipy on the raw events (test/fixtures/analysis/generate.py), on SQLite and PostgreSQL.
 * Tolerances: 1e-9 relative for the closed forms (z-test, Welch), 1e-6 for the values whose
 * distributions are iterative (Student t quantiles in the Welch interval).
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { Analysis, EventImport, eventFileSource, PilotRegistry } from "@pilotproof/engine"
import { Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
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
const expected = JSON.parse(readFileSync(`${dir}expected.json`, "utf8")) as { asOf: string; metrics: Record<string, Expected> }

const close = (actual: number, want: number, relative: number) =>
  expect(Math.abs(actual - want)).toBeLessThanOrEqual(relative * Math.max(Math.abs(want), 1e-300))

for (const dialect of DIALECTS) {
  describe(`analysis against scipy on ${dialect.name}`, () => {
    const services = Layer.mergeAll(PilotRegistry.Default, EventImport.Default, Analysis.Default)
    layer(services.pipe(Layer.provideMerge(dialect.layer())), { timeout: 60_000 })((it) => {
      it.effect("matches every p-value and interval computed from the raw events", () =>
        Effect.gen(function*() {
          const registry = yield* PilotRegistry
          yield* registry.register([{ source: "pilot.json", text: pilot }])
          yield* registry.start("analysis-reference")
          const source = yield* eventFileSource(`${dir}events.jsonl`)
          const imported = yield* (yield* EventImport).run({ pilotId: "analysis-reference", source: "events.jsonl", batches: source.batches })
          expect(imported).toMatchObject({ rejected: 0, duplicates: 0 })

          const report = yield* (yield* Analysis).analyze("analysis-reference", Date.parse(expected.asOf))
          for (const [key, want] of Object.entries(expected.metrics)) {
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
          // The documented contract of metrics[].comparisons[].
          const primary = report.metrics[0]!.comparisons[0]!
          expect(Object.keys(primary)).toEqual(expect.arrayContaining(["variant", "baseline", "absolute", "relative", "pValue", "method"]))
          expect(primary.method).toBe("z-test")
          expect(primary.adjustedPValue).toBeGreaterThanOrEqual(primary.pValue)
        }))
    })
  })
}
