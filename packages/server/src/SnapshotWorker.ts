/**
 * The entry point of a snapshot worker thread (`SnapshotWorkers`): it opens the database named
 * by its first message and computes the snapshots (and as-of evaluations) it is asked for.
 */
import { WorkerRunner } from "@effect/platform"
import { NodeRuntime, NodeWorkerRunner } from "@effect/platform-node"
import { SnapshotBuilder, SnapshotBuilderLayer, SnapshotWorkerMessage } from "@pilotproof/engine"
import { Effect, Layer } from "effect"

const WorkerLive = WorkerRunner.layerSerialized(SnapshotWorkerMessage, {
  InitialMessage: ({ location }) => SnapshotBuilderLayer(location),
  ComputeSnapshot: ({ pilotId }) => Effect.flatMap(SnapshotBuilder, (builder) => Effect.map(builder.build(pilotId), (s) => s.id)),
  EvaluateAt: ({ asOfMs, pilotId }) => Effect.flatMap(SnapshotBuilder, (builder) => builder.evaluate(pilotId, asOfMs))
})

WorkerRunner.launch(WorkerLive.pipe(Layer.provide(NodeWorkerRunner.layer))).pipe(NodeRuntime.runMain)
