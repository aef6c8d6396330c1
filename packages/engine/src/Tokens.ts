/**
 * API tokens and roles. A token is 32 random bytes (base64url, prefixed `pp_`), shown once when
 * created; the database keeps only its SHA-256, so a stolen database does not leak tokens. The
 * web pages trade a token for a session key once, at login, so the browser never holds a token.
 * Each token has one role (`Role` in the domain).
 */
import { InputError, isRole, type Principal, type Role, ROLES } from "@pilotproof/domain"
import { type TokenRow, TokenRepo } from "@pilotproof/store"
import { Clock, Effect, Option } from "effect"
import { createHash, randomBytes, randomUUID } from "node:crypto"
import { nowIso } from "./Now.js"

export interface TokenInfo {
  readonly id: string
  readonly name: string
  readonly role: Role
  readonly createdAt: string
  readonly revokedAt?: string
}

/** How long a web session lasts after logging in. */
export const SESSION_DAYS = 30

/** Hex SHA-256 of a token or session key: what the database stores and looks up. */
export const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex")

const info = (row: TokenRow): TokenInfo => ({
  id: row.id,
  name: row.name,
  role: row.role,
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
      const at = yield* nowIso
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
      const at = yield* nowIso
      return yield* repo.revoke(id, at)
    })

    /**
     * Opens a web session for an active token: a new random key (shown once, to be kept in a
     * cookie) valid for `SESSION_DAYS` days, until logout, or until the token is revoked.
     */
    const startSession = Effect.fn("Tokens.startSession")(function*(token: string) {
      const principal = yield* authenticate(token)
      if (Option.isNone(principal)) return Option.none<{ readonly session: string; readonly principal: Principal; readonly expiresAt: string }>()
      const now = yield* Clock.currentTimeMillis
      const session = `ps_${randomBytes(32).toString("base64url")}`
      const expiresAt = new Date(now + SESSION_DAYS * 86_400_000).toISOString()
      yield* repo.insertSession({ hash: hashToken(session), token_id: principal.value.tokenId, created_at: new Date(now).toISOString(), expires_at: expiresAt, ended_at: null })
      return Option.some({ session, principal: principal.value, expiresAt })
    })

    /** The principal of a live session key, or none (unknown, ended, expired, or its token revoked). */
    const authenticateSession = Effect.fn("Tokens.authenticateSession")(function*(session: string) {
      if (!/^ps_[A-Za-z0-9_-]{20,100}$/.test(session)) return Option.none<Principal>()
      const now = yield* nowIso
      const row = yield* repo.findSession(hashToken(session), now)
      if (row === undefined || !isRole(row.role)) return Option.none<Principal>()
      return Option.some<Principal>({ tokenId: row.id, name: row.name, role: row.role })
    })

    const endSession = Effect.fn("Tokens.endSession")(function*(session: string) {
      yield* repo.endSession(hashToken(session), yield* nowIso)
    })

    return { create, authenticate, list, revoke, countActive: repo.countActive, startSession, authenticateSession, endSession } as const
  }),
  dependencies: [TokenRepo.Default]
}) {}
