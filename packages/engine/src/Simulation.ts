/**
 * Synthetic pilot data from a scenario file (`experiments/scenarios/<pilot>.yaml`): written to
 * a CSV or JSON-lines file, or imported straight into the pilot through the same checks as a
 * real export. The same scenario and seed always give the same events.
 */
import { InputError } from "@pilotproof/domain"
import { attributeColumns, csvHeader, csvRow, decodeScenario, jsonLine, planSimulation, type Scenario, simulate, type WireEvent } from "@pilotproof/simulator"
import { PilotRepo } from "@pilotproof/store"
import { Effect, Stream } from "effect"
import { createWriteStream, readFileSync } from "node:fs"
import { parse } from "yaml"
import { EventImport } from "./EventImport.js"
import type { RawRecord } from "./EventRows.js"

const BATCH = 5000

/** Reads and decodes a scenario file. */
export const readScenario = (path: string) =>
  Effect.gen(function*() {
    const text = yield* Effect.try({
      try: () => readFileSync(path, "utf8"),
      catch: () => new InputError({ source: path, detail: "cannot read the scenario file" })
    })
    const value = yield* Effect.try({
      try: () => parse(text) as unknown,
      catch: (e) => new InputError({ source: path, detail: `not valid YAML: ${(e as Error).message.split("\n")[0]}` })
    })
    return yield* decodeScenario(value, path)
  })

const toRecord = (event: WireEvent, line: number): RawRecord => ({
  line,
  fields: {
    event_id: event.event_id,
    unit_id: event.unit_id,
    type: event.type,
    ...(event.variant === undefined ? {} : { variant: event.variant }),
    ...(event.value === undefined ? {} : { value: event.value }),
    ts: event.ts,
    ...event.attributes
  }
})

/** Batches of an iterable, lazily. */
function* batches<A>(items: Iterable<A>, size: number): Generator<Array<A>> {
  let batch: Array<A> = []
  for (const item of items) {
    batch.push(item)
    if (batch.length === size) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

export class Simulation extends Effect.Service<Simulation>()("@pilotproof/engine/Simulation", {
  effect: Effect.gen(function*() {
    const pilots = yield* PilotRepo
    const importer = yield* EventImport

    const prepare = Effect.fn("Simulation.prepare")(function*(scenarioPath: string, seed?: number) {
      const scenario: Scenario = { ...(yield* readScenario(scenarioPath)), ...(seed === undefined ? {} : { seed }) }
      const pilot = yield* pilots.get(scenario.pilot)
      yield* planSimulation(pilot.definition, scenario, scenarioPath)
      return { scenario, pilot }
    })

    /** Writes the simulated events to `out` (.csv or .jsonl); returns how many. */
    const toFile = Effect.fn("Simulation.toFile")(function*(scenarioPath: string, out: string, seed?: number) {
      const { pilot, scenario } = yield* prepare(scenarioPath, seed)
      const csv = /\.csv$/i.test(out)
      if (!csv && !/\.(jsonl|ndjson)$/i.test(out)) {
        return yield* new InputError({ source: out, detail: "name the output .csv, .jsonl or .ndjson" })
      }
      return yield* Effect.async<number, InputError>((resume) => {
        const stream = createWriteStream(out)
        const columns = attributeColumns(scenario)
        let count = 0
        stream.on("error", (e) => resume(Effect.fail(new InputError({ source: out, detail: `cannot write: ${e.message}` }))))
        if (csv) stream.write(`${csvHeader(columns)}\n`)
        for (const event of simulate(pilot.definition, scenario)) {
          stream.write(`${csv ? csvRow(event, columns) : jsonLine(event)}\n`)
          count++
        }
        stream.end(() => resume(Effect.succeed(count)))
      })
    })

    /** Imports the simulated events into the pilot (idempotent: re-running adds nothing). */
    const intoPilot = Effect.fn("Simulation.intoPilot")(function*(scenarioPath: string, seed?: number) {
      const { pilot, scenario } = yield* prepare(scenarioPath, seed)
      let line = 0
      const records = Stream.fromIterable(batches(simulate(pilot.definition, scenario), BATCH)).pipe(
        Stream.map((events) => events.map((e) => toRecord(e, ++line)))
      )
      return yield* importer.run({ pilotId: pilot.id, source: `simulated:${scenarioPath}#seed=${scenario.seed}`, batches: records })
    })

    return { toFile, intoPilot, prepare } as const
  }),
  dependencies: [PilotRepo.Default, EventImport.Default]
}) {}
