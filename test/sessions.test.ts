/**
 * Web sessions on SQLite and PostgreSQL: login trades a token for a session key (the cookie never
 * holds the token, and the key opens no API call); logout ends the session on the server;
 * revoking the token ends its sessions; a session expires after SESSION_DAYS.
 */
import { describe, expect, layer } from "@effect/vitest"
import { SESSION_DAYS, Tokens } from "@pilotproof/engine"
import { COOKIE, start } from "@pilotproof/server"
import { Context, Duration, Effect, Exit, Layer, Option, Scope, TestClock } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, it } from "vitest"
import { Database } from "@pilotproof/store"
import { DIALECTS } from "./fixtures/Databases.js"

const sessionCookie = (response: Response): string | undefined => {
  const header = response.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`))
  return header?.slice(COOKIE.length + 1).split(";")[0]
}

for (const dialect of DIALECTS) {
  describe(`web sessions on ${dialect.name}`, () => {
    let dir: string
    let base: string
    let scope: Scope.CloseableScope
    let cleanup: () => Promise<void>
    let tokens: Tokens

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "pilotproof-sessions-"))
      const location = await dialect.location(dir)
      cleanup = location.cleanup
      scope = Effect.runSync(Scope.make())
      const started = await Effect.runPromise(Scope.extend(start({ location: location.url, port: 0 }), scope))
      base = started.url
      tokens = Context.get(started.context, Tokens)
    })
    afterAll(async () => {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      await cleanup()
      rmSync(dir, { recursive: true, force: true })
    })

    const login = async (token: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${base}/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams({ token, next: "/" }).toString(),
        redirect: "manual"
      })
      return { status: response.status, session: sessionCookie(response), setCookie: response.headers.get("set-cookie") ?? "" }
    }
    const home = (session: string) => fetch(`${base}/`, { headers: { cookie: `${COOKIE}=${session}` }, redirect: "manual" })

    it("keeps a session key in the cookie, never the token, and the key opens no API call", async () => {
      const { token } = await Effect.runPromise(tokens.create("session user", "analyst"))
      const { session, setCookie, status } = await login(token)
      expect(status).toBe(303)
      expect(session).toMatch(/^ps_[A-Za-z0-9_-]{43}$/)
      expect(setCookie).not.toContain(token)
      expect(setCookie).toMatch(/HttpOnly/i)
      expect(setCookie).toMatch(/SameSite=Strict/i)
      expect((await home(session!)).status).toBe(200)
      expect((await fetch(`${base}/api/pilots`, { headers: { authorization: `Bearer ${session}` } })).status).toBe(401)
      expect((await login("pp_not-a-real-token-at-all-000000")).status).toBe(401)
    })

    it("marks the cookie Secure when a TLS proxy says the browser came over HTTPS, and not over plain HTTP", async () => {
      const { token } = await Effect.runPromise(tokens.create("behind a proxy", "analyst"))
      expect((await login(token)).setCookie).not.toMatch(/;\s*Secure/i)
      const proxied = await login(token, { "x-forwarded-proto": "https" })
      expect(proxied.status).toBe(303)
      expect(proxied.setCookie).toMatch(/;\s*Secure/i)
      expect(proxied.setCookie).toMatch(/HttpOnly/i)
    })

    it("ends the session on the server at logout: the old cookie no longer opens a page", async () => {
      const { token } = await Effect.runPromise(tokens.create("logs out", "owner"))
      const { session } = await login(token)
      expect((await home(session!)).status).toBe(200)
      const out = await fetch(`${base}/logout`, { method: "POST", headers: { cookie: `${COOKIE}=${session}` }, redirect: "manual" })
      expect(out.status).toBe(303)
      expect(sessionCookie(out)).toBe("")
      const after = await home(session!)
      expect(after.status).toBe(303)
      expect(after.headers.get("location")).toMatch(/^\/login/)
      // the token itself still works: logging out is not revoking
      expect((await login(token)).status).toBe(303)
    })

    it("refuses forms posted from another site's page, and forgets a token cookie of older versions", async () => {
      const { token } = await Effect.runPromise(tokens.create("cross-site target", "admin"))
      const { session } = await login(token)
      const post = (path: string, headers: Record<string, string>) =>
        fetch(`${base}${path}`, { method: "POST", headers: { cookie: `${COOKIE}=${session}`, ...headers }, redirect: "manual" })
      expect((await post("/logout", { origin: "http://evil.example" })).status).toBe(403)
      expect((await post("/logout", { "sec-fetch-site": "cross-site" })).status).toBe(403)
      expect((await post("/tokens", { origin: "null", "content-type": "application/x-www-form-urlencoded" })).status).toBe(403)
      expect((await home(session!)).status).toBe(200) // still logged in
      // this site's own pages may post
      const own = await post("/logout", { origin: base, "sec-fetch-site": "same-origin" })
      expect(own.status).toBe(303)
      expect((await home(session!)).status).toBe(303)

      const legacy = await fetch(`${base}/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: `pilotproof_token=${token}` },
        body: new URLSearchParams({ token, next: "/\\evil.example" }).toString(),
        redirect: "manual"
      })
      expect(legacy.status).toBe(303)
      expect(legacy.headers.get("location")).toBe("/")
      expect(legacy.headers.getSetCookie().find((c) => c.startsWith("pilotproof_token="))).toMatch(/^pilotproof_token=;.*Max-Age=0/i)
    })

    it("ends every session of a revoked token", async () => {
      const { info, token } = await Effect.runPromise(tokens.create("gets revoked", "finance"))
      const first = (await login(token)).session!
      const second = (await login(token)).session!
      expect(first).not.toBe(second)
      expect(await Effect.runPromise(tokens.revoke(info.id))).toBe(true)
      for (const session of [first, second]) expect((await home(session)).status).toBe(303)
    })
  })
}

describe("session expiry", () => {
  layer(Tokens.Default.pipe(Layer.provideMerge(DIALECTS[0]!.layer())))((it) => {
    it.effect(`a session lasts ${SESSION_DAYS} days`, () =>
      Effect.gen(function*() {
        const tokens = yield* Tokens
        yield* TestClock.setTime(Date.parse("2026-03-01T00:00:00Z"))
        const { token } = yield* tokens.create("expires", "analyst")
        const opened = Option.getOrThrow(yield* tokens.startSession(token))
        expect(opened.expiresAt).toBe("2026-03-31T00:00:00.000Z")
        yield* TestClock.adjust(Duration.days(SESSION_DAYS).pipe(Duration.subtract(Duration.seconds(1))))
        expect(Option.isSome(yield* tokens.authenticateSession(opened.session))).toBe(true)
        yield* TestClock.adjust(Duration.seconds(1))
        expect(Option.isNone(yield* tokens.authenticateSession(opened.session))).toBe(true)
        // opening a session forgets the ended and expired ones
        const database = yield* Database
        const count = () => database.use("count", (db) => db.selectFrom("sessions").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow())
        expect(Number((yield* count()).n)).toBe(1) // the expired one
        const ended = Option.getOrThrow(yield* tokens.startSession(token))
        expect(Number((yield* count()).n)).toBe(1) // the expired one went, this one came
        yield* tokens.endSession(ended.session)
        const live = Option.getOrThrow(yield* tokens.startSession(token))
        expect(Number((yield* count()).n)).toBe(1) // the ended one went
        expect(Option.isSome(yield* tokens.authenticateSession(live.session))).toBe(true)
        // a token is not a session key, nor the other way round
        expect(Option.isNone(yield* tokens.authenticateSession(token))).toBe(true)
        expect(Option.isNone(yield* tokens.authenticate(opened.session))).toBe(true)
      }))
  })
})
