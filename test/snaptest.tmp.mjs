import { EngineLayer, Snapshots } from "@pilotproof/engine"
import { SnapshotRepo } from "@pilotproof/store"
import { Effect, Layer } from "effect"
const prog = Effect.gen(function*() {
  const s = yield* Snapshots
  const snap = yield* s.current("lead-scoring-queue-priority")
  console.log(snap.id, snap.computeMs)
})
await Effect.runPromise(prog.pipe(Effect.provide(EngineLayer("/tmp/snap/pp.db")), Effect.tapErrorCause(Effect.logError)))
