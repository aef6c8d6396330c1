/**
 * API tokens and roles. A token is 32 random bytes (base64url, prefixed `pp_`), shown once when
 * created; the database keeps only its SHA-256, so a stolen database does not leak tokens.
 * Each token has one role (`Role` in the domain).
 */
import { InputError, isRole, type Principal, type Role, ROLES } from "@pilotproof/domain"
import { type TokenRow, TokenRepo } from "@pilotproof/store"
import { Clock, Effect, Option } from "effect"
import { createHash, randomBytes, randomUUID } from "node:crypto"

export interface TokenInfo {
  readonly id: string
  readonly name: string
  readonly role: Role
  readonly createdAt: string
  readonly revokedAt?: string
}

/** Hex SHA-256 of a token: what the database stores and looks up. */
export const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex")

const info = (row: TokenRow): TokenInfo => ({
  id: row.id,
  name: row.name,
  role: row.role as Role,
  createdAt: row.created_at,
  ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at })
})

export class Tokens extends Effect.Service<Tokens>()("@pilotproof/engine/Tokens", {
  effect: Effect.gen(function*() {
    const repo = yield* TokenRepo

    /** Creates a token; the returned `token` is the only time it is ever visible. */
    const create = Effect.fn("Tokens.create")(function*(name: string, role: string) {
      const trimmed = name.trim()
      if (trimmed === "" || trimmed.length > 100) {
        return yield* new InputError({ source: "token name", detail: "give the token a name of 1–100 characters (who or what uses it)" })
      }
      if (!isRole(role)) {
        return yield* new InputError({ source: "token role", detail: `role must be one of ${ROLES.join(", ")}, got "${role}"` })
      }
      const token = `pp_${randomBytes(32).toString("base64url")}`
      const at = new Date(yield* Clock.currentTimeMillis).toISOString()
      const row = yield* repo.insert({ id: randomUUID(), name: trimmed, role, hash: hashToken(token), created_at: at, revoked_at: null })
      return { token, info: info(row) }
    })

    /** The principal of an active token, or none (unknown, malformed or revoked). */
    const authenticate = Effect.fn("Tokens.authenticate")(function*(token: string) {
      if (!/^pp_[A-Za-z0-9_-]{20,100}$/.test(token)) return Option.none<Principal>()
      const row = yield* repo.findActive(hashToken(token))
      if (row === undefined || !isRole(row.role)) return Option.none<Principal>()
      return Option.some<Principal>({ tokenId: row.id, name: row.name, role: row.role })
    })

    const list = Effect.fn("Tokens.list")(function*() {
      return (yield* repo.list()).map(info)
    })

    const revoke = Effect.fn("Tokens.revoke")(function*(id: string) {
      const at = new Date(yield* Clock.currentTimeMillis).toISOString()
      return yield* repo.revoke(id, at)
    })

    return { create, authenticate, list, revoke, countActive: repo.countActive } as const
  }),
  dependencies: [TokenRepo.Default]
}) {}
