/**
 * `pilotproof demo`: the main job behind `npm start`. On the configured database (the embedded
 * SQLite file by default) it registers every pilot in `experiments/`, starts the drafts,
 * imports each pilot's simulated data (`experiments/scenarios/<id>.yaml`), runs readiness,
 * analysis, economics and the decision policy, records the decision, and prints one row per
 * pilot. Safe to re-run: registration and imports are idempotent, and a decision is recorded
 * again only when the design or the data moment changed.
 */
import { Command, Options } from "@effect/cli"
import { DAY_MS, primaryMetric } from "@pilotproof/domain"
import { Decisions, eventsLocationNote, PilotRegistry, printableLocation, readScenario, Simulation } from "@pilotproof/engine"
import { serve } from "@pilotproof/server"
import { Config, Console, Effect } from "effect"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { money, table } from "./Output.js"
import { readPilotFiles } from "./PilotFiles.js"
import { DatabaseLocation, withEngine } from "./Runtime.js"

const experimentsOption = Options.directory("experiments").pipe(
  Options.withDescription("the folder of pilot files (scenarios in its scenarios/ folder)"),
  Options.withDefault("experiments")
)

const noServeOption = Options.boolean("no-serve").pipe(Options.withDescription("print the summary and exit instead of serving the web app"))
const portOption = Options.integer("port").pipe(
  Options.withDescription("port of the web app (default: PILOTPROOF_PORT, else 8080)"),
  Options.withFallbackConfig(Config.integer("PILOTPROOF_PORT").pipe(Config.withDefault(8080)))
)

export const demoCommand = Command.make("demo", { experiments: experimentsOption, noServe: noServeOption, port: portOption }, ({ experiments, noServe, port }) =>
  Effect.gen(function*() {
    yield* runDemo(experiments)
    if (!noServe) yield* serve({ location: yield* DatabaseLocation, port, bootstrapAdmin: true })
  })
).pipe(Command.withDescription("The main job (npm start): register, simulate, analyse and decide the pilots in experiments/, print one row per pilot, then serve the web app (--no-serve to skip)."))

const runDemo = (experiments: string) =>
  withEngine(Effect.gen(function*() {
    const registry = yield* PilotRegistry
    const simulation = yield* Simulation
    const decisions = yield* Decisions
    const location = printableLocation(yield* DatabaseLocation)
    const started = Date.now()

    const files = yield* readPilotFiles([experiments])
    const registered = yield* registry.register(files)
    const created = registered.filter((r) => r.registration.outcome !== "unchanged").length
    yield* Console.log(`Pilotproof demo on ${location}${yield* eventsLocationNote}: ${files.length} pilots from ${experiments}/ (${created} new or changed)`)

    const rows: Array<Array<string>> = []
    // each verdict beside the one its scenario's ground truth implies
    let judged = 0
    let agreed = 0
    for (const { registration } of registered) {
      const id = registration.pilotId
      let pilot = (yield* registry.show(id)).pilot
      if (pilot.status === "draft") pilot = yield* registry.start(id)
      const scenarioPath = join(experiments, "scenarios", `${id}.yaml`)
      if (!existsSync(scenarioPath)) {
        rows.push([id, "-", "-", "no scenario: import real events with pilotproof events import", "", ""])
        continue
      }
      const scenario = yield* readScenario(scenarioPath)
      const imported = yield* simulation.intoPilot(scenarioPath)
      const asOfMs = Date.parse(scenario.start) + scenario.days * DAY_MS
      const asOf = new Date(asOfMs).toISOString()
      const designHash = pilot.designHash ?? pilot.definitionHash
      const last = yield* decisions.latest(id)
      const reuse = last !== undefined && last.as_of === asOf && last.design_hash === designHash && imported.accepted === 0
      const { evaluation } = reuse
        ? { evaluation: last.record }
        : yield* decisions.record(id, { asOfMs, actor: "pilotproof demo" })
      const d = evaluation.decision
      const primary = primaryMetric(pilot.definition)
      const analysis = evaluation.analysis.metrics.find((m) => m.key === primary.key)
      const comparison = analysis?.comparisons.find((c) => c.variant === (d.variant ?? evaluation.analysis.treatments[0]))
      const fmt = (x: number) => (primary.type === "binomial" ? `${(x * 100).toFixed(2)} pp` : x.toPrecision(3))
      const effect = comparison === undefined
        ? "-"
        : `${primary.key} ${comparison.absolute.estimate >= 0 ? "+" : ""}${fmt(comparison.absolute.estimate)} [${fmt(comparison.absolute.ci.lower)}, ${fmt(comparison.absolute.ci.upper)}]`
      const economics = evaluation.economics.find((e) => e._tag === "Evaluated" && e.economics.variant === comparison?.variant)
      const payback = economics?._tag === "Evaluated"
        ? `${economics.economics.monteCarlo.probPaybackWithinTarget.toFixed(2)} (≤ ${economics.economics.monteCarlo.targetPaybackMonths} mo; NPV p50 ${money(Math.round(economics.economics.monteCarlo.npv.p50 / 1000))}k ${economics.economics.currency})`
        : "-"
      const truth = scenario.expect.verdict
      if (truth === d.verdict) agreed++
      judged++
      rows.push([id, d.verdict, truth === d.verdict ? truth : `${truth} ≠`, effect, payback, d.reason])
    }

    yield* Console.log("")
    yield* Console.log(table(["PILOT", "VERDICT", "TRUTH", "PRIMARY EFFECT [CI]", "P(PAYBACK ≤ TARGET)", "REASON"], rows))
    yield* Console.log([
      "",
      `${agreed} of ${judged} verdicts are the ones the scenarios' ground truth implies (TRUTH: experiments/scenarios/<id>.yaml, expect).`,
      `Done in ${((Date.now() - started) / 1000).toFixed(1)} s. Full reports (add --db ${location} if you moved it):`,
      "  node packages/cli/dist/pilotproof.mjs analyze <pilot-id>      every metric, effect, interval, method",
      "  node packages/cli/dist/pilotproof.mjs decide <pilot-id>       the verdict with every check and the economics",
      "  node packages/cli/dist/pilotproof.mjs readiness <pilot-id>    data checks",
      "  node packages/cli/dist/pilotproof.mjs decisions <pilot-id>    the decision record"
    ].join("\n"))
  }))
