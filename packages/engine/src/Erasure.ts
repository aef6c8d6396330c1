/**
 * The right to erasure: every event and rejected row of one person, in every pilot, deleted in
 * one transaction, and the erasure logged under a keyed hash of the id (never the id). Later
 * analyses simply do not see the person. A manager of a cluster-randomized pilot is unlinked from
 * the deals that name them (the deals are the customers' and stay).
 */
import { ConnectorRepo, EventRepo } from "@pilotproof/store"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { Pseudonymizer } from "./Pseudonymizer.js"
import { nowIso } from "./Now.js"

export class Erasure extends Effect.Service<Erasure>()("@pilotproof/engine/Erasure", {
  effect: Effect.gen(function*() {
    const events = yield* EventRepo
    const connectors = yield* ConnectorRepo
    const pseudonymizer = yield* Pseudonymizer
    return {
      erase: Effect.fn("Erasure.erase")(function*(unitId: string) {
        const at = yield* nowIso
        const id = unitId.trim()
        const key = pseudonymizer.unitKey(id)
        // Rejected rows are found by their unit key and by content: a row rejected before its
        // unit id could be read keeps the id only in its text (the key too, where it was shown).
        // The id may also be a manager's in a cluster-randomized pilot: its cluster key goes too.
        const cluster = pseudonymizer.clusterKey(id)
        // a Bitrix24 deal waiting to be fetched again is kept by its own id until then
        yield* connectors.erasePending(id)
        return yield* events.erase(key, [...new Set([key, id, cluster])], pseudonymizer.subjectHash(id), randomUUID(), at, cluster)
      }),
      log: events.erasures
    } as const
  }),
  dependencies: [EventRepo.Default, ConnectorRepo.Default, Pseudonymizer.Default]
}) {}
