/**
 * Pseudonymization: with `PILOTPROOF_PSEUDONYM_KEY` set, every unit id and identity attribute is
 * (and a cluster-randomized pilot's cluster id) replaced on ingest by a keyed HMAC-SHA-256 (first 128 bits, hex), so raw CRM ids never reach
 * the database, and the same person always maps to the same pseudonym. Without a key, ids are
 * stored as received. Erasure records keep only a keyed hash of the erased id.
 */
import { Config, Effect, Option, Redacted } from "effect"
import { createHash, createHmac } from "node:crypto"

const hmac = (key: Redacted.Redacted<string>, domain: string, value: string) =>
  createHmac("sha256", Redacted.value(key)).update(`${domain}\u0000${value}`).digest("hex").slice(0, 32)

export class Pseudonymizer extends Effect.Service<Pseudonymizer>()("@pilotproof/engine/Pseudonymizer", {
  effect: Effect.gen(function*() {
    const key = yield* Config.option(Config.redacted("PILOTPROOF_PSEUDONYM_KEY"))
    const enabled = Option.isSome(key)
    return {
      enabled,
      /** The unit id as stored. */
      unitKey: (unitId: string): string => (Option.isSome(key) ? `p_${hmac(key.value, "unit", unitId)}` : unitId),
      /**
       * An event id as stored: CRM ids often embed the lead or contact id (`assign:<pilot>:<unit>`,
       * `lead-42-won`), so they are keyed like unit ids; the same id always maps to the same key,
       * so re-delivery stays harmless.
       */
      eventKey: (eventId: string): string => (Option.isSome(key) ? `p_${hmac(key.value, "event", eventId)}` : eventId),
      /** A cluster-randomized pilot's cluster id (a manager: a person too) as stored. */
      clusterKey: (clusterId: string): string => (Option.isSome(key) ? `p_${hmac(key.value, "cluster", clusterId)}` : clusterId),
      /** A normalized phone or e-mail as stored (for matching, never for contacting). */
      identityKey: (kind: "phone" | "email", normalized: string): string =>
        Option.isSome(key) ? `p_${hmac(key.value, kind, normalized)}` : normalized,
      /** What the erasure log keeps of an erased id: never the id itself. */
      subjectHash: (unitId: string): string =>
        Option.isSome(key)
          ? hmac(key.value, "erasure", unitId)
          : createHash("sha256").update(`pilotproof-erasure\u0000${unitId}`).digest("hex").slice(0, 32)
    } as const
  })
}) {}
