/**
 * The current results snapshot of a pilot, for everything that shows results (pages, the API,
 * `report`, `decide`): read from the store while it is current, computed again when it is not.
 *
 * A snapshot is stale when the pilot's definition, status or data version moved on since it was
 * computed, or when it is older than `SNAPSHOT_MAX_AGE_MS` (readiness reads the clock: an event
 * stamped in the future stops being one). Concurrent reads of one stale snapshot share one
 * computation; a read that arrives while a computation of older data runs waits for it and then
 * for one of its own data, so a committed import is always in the next read's results.
 */
import { type AnalysisSnapshot, type Evaluation, PilotNotFound, StorageError } from "@pilotproof/domain"
import { isCurrent, PilotRepo, type SnapshotState, SnapshotRepo } from "@pilotproof/store"
import { Clock, Deferred, Effect, FiberId, Option } from "effect"
import { Alerts } from "./Alerts.js"
import { SnapshotBuilder } from "./SnapshotBuilder.js"
import { SnapshotComputer } from "./SnapshotComputer.js"

/** A snapshot older than this is computed again (on read, and ahead of time by the server). */
export const SNAPSHOT_MAX_AGE_MS = 60 * 60_000

/** Rounds of "wait for the running computation, then look again" before reading what is stored. */
const MAX_ROUNDS = 3

export interface SnapshotOptions {
  /** Compute again even when the stored snapshot is current (`?refresh=1`, `--refresh`). */
  readonly refresh?: boolean
}

type ComputeError = PilotNotFound | StorageError

export class Snapshots extends Effect.Service<Snapshots>()("@pilotproof/engine/Snapshots", {
  effect: Effect.gen(function*() {
    const repo = yield* SnapshotRepo
    const pilots = yield* PilotRepo
    // a SnapshotComputer in the context (the server's worker threads) computes; else this process
    const builder = yield* SnapshotBuilder
    const computer = Option.getOrElse(
      yield* Effect.serviceOption(SnapshotComputer),
      () => ({ compute: (pilotId: string) => Effect.map(builder.build(pilotId), (s) => s.id), evaluate: builder.evaluate })
    )
    const alerts = yield* Alerts
    const running = new Map<string, Deferred.Deferred<string, ComputeError>>()

    /**
     * A computation, and the alerts it raises (a verdict changed, an SRM or a guardrail breach
     * appeared) when anyone listens for the pilot's: the snapshot before is read first, as the
     * computation replaces it. An alert that cannot be queued is logged, never the computation's failure.
     */
    const computeAndAlert = (pilotId: string): Effect.Effect<string, ComputeError> =>
      Effect.gen(function*() {
        const listening = yield* alerts.listening(pilotId).pipe(Effect.orElseSucceed(() => false))
        const before = listening ? yield* repo.read(pilotId).pipe(Effect.orElseSucceed(() => undefined)) : undefined
        const id = yield* computer.compute(pilotId)
        if (listening) {
          yield* Effect.flatMap(repo.read(pilotId), (after): Effect.Effect<unknown, ComputeError> =>
            after === undefined ? Effect.void : alerts.snapshotComputed(pilotId, before?.evaluation, after.evaluation)).pipe(
              Effect.catchAllCause((cause) => Effect.logWarning(`alerts of "${pilotId}" not queued`, cause))
            )
        }
        return id
      })
    /** The last snapshot decoded per pilot: a current one is not decoded again per request. */
    const decoded = new Map<string, AnalysisSnapshot>()

    const fresh = (state: SnapshotState, nowMs: number) =>
      isCurrent(state) && nowMs - Date.parse(state.stored!.computedAt) < SNAPSHOT_MAX_AGE_MS

    /**
     * The computation of the pilot's snapshot that is running, or a new one. It runs detached
     * from the caller: a request that goes away does not cancel what others wait for.
     */
    const compute = (pilotId: string): Effect.Effect<string, ComputeError> =>
      Effect.suspend(() => {
        const joined = running.get(pilotId)
        if (joined !== undefined) return Deferred.await(joined)
        const done = Deferred.unsafeMake<string, ComputeError>(FiberId.none)
        running.set(pilotId, done)
        return computeAndAlert(pilotId).pipe(
          Effect.exit,
          Effect.flatMap((exit) => Deferred.done(done, exit)),
          Effect.ensuring(Effect.sync(() => running.delete(pilotId))),
          Effect.forkDaemon,
          Effect.zipRight(Deferred.await(done))
        )
      })

    const load = Effect.fn("Snapshots.load")(function*(pilotId: string, snapshotId: string) {
      const cached = decoded.get(pilotId)
      if (cached?.id === snapshotId) return cached
      const snapshot = yield* repo.read(pilotId)
      if (snapshot === undefined) {
        return yield* new StorageError({ operation: `reading the results snapshot of "${pilotId}"`, detail: "it was removed while being read; try again" })
      }
      decoded.set(pilotId, snapshot)
      return snapshot
    })

    /** The pilot's current snapshot, computed first when there is none or it is stale. */
    const current = Effect.fn("Snapshots.current")(function*(pilotId: string, options: SnapshotOptions = {}) {
      let refresh = options.refresh ?? false
      for (let round = 0; ; round++) {
        const state = yield* repo.state(pilotId)
        if (state === undefined) return yield* Effect.flatMap(pilots.get(pilotId), () => Effect.die(`pilot "${pilotId}" has no row`))
        const nowMs = yield* Clock.currentTimeMillis
        if (state.stored !== undefined && !refresh && (fresh(state, nowMs) || round === MAX_ROUNDS)) {
          return yield* load(pilotId, state.stored.snapshotId)
        }
        // A computation that was running when the refresh was asked for may have read older
        // data: the next round waits for one that starts now.
        refresh = refresh && running.has(pilotId)
        yield* compute(pilotId)
      }
    })

    /**
     * The evaluation shown for a moment: without one, the current snapshot's (and the snapshot);
     * for an explicit moment, computed for it (where snapshots are computed) and not stored.
     */
    const evaluation = (
      pilotId: string,
      options: SnapshotOptions & { readonly asOfMs?: number | undefined } = {}
    ): Effect.Effect<{ readonly snapshot: AnalysisSnapshot | undefined; readonly evaluation: Evaluation }, ComputeError> =>
      options.asOfMs === undefined
        ? Effect.map(current(pilotId, options), (snapshot) => ({ snapshot, evaluation: snapshot.evaluation }))
        : Effect.map(computer.evaluate(pilotId, options.asOfMs), (evaluation) => ({ snapshot: undefined, evaluation }))

    /** Computes, one pilot at a time, every snapshot that is missing or stale (the server's background job). */
    const refreshStale = Effect.fn("Snapshots.refreshStale")(function*(ahead = SNAPSHOT_MAX_AGE_MS / 2) {
      const nowMs = yield* Clock.currentTimeMillis
      const stale = (yield* repo.states()).filter((s) =>
        !isCurrent(s) || nowMs - Date.parse(s.stored!.computedAt) >= SNAPSHOT_MAX_AGE_MS - ahead)
      for (const s of stale) {
        yield* compute(s.pilotId).pipe(
          Effect.catchAll((e) => Effect.logWarning(`results snapshot of "${s.pilotId}" not computed: ${e.message}`))
        )
      }
      return stale.length
    })

    /** Starts computing the pilot's snapshot without waiting (after new data was committed). */
    const refreshSoon = (pilotId: string) =>
      compute(pilotId).pipe(
        Effect.catchAll((e) => Effect.logWarning(`results snapshot of "${pilotId}" not computed: ${e.message}`)),
        Effect.forkDaemon,
        Effect.asVoid
      )

    return { current, evaluation, refreshStale, refreshSoon } as const
  }),
  dependencies: [SnapshotRepo.Default, PilotRepo.Default, SnapshotBuilder.Default, Alerts.Default]
}) {}
