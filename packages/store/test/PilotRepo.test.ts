import { describe, expect, it, layer } from "@effect/vitest"
import { Database, PilotRepo } from "@pilotproof/store"
import { Effect, Either, Layer } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DIALECTS } from "../../../test/fixtures/Databases.js"
import { minimalPilot, registerInput } from "../../../test/fixtures/Definitions.js"

for (const dialect of DIALECTS) {
  describe(`PilotRepo on ${dialect.name}`, () => {
    layer(PilotRepo.Default.pipe(Layer.provideMerge(dialect.layer())))((it) => {
      it.effect("creates a pilot, ignores an unchanged re-registration, versions a changed draft", () =>
        Effect.gen(function*() {
          const repo = yield* PilotRepo
          const v1 = minimalPilot("versioned")
          const [created] = yield* repo.register([registerInput(v1)])
          expect(created).toMatchObject({ pilotId: "versioned", outcome: "created", version: 1 })

          const [again] = yield* repo.register([registerInput(v1, "again.yaml")])
          expect(again).toMatchObject({ outcome: "unchanged", version: 1, definitionHash: created!.definitionHash })

          const v2 = { ...v1, plan: { ...v1.plan, minDays: 21 } }
          const [changed] = yield* repo.register([registerInput(v2, "v2.yaml")])
          expect(changed).toMatchObject({ outcome: "new-version", version: 2 })
          expect(changed!.definitionHash).not.toBe(created!.definitionHash)

          const versions = yield* repo.versions("versioned")
          expect(versions.map((v) => [v.version, v.source, v.definition.plan.minDays])).toEqual([[1, "test.yaml", 14], [2, "v2.yaml", 21]])
          const pilot = yield* repo.get("versioned")
          expect(pilot).toMatchObject({ status: "draft", version: 2, definitionHash: changed!.definitionHash })
          expect(pilot.designHash).toBeUndefined()
        }))

      it.effect("freezes the design on start: a changed file is refused and the stored hash stays", () =>
        Effect.gen(function*() {
          const repo = yield* PilotRepo
          const original = minimalPilot("frozen")
          const [created] = yield* repo.register([registerInput(original)])
          const started = yield* repo.start("frozen", "2026-01-02T00:00:00.000Z")
          expect(started).toMatchObject({ status: "running", designHash: created!.definitionHash, startedAt: "2026-01-02T00:00:00.000Z" })

          // Re-registering the unchanged definition stays a no-op.
          const [same] = yield* repo.register([registerInput(original)])
          expect(same!.outcome).toBe("unchanged")

          const changed = { ...original, metrics: [original.metrics[0], { ...original.metrics[1], margin: 0.05 }] }
          const refused = yield* Effect.either(repo.register([registerInput(changed, "changed.yaml")]))
          expect(Either.isLeft(refused)).toBe(true)
          const error = Either.getLeft(refused).pipe((o) => o._tag === "Some" ? o.value : undefined)
          expect(error?._tag).toBe("PilotDesignFrozen")
          if (error?._tag === "PilotDesignFrozen") {
            expect(error.changed).toEqual(["metrics[1].margin"])
            expect(error.message).toContain("changed.yaml")
            expect(error.message).toContain("frozen-v2")
          }
          const after = yield* repo.get("frozen")
          expect(after).toMatchObject({ status: "running", version: 1, designHash: created!.definitionHash })
          expect(yield* repo.versions("frozen")).toHaveLength(1)

          const stopped = yield* repo.stop("frozen", "2026-01-30T00:00:00.000Z")
          expect(stopped).toMatchObject({ status: "stopped", designHash: created!.definitionHash })
          const stillRefused = yield* Effect.flip(repo.register([registerInput(changed)]))
          expect(stillRefused._tag).toBe("PilotDesignFrozen")
        }))

      it.effect("a batch is all or nothing: one frozen pilot rolls back the others", () =>
        Effect.gen(function*() {
          const repo = yield* PilotRepo
          yield* repo.register([registerInput(minimalPilot("batch-running"))])
          yield* repo.start("batch-running", "2026-01-02T00:00:00.000Z")
          const changed = { ...minimalPilot("batch-running"), name: "Renamed" }
          const error = yield* Effect.flip(repo.register([registerInput(minimalPilot("batch-new")), registerInput(changed)]))
          expect(error._tag).toBe("PilotDesignFrozen")
          const missing = yield* Effect.flip(repo.get("batch-new"))
          expect(missing._tag).toBe("PilotNotFound")
        }))

      it.effect("refuses transitions the lifecycle does not allow", () =>
        Effect.gen(function*() {
          const repo = yield* PilotRepo
          yield* repo.register([registerInput(minimalPilot("lifecycle"))])
          const stopDraft = yield* Effect.flip(repo.stop("lifecycle", "2026-01-02T00:00:00.000Z"))
          expect(stopDraft.message).toBe(`cannot stop pilot "lifecycle": it is draft`)
          yield* repo.start("lifecycle", "2026-01-02T00:00:00.000Z")
          const startTwice = yield* Effect.flip(repo.start("lifecycle", "2026-01-03T00:00:00.000Z"))
          expect(startTwice._tag).toBe("InvalidTransition")
          const pilot = yield* repo.get("lifecycle")
          expect(pilot.startedAt).toBe("2026-01-02T00:00:00.000Z")
        }))

      it.effect("names the known pilots when an id is wrong", () =>
        Effect.gen(function*() {
          const repo = yield* PilotRepo
          yield* repo.register([registerInput(minimalPilot("known-one"))])
          const error = yield* Effect.flip(repo.get("unknown-one"))
          expect(error._tag).toBe("PilotNotFound")
          expect(error.message).toContain(`no pilot with id "unknown-one"`)
          expect(error.message).toContain("known-one")
          expect((yield* Effect.flip(repo.start("unknown-one", "2026-01-02T00:00:00.000Z")))._tag).toBe("PilotNotFound")
        }))

      it.effect("lists pilots in id order with their current definitions", () =>
        Effect.gen(function*() {
          const repo = yield* PilotRepo
          yield* repo.register([registerInput(minimalPilot("zz-last")), registerInput(minimalPilot("aa-first"))])
          const ids: Array<string> = (yield* repo.list()).map((p) => p.id)
          expect(ids.indexOf("aa-first")).toBeLessThan(ids.indexOf("zz-last"))
          expect([...ids].sort()).toEqual(ids)
        }))
    })
  })
}

describe("Database", () => {
  it.effect("keeps an SQLite file's registry across reopening", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "pilotproof-"))
      const file = join(dir, "registry.db")
      const withFile = <A, E>(effect: Effect.Effect<A, E, PilotRepo>) =>
        Effect.provide(effect, PilotRepo.Default.pipe(Layer.provide(Database.sqlite(file))))
      yield* withFile(Effect.flatMap(PilotRepo, (repo) => repo.register([registerInput(minimalPilot("durable"))])))
      const pilot = yield* withFile(Effect.flatMap(PilotRepo, (repo) => repo.get("durable")))
      expect(pilot.version).toBe(1)
      rmSync(dir, { recursive: true, force: true })
    }))

  it.effect("reports an unreachable PostgreSQL server clearly, without the password", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.provide(PilotRepo.pipe(Effect.asVoid), PilotRepo.Default.pipe(Layer.provide(Database.postgres("postgres://me:secret@127.0.0.1:1/none"))))
      )
      expect(error._tag).toBe("StorageError")
      expect(error.message).toContain("cannot reach the database at postgres://me:***@127.0.0.1:1/none")
      expect(error.message).not.toContain("secret")
    }))

  it.effect("reports an SQLite file in a missing directory", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.provide(PilotRepo.pipe(Effect.asVoid), PilotRepo.Default.pipe(Layer.provide(Database.sqlite("/nonexistent-dir/x/pilotproof.db"))))
      )
      expect(error._tag).toBe("StorageError")
      expect(error.message).toContain("opening the database")
      expect(error.message).toContain("/nonexistent-dir/x/pilotproof.db")
    }))
})
