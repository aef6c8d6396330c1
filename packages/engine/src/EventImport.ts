/**
 * Importing events into a running (or stopped) pilot: decode and check each record, write
 * batches transactionally, count accepted / duplicate / rejected, keep every reject with its
 * line and reason. Re-importing the same data changes nothing; an interrupted import re-run
 * ends in the same state as an uninterrupted one.
 */
import { InputError, PilotNotRunning } from "@pilotproof/domain"
import { EventRepo, PilotRepo } from "@pilotproof/store"
import { Effect, Stream } from "effect"
import { randomUUID } from "node:crypto"
import { eventRules, isRawReject, type SourceItem, storableText, toEventRow, UNSTORED_RAW } from "./EventRows.js"
import { Pseudonymizer } from "./Pseudonymizer.js"
import { nowIso } from "./Now.js"

export interface ImportSummary {
  readonly pilotId: string
  readonly source: string
  readonly batchId: string
  readonly dryRun: boolean
  readonly records: number
  readonly accepted: number
  readonly duplicates: number
  readonly rejected: number
}

export interface ImportOptions {
  readonly pilotId: string
  readonly source: string
  readonly batches: Stream.Stream<ReadonlyArray<SourceItem>, InputError>
  readonly dryRun?: boolean
  /** Called after each batch with the records processed so far. */
  readonly onProgress?: (records: number) => Effect.Effect<void>
}


/** A warehouse pilot's events are its table's rows, read in place: nothing is imported into it. */
export const readInPlace = (pilotId: string, table: string, source: string) =>
  new InputError({ source, detail: `pilot "${pilotId}" reads its events in place from the ClickHouse table ${table} (its warehouse section): nothing is imported into it` })

export class EventImport extends Effect.Service<EventImport>()("@pilotproof/engine/EventImport", {
  effect: Effect.gen(function*() {
    const pilots = yield* PilotRepo
    const events = yield* EventRepo
    const pseudonymizer = yield* Pseudonymizer

    const run = Effect.fn("EventImport.run")(function*(options: ImportOptions) {
      const pilot = yield* pilots.get(options.pilotId)
      if (pilot.status === "draft") {
        return yield* new PilotNotRunning({ pilotId: pilot.id, status: pilot.status, action: "import events into" })
      }
      if (pilot.definition.warehouse !== undefined) return yield* readInPlace(pilot.id, pilot.definition.warehouse.table, options.source)
      const rules = eventRules(pilot.definition)
      const dryRun = options.dryRun ?? false
      const batchId = randomUUID()
      if (!dryRun) yield* events.startImport(batchId, pilot.id, options.source, yield* nowIso)

      const totals = { records: 0, accepted: 0, duplicates: 0, rejected: 0 }
      // A dry run writes nothing, so repeats across batches are found here (memory grows with
      // the file's event ids in a dry run only).
      const seenInDryRun = new Set<string>()
      // A broken line can come back from the parser as two problems (and rejects are keyed by
      // source and line): it is one rejected row, the first reason kept. Not always one after the
      // other (a quoted CR LF moves the parser's line count), so the rejected lines are kept:
      // one number per rejected row, a few MB at a million.
      const rejectedLines = new Set<number>()
      yield* Stream.runForEach(options.batches, (items) =>
        Effect.gen(function*() {
          const rows = []
          const rejects = []
          let again = 0
          for (const item of items) {
            if (rejectedLines.has(item.line)) {
              again++
              continue
            }
            if (isRawReject(item)) {
              rejectedLines.add(item.line)
              // A row the source could not parse names nobody the pseudonymizer could key: under
              // pseudonymization its text is not kept.
              const raw = pseudonymizer.enabled ? UNSTORED_RAW : storableText(item.raw)
              rejects.push({ pilot_id: pilot.id, source: options.source, line: item.line, unit_id: null, reason: storableText(item.reason), raw, batch_id: batchId })
              continue
            }
            const outcome = toEventRow(item, rules, pseudonymizer, options.source, batchId)
            if (outcome._tag === "Event") rows.push(outcome.row)
            else {
              rejectedLines.add(item.line)
              rejects.push(outcome.row)
            }
          }
          totals.records += items.length - again
          totals.rejected += rejects.length
          if (dryRun) {
            const existing = yield* events.existingIds(pilot.id, rows.map((r) => r.event_id))
            for (const r of rows) {
              if (existing.has(r.event_id) || seenInDryRun.has(r.event_id)) totals.duplicates++
              else totals.accepted++
              seenInDryRun.add(r.event_id)
            }
          } else {
            const written = yield* events.writeBatch(batchId, rows, rejects)
            totals.accepted += written.inserted
            totals.duplicates += written.duplicates
          }
          if (options.onProgress !== undefined) yield* options.onProgress(totals.records)
        })
      )
      if (!dryRun) yield* events.finishImport(batchId, yield* nowIso)
      return { pilotId: pilot.id, source: options.source, batchId, dryRun, ...totals } satisfies ImportSummary
    })

    /** The pilot's rejected rows (first `limit`, of one source if given) and their total. */
    const rejects = Effect.fn("EventImport.rejects")(function*(pilotId: string, limit: number, source?: string) {
      yield* pilots.get(pilotId)
      return yield* events.rejects(pilotId, limit, source)
    })

    return { run, rejects } as const
  }),
  dependencies: [PilotRepo.Default, EventRepo.Default, Pseudonymizer.Default]
}) {}
