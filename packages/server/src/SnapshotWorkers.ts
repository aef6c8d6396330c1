/**
 * The server's `SnapshotComputer`: results snapshots are computed in worker threads
 * (`@effect/platform`'s Worker over `node:worker_threads`), each with its own database
 * connection, so the event loop that answers requests never runs an analysis. Workers start
 * when there is work and stop after a few idle minutes; an in-memory SQLite database, which
 * another thread cannot open, is computed in this thread instead.
 */
import { Worker } from "@effect/platform"
import type { WorkerError } from "@effect/platform/WorkerError"
import { NodeWorker } from "@effect/platform-node"
import { StorageError } from "@pilotproof/domain"
import { ComputeSnapshot, EvaluateAt, SnapshotComputer, type SnapshotWorkerMessage, SnapshotWorkerInit } from "@pilotproof/engine"
import { Effect, Layer, Redacted } from "effect"
import type { ParseError } from "effect/ParseResult"
import { existsSync } from "node:fs"
import { availableParallelism } from "node:os"
import * as WorkerThreads from "node:worker_threads"

/** One thread per core but one (kept for requests), at least one, at most four. */
export const defaultWorkers = () => Math.max(1, Math.min(4, availableParallelism() - 1))

/**
 * The worker's entry point beside this module (`dist/`, or the CLI bundle's folder); when this
 * module runs from its TypeScript source (the tests), the compiled one `npm run build` wrote.
 */
const workerEntry = () => {
  const beside = new URL("./SnapshotWorker.js", import.meta.url)
  return existsSync(beside) ? beside : new URL("../dist/SnapshotWorker.js", import.meta.url)
}

const inMemory = (location: string) => location === ":memory:" || location.startsWith("file::memory:")

const workerPool = (location: string, size: number) =>
  Layer.scoped(
    SnapshotComputer,
    Effect.gen(function*() {
      const pool = yield* Worker.makePoolSerialized<SnapshotWorkerMessage>({
        minSize: 0,
        maxSize: size,
        timeToLive: "5 minutes",
        initialMessage: () => new SnapshotWorkerInit({ location })
      })
      const failed = (what: string) => ({
        WorkerError: (e: WorkerError) => new StorageError({ operation: what, detail: `the snapshot worker failed: ${e.message}`, cause: e }),
        ParseError: (e: ParseError) => new StorageError({ operation: what, detail: `the snapshot worker's answer does not decode: ${e.message}`, cause: e })
      })
      return {
        compute: (pilotId: string) =>
          pool.executeEffect(new ComputeSnapshot({ pilotId })).pipe(
            Effect.catchTags(failed(`computing the results snapshot of "${pilotId}"`))
          ),
        evaluate: (pilotId: string, asOfMs: number) =>
          pool.executeEffect(new EvaluateAt({ pilotId, asOfMs })).pipe(
            Effect.catchTags(failed(`evaluating "${pilotId}" as of ${new Date(asOfMs).toISOString()}`))
          )
      }
    })
  ).pipe(Layer.provide(NodeWorker.layer(() => new WorkerThreads.Worker(workerEntry()))))

/** Snapshots of `location` computed in up to `size` worker threads (none for an in-memory database: computed here). */
export const SnapshotWorkers = (location: Redacted.Redacted<string> | string, size = defaultWorkers()) => {
  const plain = Redacted.isRedacted(location) ? Redacted.value(location) : location
  return inMemory(plain) ? Layer.empty : workerPool(plain, size)
}
