/**
 * The reports the API returns are exactly what the engine computes: for the four example pilots
 * on their simulated data (binomial, mean, ratio and duration metrics, CUPED, guardrails,
 * Monte Carlo economics, actuals) and the three test-fixture designs (a cluster-randomized pilot,
 * a novelty check with a pre-registered segment, quantile metrics), each endpoint's JSON equals the engine's value encoded with
 * the domain's schema (non-finite numbers spelled out), and decodes back to it; and the OpenAPI
 * document describes them.
 */
import { DecideResult } from "@pilotproof/api"
import { AnalysisReport, DAY_MS, EconomicsReport, Evaluation, ReadinessReport, RoiReport } from "@pilotproof/domain"
import { Analysis, Decisions, PilotRegistry, Readiness, readScenario, Simulation, Tokens } from "@pilotproof/engine"
import { start } from "@pilotproof/server"
import { Database } from "@pilotproof/store"
import { Context, Effect, Exit, Layer, Schema, Scope } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EXPERIMENTS_DIR, experimentFiles, minimalPilot } from "./fixtures/Definitions.js"

const PILOTS = ["support-bot-lead-qualification", "lead-scoring-queue-priority", "personalized-offers-returning", "reply-drafting-assistant", "manager-morning-assistant"]
/** The designs of #14 from the test fixtures (the cluster-randomized one is in experiments/): novelty with segments, quantiles. */
const FIXTURES = [
  ["novelty", "bot-novelty-check"],
  ["quantile", "reply-drafting-quantiles"]
] as const
const fixtureDir = (dir: string) => fileURLToPath(new URL(`./fixtures/${dir}`, import.meta.url))
/** Started, with no data at all: every report is degenerate. */
const EMPTY = "empty-pilot"

/** Registers and starts the four pilots, simulates each, decides each at its scenario's end. */
const seed = (file: string) =>
  Effect.gen(function*() {
    const registry = yield* PilotRegistry
    const fixtures = FIXTURES.map(([dir, id]) => ({ source: join(fixtureDir(dir), `${id}.yaml`), text: readFileSync(join(fixtureDir(dir), `${id}.yaml`), "utf8") }))
    yield* registry.register([...experimentFiles(), ...fixtures, { source: "empty.json", text: JSON.stringify(minimalPilot(EMPTY)) }])
    yield* registry.start(EMPTY)
    const asOf: Record<string, number> = {}
    const scenarios = [...PILOTS.map((p) => [EXPERIMENTS_DIR, p] as const), ...FIXTURES.map(([dir, id]) => [fixtureDir(dir), id] as const)]
    for (const [dir, pilot] of scenarios) {
      yield* registry.start(pilot)
      const scenarioPath = join(dir, "scenarios", `${pilot}.yaml`)
      const scenario = yield* readScenario(scenarioPath)
      yield* (yield* Simulation).intoPilot(scenarioPath)
      asOf[pilot] = Date.parse(scenario.start) + scenario.days * DAY_MS
      yield* (yield* Decisions).record(pilot, { asOfMs: asOf[pilot], actor: "api reports test" })
    }
    yield* (yield* Decisions).recordActuals(PILOTS[0]!, [
      { month: "2026-06", cost: 900_000, benefit: 200_000 },
      { month: "2026-07", cost: 150_000, benefit: 1_400_000 }
    ], "api reports test")
    return asOf
  }).pipe(
    Effect.provide(Layer.mergeAll(PilotRegistry.Default, Simulation.Default, Decisions.Default).pipe(Layer.provide(Database.sqlite(file))))
  )


/** What a client generated from the contract does with the JSON: it must decode. */
const decodes = <A, I>(schema: Schema.Schema<A, I>, json: unknown) => {
  const result = Schema.decodeUnknownEither(schema)(json)
  if (result._tag === "Left") throw new Error(`the response does not decode with its schema: ${result.left.message}`)
  return json
}

describe("API reports equal the engine's", () => {
  let dir: string
  let base: string
  let scope: Scope.CloseableScope
  let context: Context.Context<Analysis | Readiness | Decisions | Tokens>
  let asOf: Record<string, number>
  let authorization: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pilotproof-reports-"))
    const file = join(dir, "pilotproof.db")
    asOf = await Effect.runPromise(seed(file))
    scope = Effect.runSync(Scope.make())
    const started = await Effect.runPromise(Scope.extend(start({ location: file, port: 0 }), scope))
    base = started.url
    context = started.context as Context.Context<Analysis | Readiness | Decisions | Tokens>
    authorization = `Bearer ${(await Effect.runPromise(Context.get(context, Tokens).create("reports test", "admin"))).token}`
  }, 180_000)

  afterAll(async () => {
    if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  // The test computes the engine's values in this process, between requests, blocking the event
  // loop for seconds; a kept-alive socket may then be closed by the server as it is reused.
  const headers = () => ({ authorization, connection: "close" })
  const get = async (path: string) => {
    const response = await fetch(base + path, { headers: headers() })
    expect(response.status, path).toBe(200)
    return response.json() as Promise<unknown>
  }
  /** The engine's value as the API must send it: encoded with its schema. */
  const engine = <A, I>(schema: Schema.Schema<A, I>, effect: Effect.Effect<A, unknown, never>) =>
    Effect.runPromise(Effect.flatMap(effect, Schema.encode(schema)))
  const economicsOf = (pilot: string, e: Evaluation) =>
    Schema.encodeSync(EconomicsReport)(new EconomicsReport({ pilotId: pilot, asOf: e.analysis.asOf, economics: e.economics }))

  for (const pilot of [...PILOTS, ...FIXTURES.map(([, id]) => id)]) {
    it(`${pilot}: readiness, analysis, economics and the decision`, async () => {
      const ms = asOf[pilot]!
      const at = encodeURIComponent(new Date(ms).toISOString())
      const analysis = Context.get(context, Analysis)
      expect(decodes(ReadinessReport, await get(`/api/pilots/${pilot}/readiness?asOf=${at}`))).toEqual(await engine(ReadinessReport, Context.get(context, Readiness).report(pilot, ms)))
      const analyzed = decodes(AnalysisReport, await get(`/api/pilots/${pilot}/analysis?asOf=${at}`))
      expect(analyzed).toEqual(await engine(AnalysisReport, analysis.analyze(pilot, ms)))
      const computed = await Effect.runPromise(analysis.evaluate(pilot, ms))
      expect(decodes(EconomicsReport, await get(`/api/pilots/${pilot}/economics?asOf=${at}`))).toEqual(economicsOf(pilot, computed))

      const decided = await fetch(`${base}/api/pilots/${pilot}/decisions`, {
        method: "POST",
        headers: { ...headers(), "content-type": "application/json" },
        body: JSON.stringify({ asOf: new Date(ms).toISOString() })
      })
      expect(decided.status).toBe(201)
      expect((decodes(DecideResult, await decided.json()) as { evaluation: unknown }).evaluation).toEqual(Schema.encodeSync(Evaluation)(computed))
    })
  }

  it("a started pilot without any data: every report, as the engine has it", async () => {
    const ms = Date.parse("2026-11-01T00:00:00Z")
    const at = encodeURIComponent(new Date(ms).toISOString())
    const analysis = Context.get(context, Analysis)
    const responses = [
      decodes(ReadinessReport, await get(`/api/pilots/${EMPTY}/readiness?asOf=${at}`)),
      decodes(AnalysisReport, await get(`/api/pilots/${EMPTY}/analysis?asOf=${at}`)),
      decodes(EconomicsReport, await get(`/api/pilots/${EMPTY}/economics?asOf=${at}`)),
      decodes(RoiReport, await get(`/api/pilots/${EMPTY}/roi`))
    ]
    const computed = await Effect.runPromise(analysis.evaluate(EMPTY, ms))
    expect(responses).toEqual([
      await engine(ReadinessReport, Context.get(context, Readiness).report(EMPTY, ms)),
      await engine(AnalysisReport, analysis.analyze(EMPTY, ms)),
      economicsOf(EMPTY, computed),
      await engine(RoiReport, Context.get(context, Decisions).roi(EMPTY))
    ])
    expect(JSON.stringify(responses[1])).toContain("degenerate")
    // an interval that cannot be bounded is sent spelled out (JSON has no Infinity) and decodes
    // back to the unbounded ends
    const text = JSON.stringify(responses[1])
    expect(text).toContain(`"lower":"-Infinity"`)
    expect(text).toContain(`"upper":"Infinity"`)
    expect(text).not.toMatch(/:null\b/)
    const decoded = Schema.decodeUnknownSync(AnalysisReport)(responses[1])
    const unbounded = decoded.metrics.flatMap((m) => m.comparisons).find((c) => c.degenerate !== undefined)!
    expect(unbounded.absolute.ci).toEqual({ lower: -Infinity, upper: Infinity })
  })

  it("the forecast against actuals (roi), with and without actuals", async () => {
    for (const pilot of PILOTS.slice(0, 2)) {
      const roi = decodes(RoiReport, await get(`/api/pilots/${pilot}/roi`))
      expect(roi).toEqual(await engine(RoiReport, Context.get(context, Decisions).roi(pilot)))
    }
    expect(await get(`/api/pilots/${PILOTS[0]}/roi`)).toMatchObject({ comparison: { ok: true, rows: [{ month: 1 }, { month: 2 }] } })
  })

  it("covers the optional fields: CUPED, rank test, non-inferiority, Fieller, open durations, clusters, novelty, segments, quantiles", async () => {
    const comparisons = await Promise.all(PILOTS.map((p) => get(`/api/pilots/${p}/analysis?asOf=${encodeURIComponent(new Date(asOf[p]!).toISOString())}`)))
    const text = JSON.stringify(comparisons)
    for (const field of ["varianceReduction", "robustness", "nonInferiority", "fieller", "\"open\"", "adjustedPValue"]) expect(text, field).toContain(field)
    // and the other designs: clusters (in experiments/), novelty, segments, quantiles (fixtures)
    const designs = text + JSON.stringify(await Promise.all(FIXTURES.map(([, p]) => get(`/api/pilots/${p}/analysis?asOf=${encodeURIComponent(new Date(asOf[p]!).toISOString())}`))))
    for (const field of ["\"cluster\":{\"unit\":\"manager\"", "\"clusters\":", "cluster-t", "\"novelty\":", "\"segments\":", "\"heterogeneity\":", "quantile-difference"]) expect(designs, field).toContain(field)
  })

  it("describes every report in the OpenAPI document", async () => {
    const spec = await (await fetch(`${base}/api/openapi.json`)).json() as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>
      components: { schemas: Record<string, unknown> }
    }
    const success = (path: string, method = "get", status = "200") => spec.paths[path]?.[method]?.responses[status]?.content?.["application/json"]?.schema
    expect(success("/api/pilots/{id}/readiness")).toEqual({ $ref: "#/components/schemas/ReadinessReport" })
    expect(success("/api/pilots/{id}/analysis")).toEqual({ $ref: "#/components/schemas/AnalysisReport" })
    expect(success("/api/pilots/{id}/economics")).toEqual({ $ref: "#/components/schemas/EconomicsReport" })
    expect(success("/api/pilots/{id}/roi")).toEqual({ $ref: "#/components/schemas/RoiReport" })
    for (const name of ["MetricComparison", "TreatmentEconomics", "Decision", "Evaluation", "ActualsComparison"]) {
      expect(spec.components.schemas[name], name).toBeDefined()
    }
  })
})
