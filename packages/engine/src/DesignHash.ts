/**
 * The pre-registration fingerprint: SHA-256 over the canonical JSON of the *encoded*
 * definition, with defaults filled in. Comments, key order, white space and spelling out a
 * default do not change it; any change of meaning does.
 */
import { canonicalJson, PilotDefinition } from "@pilotproof/domain"
import { Schema } from "effect"
import { createHash } from "node:crypto"

const encode = Schema.encodeSync(PilotDefinition)

export interface Fingerprint {
  readonly canonical: string
  readonly hash: string
}

export const fingerprint = (definition: PilotDefinition): Fingerprint => {
  const canonical = canonicalJson(encode(definition))
  return { canonical, hash: createHash("sha256").update(canonical).digest("hex") }
}
