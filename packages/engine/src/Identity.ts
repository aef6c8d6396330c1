/**
 * Normalizing the identity attributes CRM exports carry (`phone`, `email`), so the readiness
 * report can find one person under two unit ids and count malformed values.
 */

/**
 * E.164 (`+79123456789`) from common CRM spellings: spaces, dashes, dots and parentheses are
 * dropped; `00` becomes `+`; an 11-digit national number starting with 8 (Russia, Kazakhstan)
 * becomes `+7…`. Anything else without a leading `+` is not normalizable — the country is
 * unknown — and yields `undefined`.
 */
export const normalizePhone = (raw: string): string | undefined => {
  const compact = raw.trim().replace(/[\s().-]/g, "")
  let candidate: string
  if (/^\+\d+$/.test(compact)) candidate = compact
  else if (/^00\d+$/.test(compact)) candidate = `+${compact.slice(2)}`
  else if (/^8\d{10}$/.test(compact)) candidate = `+7${compact.slice(1)}`
  else return undefined
  return /^\+[1-9]\d{7,14}$/.test(candidate) ? candidate : undefined
}

/** Lower-cased, trimmed address with one `@` and a dotted domain, or `undefined`. */
export const normalizeEmail = (raw: string): string | undefined => {
  const email = raw.trim().toLowerCase()
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? email : undefined
}

/** The attribute names read as identities (case-insensitive). */
const PHONE_ATTRIBUTES = ["phone", "phone_number", "telephone", "mobile"]
const EMAIL_ATTRIBUTES = ["email", "e_mail", "mail"]

const IDENTITY_KINDS: ReadonlyMap<string, "phone" | "email"> = new Map([
  ...PHONE_ATTRIBUTES.map((name) => [name, "phone"] as const),
  ...EMAIL_ATTRIBUTES.map((name) => [name, "email"] as const)
])

/** Whether an attribute (any letter case) names a phone, an e-mail, or neither. */
export const identityKind = (attribute: string): "phone" | "email" | undefined => IDENTITY_KINDS.get(attribute.toLowerCase())
