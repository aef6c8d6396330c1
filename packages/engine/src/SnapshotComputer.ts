/**
 * Where snapshots are computed: the port `Snapshots` calls when a snapshot is stale. Without one
 * in the context (the CLI, tests) `Snapshots` computes in its own process; the server provides
 * worker threads (in `@pilotproof/server`), so a CPU-bound analysis never holds the event loop
 * that answers every other request. Both sides of the worker speak the messages below.
 */
import { Evaluation, PilotNotFound, StorageError } from "@pilotproof/domain"
import { Context, type Effect, Schema } from "effect"

export class SnapshotComputer extends Context.Tag("@pilotproof/engine/SnapshotComputer")<SnapshotComputer, {
  /** Computes and stores the pilot's snapshot as of now; the id of the snapshot stored. */
  readonly compute: (pilotId: string) => Effect.Effect<string, PilotNotFound | StorageError>
  /** The pilot's evaluation as of an explicit moment (`?asOf=`), computed and not stored. */
  readonly evaluate: (pilotId: string, asOfMs: number) => Effect.Effect<Evaluation, PilotNotFound | StorageError>
}>() {}

/** The worker's first message: the database it opens (a file path or a PostgreSQL URL). */
export class SnapshotWorkerInit extends Schema.TaggedRequest<SnapshotWorkerInit>()("InitialMessage", {
  failure: StorageError,
  success: Schema.Void,
  payload: { location: Schema.String }
}) {}

/** Compute and store one pilot's snapshot; answers its id. */
export class ComputeSnapshot extends Schema.TaggedRequest<ComputeSnapshot>()("ComputeSnapshot", {
  failure: Schema.Union(PilotNotFound, StorageError),
  success: Schema.String,
  payload: { pilotId: Schema.String }
}) {}

/** Evaluate one pilot as of a moment; answers the evaluation (nothing is stored). */
export class EvaluateAt extends Schema.TaggedRequest<EvaluateAt>()("EvaluateAt", {
  failure: Schema.Union(PilotNotFound, StorageError),
  success: Evaluation,
  payload: { pilotId: Schema.String, asOfMs: Schema.Number }
}) {}

export const SnapshotWorkerMessage = Schema.Union(SnapshotWorkerInit, ComputeSnapshot, EvaluateAt)
export type SnapshotWorkerMessage = typeof SnapshotWorkerMessage.Type
