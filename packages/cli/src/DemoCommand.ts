/**
 * `pilotproof demo`: the main job behind `npm start`. Registers every pilot in `experiments/`
 * into the configured database (the embedded SQLite file by default) and prints the registry.
 * Safe to re-run: unchanged files are no-ops.
 */
import { Command, Options } from "@effect/cli"
import { primaryMetric } from "@pilotproof/domain"
import { PilotRegistry } from "@pilotproof/engine"
import { Console, Effect } from "effect"
import { table } from "./Output.js"
import { readPilotFiles } from "./PilotFiles.js"
import { DatabaseLocation, withEngine } from "./Runtime.js"

const experimentsOption = Options.directory("experiments").pipe(
  Options.withDescription("the folder of pilot files"),
  Options.withDefault("experiments")
)

export const demoCommand = Command.make("demo", { experiments: experimentsOption }, ({ experiments }) =>
  withEngine(Effect.gen(function*() {
    const registry = yield* PilotRegistry
    const location = yield* DatabaseLocation
    const files = yield* readPilotFiles([experiments])
    const registered = yield* registry.register(files)
    const counts = { created: 0, "new-version": 0, unchanged: 0 }
    for (const { registration } of registered) counts[registration.outcome]++
    yield* Console.log(
      `Registered ${files.length} pilot files from ${experiments}/ into ${location}: ` +
        `${counts.created} new, ${counts["new-version"]} new versions, ${counts.unchanged} unchanged.\n`
    )
    const pilots = yield* registry.list()
    yield* Console.log(table(
      ["PILOT", "STATUS", "KIND", "UNIT", "PRIMARY METRIC", "OWNER", "HYPOTHESIS"],
      pilots.map((p) => {
        const d = p.definition
        const hypothesis = d.hypothesis.length > 60 ? `${d.hypothesis.slice(0, 59)}…` : d.hypothesis
        return [p.id, p.status, d.kind, d.unit, `${primaryMetric(d).key} (${primaryMetric(d).direction})`, d.owner.name, hypothesis]
      })
    ))
    yield* Console.log(`\nNext: pilotproof pilot show <id>   (details)   ·   pilotproof pilot start <id>   (freeze the design)`)
  }))
).pipe(Command.withDescription("Register the pilots in experiments/ into the database and print the registry (npm start)."))
