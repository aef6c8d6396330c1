/**
 * The right to erasure: every event and rejected row of one person, in every pilot, deleted in
 * one transaction, and the erasure logged under a keyed hash of the id (never the id). Later
 * analyses simply do not see the person.
 */
import { EventRepo } from "@pilotproof/store"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { Pseudonymizer } from "./Pseudonymizer.js"
import { nowIso } from "./Now.js"

export class Erasure extends Effect.Service<Erasure>()("@pilotproof/engine/Erasure", {
  effect: Effect.gen(function*() {
    const events = yield* EventRepo
    const pseudonymizer = yield* Pseudonymizer
    return {
      erase: Effect.fn("Erasure.erase")(function*(unitId: string) {
        const at = yield* nowIso
        return yield* events.erase(pseudonymizer.unitKey(unitId.trim()), pseudonymizer.subjectHash(unitId.trim()), randomUUID(), at)
      }),
      log: events.erasures
    } as const
  }),
  dependencies: [EventRepo.Default, Pseudonymizer.Default]
}) {}
