/**
 * Who may do what is decided per role: owner (registers and runs pilots), analyst (reads
 * everything, analyses and decides), finance (reads pilots and economics, records actuals),
 * admin (everything, tokens, erasure). The API annotates each endpoint with its roles; tokens
 * carry one role each.
 */
import { Schema } from "effect"

export const ROLES = ["owner", "analyst", "finance", "admin"] as const

export const Role = Schema.Literal(...ROLES)
export type Role = typeof Role.Type

export const isRole: (value: unknown) => value is Role = Schema.is(Role)

/** Who a valid token belongs to: what every authenticated request and page knows of its caller. */
export interface Principal {
  readonly tokenId: string
  readonly name: string
  readonly role: Role
}
