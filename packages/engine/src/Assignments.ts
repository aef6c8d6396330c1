/**
 * Assigning units to variants by the pilot's frozen allocation, and optionally logging the
 * exposures. A logged exposure's event id is derived from the unit, so assigning a unit twice
 * logs one exposure.
 */
import { assign } from "@pilotproof/assignment"
import { EXPOSURE, PilotNotRunning } from "@pilotproof/domain"
import { readInPlace } from "./EventImport.js"
import { PilotRepo } from "@pilotproof/store"
import { Effect, Stream } from "effect"
import { EventImport, type ImportSummary } from "./EventImport.js"
import { eventRules } from "./EventRows.js"
import { nowIso } from "./Now.js"

export interface UnitAssignment {
  readonly unitId: string
  readonly variant: string | null
  readonly bucket: number
  readonly inHoldout: boolean
}

export class Assignments extends Effect.Service<Assignments>()("@pilotproof/engine/Assignments", {
  effect: Effect.gen(function*() {
    const pilots = yield* PilotRepo
    const importer = yield* EventImport

    const assignUnits = Effect.fn("Assignments.assign")(function*(pilotId: string, unitIds: ReadonlyArray<string>, logExposures: boolean) {
      const pilot = yield* pilots.get(pilotId)
      if (logExposures && pilot.status === "draft") {
        return yield* new PilotNotRunning({ pilotId, status: pilot.status, action: "log exposures for" })
      }
      if (logExposures && pilot.definition.warehouse !== undefined) {
        return yield* readInPlace(pilotId, pilot.definition.warehouse.table, "--log-exposures")
      }
      const { allocation } = eventRules(pilot.definition)
      const assignments: Array<UnitAssignment> = unitIds.map((unitId) => {
        const a = assign(allocation, unitId)
        // The allocation comes from a validated definition, so it is always valid.
        return a._tag === "Assignment"
          ? { unitId, variant: a.variant, bucket: a.bucket, inHoldout: a.inHoldout }
          : { unitId, variant: null, bucket: -1, inHoldout: false }
      })
      let logged: ImportSummary | undefined
      if (logExposures) {
        const ts = yield* nowIso
        const records = assignments
          .filter((a) => a.variant !== null)
          .map((a, i) => ({
            line: i + 1,
            fields: { event_id: `assign:${pilotId}:${a.unitId}`, unit_id: a.unitId, type: EXPOSURE, variant: a.variant, ts }
          }))
        logged = yield* importer.run({ pilotId, source: "pilotproof assign", batches: Stream.make(records) })
      }
      return { assignments, logged }
    })

    return { assign: assignUnits } as const
  }),
  dependencies: [PilotRepo.Default, EventImport.Default]
}) {}
