/**
 * Synthetic contact details: a Russian mobile number and an e-mail at a reserved example
 * domain (RFC 2606), unique per person. Phones are normally E.164 (`+79123456789`); the
 * `unnormalizedPhones` defect writes them the way people type them (`8 (912) 345-67-89`).
 */
import type { Random } from "@pilotproof/stats"

export interface Contact {
  readonly phone?: string
  readonly email?: string
}

const FIRST = ["anna", "ivan", "olga", "dmitry", "elena", "sergey", "maria", "alexey", "irina", "pavel", "natalia", "igor", "tatiana", "nikolay", "svetlana", "andrey"]
const LAST = ["petrov", "ivanova", "smirnov", "kuznetsova", "popov", "volkova", "sokolov", "lebedeva", "kozlov", "novikova", "morozov", "orlova"]
const DOMAINS = ["example.com", "example.org", "example.net"]

/**
 * A person's contact: a phone with probability `phoneShare`, an e-mail with `emailShare`.
 * `serial` (unique per person) makes both unique: the last seven phone digits are
 * (serial × 7919 + 1234567) mod 10⁷, a bijection on serials below 10⁷ since gcd(7919, 10⁷) = 1.
 */
export const makeContact = (random: Random, serial: number, phoneShare: number, emailShare: number): Contact => {
  const hasPhone = random.uniform() < phoneShare
  const operator = 900 + random.integer(100)
  const hasEmail = random.uniform() < emailShare
  const first = FIRST[random.integer(FIRST.length)]!
  const last = LAST[random.integer(LAST.length)]!
  const domain = DOMAINS[random.integer(DOMAINS.length)]!
  const line = String((serial * 7919 + 1_234_567) % 10_000_000).padStart(7, "0")
  return {
    ...(hasPhone ? { phone: `+7${operator}${line}` } : {}),
    ...(hasEmail ? { email: `${first}.${last}${serial}@${domain}` } : {})
  }
}

/** `+79123456789` → `8 (912) 345-67-89`. */
export const unnormalizedPhone = (phone: string): string => {
  const d = phone.slice(2)
  return `8 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8, 10)}`
}
