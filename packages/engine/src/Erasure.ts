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
        const id = unitId.trim()
        const key = pseudonymizer.unitKey(id)
        // Rejected rows are found by their unit key and by content: a row rejected before its
        // unit id could be read keeps the id only in its text (the key too, where it was shown).
        return yield* events.erase(key, [...new Set([key, id])], pseudonymizer.subjectHash(id), randomUUID(), at)
      }),
      log: events.erasures
    } as const
  }),
  dependencies: [EventRepo.Default, Pseudonymizer.Default]
}) {}
