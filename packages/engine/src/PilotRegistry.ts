/**
 * Use cases of the pilot registry: validate a pilot file, register it (versioned, frozen once
 * started), list and show pilots, start and stop them.
 */
import {
  type DefinitionIssue,
  DefinitionIssue as Issue,
  InvalidPilotDefinition,
  InvalidPilotFiles,
  type Pilot,
  type PilotVersion,
  type Registration
} from "@pilotproof/domain"
import { PilotRepo } from "@pilotproof/store"
import { Effect, Either } from "effect"
import { fingerprint } from "./DesignHash.js"
import { parsePilotFile } from "./PilotFile.js"
import { nowIso } from "./Now.js"

export interface Registered {
  readonly registration: Registration
  readonly warnings: ReadonlyArray<DefinitionIssue>
}

export interface PilotFileText {
  readonly source: string
  readonly text: string
}

export interface PilotDetails {
  readonly pilot: Pilot
  readonly versions: ReadonlyArray<PilotVersion>
}


export class PilotRegistry extends Effect.Service<PilotRegistry>()("@pilotproof/engine/PilotRegistry", {
  effect: Effect.gen(function*() {
    const repo = yield* PilotRepo

    /** Parses and validates a pilot file's text; `source` names it in every message. */
    const validate = Effect.fn("PilotRegistry.validate")(function*(text: string, source: string) {
      return yield* parsePilotFile(text, source)
    })

    /**
     * Registers pilot files all or nothing: every file is validated first (all problems of all
     * files are reported together), then all are written in one transaction.
     */
    const register = Effect.fn("PilotRegistry.register")(function*(files: ReadonlyArray<PilotFileText>) {
      const parsed = files.map((f) => parsePilotFile(f.text, f.source))
      const invalid = parsed.flatMap((p) => (Either.isLeft(p) ? [p.left] : []))
      const valid = parsed.flatMap((p, i) => (Either.isRight(p) ? [{ ...p.right, source: files[i]!.source }] : []))
      // Two files defining the same pilot in one batch would make the outcome depend on order.
      valid.forEach((v, i) => {
        const first = valid.findIndex((w) => w.definition.id === v.definition.id)
        if (first !== i) {
          invalid.push(new InvalidPilotDefinition({
            source: v.source,
            issues: [new Issue({ path: "id", message: `pilot "${v.definition.id}" is also defined in ${valid[first]!.source}` })]
          }))
        }
      })
      if (invalid.length > 0) return yield* invalid.length === 1 ? invalid[0]! : new InvalidPilotFiles({ files: invalid })
      const at = yield* nowIso
      const registrations = yield* repo.register(valid.map(({ definition, source }) => {
        const { canonical, hash } = fingerprint(definition)
        return { definition, canonical, definitionHash: hash, source, now: at }
      }))
      return registrations.map((registration, i) => ({ registration, warnings: valid[i]!.warnings }) satisfies Registered)
    })

    const show = Effect.fn("PilotRegistry.show")(function*(pilotId: string) {
      const pilot = yield* repo.get(pilotId)
      const versions = yield* repo.versions(pilotId)
      return { pilot, versions } satisfies PilotDetails
    })

    return {
      validate,
      register,
      list: repo.list,
      /** The pilot with its current definition (without its versions). */
      get: repo.get,
      show,
      start: Effect.fn("PilotRegistry.start")(function*(pilotId: string) {
        return yield* repo.start(pilotId, yield* nowIso)
      }),
      stop: Effect.fn("PilotRegistry.stop")(function*(pilotId: string) {
        return yield* repo.stop(pilotId, yield* nowIso)
      })
    } as const
  }),
  dependencies: [PilotRepo.Default]
}) {}

export type { InvalidPilotDefinition }
