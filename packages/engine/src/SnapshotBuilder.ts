/**
 * Computing a pilot's results snapshot: its evaluation as of now and the primary metric's effect
 * over time for every treatment, stored under the key (definition hash, status, data version)
 * read before any data is. Reading the key first is what keeps a snapshot honest: data that
 * commits while it is computed may be in it, but its key is then older than the pilot's and the
 * next read computes again; the reverse order could label old results with a new version.
 */
import { AnalysisSnapshot, snapshotId } from "@pilotproof/domain"
import { PilotRepo, SnapshotRepo } from "@pilotproof/store"
import { Clock, Effect } from "effect"
import { Analysis } from "./Analysis.js"

export class SnapshotBuilder extends Effect.Service<SnapshotBuilder>()("@pilotproof/engine/SnapshotBuilder", {
  effect: Effect.gen(function*() {
    const repo = yield* SnapshotRepo
    const pilots = yield* PilotRepo
    const analysis = yield* Analysis

    /** Computes the pilot's snapshot as of now, stores it, and returns it. */
    const build = Effect.fn("SnapshotBuilder.build")(function*(pilotId: string) {
      const state = yield* repo.state(pilotId)
      if (state === undefined) return yield* Effect.flatMap(pilots.get(pilotId), () => Effect.die(`pilot "${pilotId}" appeared while its snapshot was being computed`))
      const started = yield* Clock.currentTimeMillis
      const { evaluation, overTime } = yield* analysis.results(pilotId, started)
      const snapshot = new AnalysisSnapshot({
        pilotId,
        id: snapshotId(state.current.dataVersion, evaluation.analysis.asOf),
        key: state.current,
        computedAt: evaluation.analysis.asOf,
        computeMs: (yield* Clock.currentTimeMillis) - started,
        evaluation,
        overTime
      })
      yield* repo.write(snapshot)
      return snapshot
    })

    /** The pilot's evaluation as of `asOfMs`, not stored (an explicit as-of is not a snapshot). */
    const evaluate = Effect.fn("SnapshotBuilder.evaluate")(function*(pilotId: string, asOfMs: number) {
      return yield* analysis.evaluate(pilotId, asOfMs)
    })

    return { build, evaluate } as const
  }),
  dependencies: [SnapshotRepo.Default, PilotRepo.Default, Analysis.Default]
}) {}
