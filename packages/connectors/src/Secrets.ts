/**
 * Secrets a connector compares: a URL secret (amoCRM, Salesforce) or Bitrix24's application
 * token, stored only as its SHA-256 and compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"

export const secretHash = (secret: string): string => createHash("sha256").update(secret, "utf8").digest("hex")

/** Whether `given` is the secret whose hash is `storedHash`, in time independent of where they differ. */
export const secretMatches = (given: string | undefined, storedHash: string): boolean => {
  if (given === undefined || given === "") return false
  const a = Buffer.from(secretHash(given), "hex")
  const b = Buffer.from(storedHash, "hex")
  return a.length === b.length && timingSafeEqual(a, b)
}

/** A new URL secret: 32 random bytes, URL-safe base64. */
export const newSecret = (): string => randomBytes(32).toString("base64url")
