/**
 * The server against a hostile client, over HTTP on a real server (SQLite): `next` after login
 * only ever leads to a path on this site; every response (pages, API, errors, the OpenAPI
 * document) carries the security headers, and Chromium refuses to frame a page; failed logins
 * from one address are answered 429 with Retry-After, on the API and on the login form, while
 * other addresses go on; a pilot whose texts carry script and event-handler markup shows them as
 * text on every page and in the HTML report, in Chromium. Requests leave from chosen loopback
 * addresses (127.0.0.x) so that each test is its own client.
 */
import { LIMITS } from "@pilotproof/api"
import { Tokens } from "@pilotproof/engine"
import { COOKIE, LIVE_ESTIMATE, start, UPLOAD_PROGRESS } from "@pilotproof/server"
import { Context, Effect, Exit, Scope } from "effect"
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer, type IncomingHttpHeaders, request } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { requireBin, runCli } from "./fixtures/Cli.js"
import { minimalPilot } from "./fixtures/Definitions.js"

const CHROMIUM = "/usr/bin/chromium"
/** The only scripts a page may run: the two fixed enhancements, named by their SHA-256. */
const scriptHashes = [LIVE_ESTIMATE, UPLOAD_PROGRESS].map((s) => `'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`).sort()
/** The throttle of the server under test: three wrong tokens, or six failures, per second. */
const WINDOW_MS = 1000

interface Reply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly text: string
}

let dir: string
let base: string
let scope: Scope.CloseableScope
const token: Record<"admin" | "analyst", string> = { admin: "", analyst: "" }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pilotproof-web-security-"))
  scope = Effect.runSync(Scope.make())
  const started = await Effect.runPromise(Scope.extend(
    start({ location: join(dir, "pilotproof.db"), port: 0, loginThrottle: { guesses: 3, failures: 6, window: WINDOW_MS } }),
    scope
  ))
  base = started.url
  const tokens = Context.get(started.context, Tokens)
  for (const role of ["admin", "analyst"] as const) token[role] = (await Effect.runPromise(tokens.create(`${role} (web security)`, role))).token
})
afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  rmSync(dir, { recursive: true, force: true })
})

/** One request on a fresh connection from `from` (a loopback address: the client the server sees). */
const send = (path: string, options: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {}) =>
  new Promise<Reply>((resolve, reject) => {
    const req = request(`${base}${path}`, { method: options.method ?? "GET", headers: options.headers ?? {}, localAddress: options.from ?? "127.0.0.1", agent: false }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }))
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end(options.body)
  })

const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString()
})
const login = (tokenValue: string, next: string, from?: string) => send("/login", { ...form({ token: tokenValue, next }), ...(from === undefined ? {} : { from }) })
const sessionOf = (reply: Reply) =>
  (reply.headers["set-cookie"] ?? []).find((c) => c.startsWith(`${COOKIE}=`))?.slice(COOKIE.length + 1).split(";")[0]
const bearer = (value: string) => ({ authorization: `Bearer ${value}` })
const wrongToken = (i: number) => `pp_not-a-real-token-number-${String(i).padStart(6, "0")}`
/** The value of the login form's hidden `next` field. */
const nextField = (html: string) => /<input type="hidden" name="next" value="([^"]*)"/.exec(html)?.[1]

describe("the page after login (next)", () => {
  const hostile = [
    "/\t/evil.example", // browsers drop the tab: //evil.example
    "/\n/evil.example",
    "/\r\nset-cookie: planted=1",
    "/\\evil.example",
    "//evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "/ok\u0000",
    "/.//evil.example", // the origin stays, but the path "//evil.example" is another site
    "/..//evil.example",
    "/%2e%2e//evil.example"
  ]

  it("leads to / for anything but a path on this site, and never answers 500", async () => {
    for (const next of hostile) {
      const reply = await login(token.admin, next)
      expect([reply.status, reply.headers.location], JSON.stringify(next)).toEqual([303, "/"])
    }
  })

  it("keeps a path on this site, normalized, with its query and without its fragment", async () => {
    for (const [next, location] of [
      ["/pilots/p-1?as_of=2026-03-01", "/pilots/p-1?as_of=2026-03-01"],
      ["/pilots/a/../../tokens", "/tokens"],
      ["/register#top", "/register"],
      ["/pilots/%09x", "/pilots/%09x"]
    ] as const) {
      const reply = await login(token.admin, next)
      expect([reply.status, reply.headers.location], next).toEqual([303, location])
    }
  })

  it("does not pre-fill the login form with a hostile next from a link", async () => {
    for (const next of hostile) {
      const reply = await send(`/login?next=${encodeURIComponent(next)}`)
      expect([reply.status, nextField(reply.text)], JSON.stringify(next)).toEqual([200, "/"])
    }
    expect(nextField((await send(`/login?next=${encodeURIComponent("/pilots/p-1")}`)).text)).toBe("/pilots/p-1")
  })
})

describe("security headers", () => {
  const expectSecurityHeaders = (reply: Reply, what: string) => {
    expect({
      "x-content-type-options": reply.headers["x-content-type-options"],
      "x-frame-options": reply.headers["x-frame-options"],
      "referrer-policy": reply.headers["referrer-policy"],
      "cache-control": reply.headers["cache-control"]
    }, what).toEqual({ "x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "same-origin", "cache-control": "no-store" })
    const csp = String(reply.headers["content-security-policy"] ?? "")
    const directives = Object.fromEntries(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values.join(" ")]))
    expect(directives, `${what}: ${csp}`).toMatchObject({ "default-src": "'none'", "frame-ancestors": "'none'", "form-action": "'self'", "base-uri": "'none'" })
    expect(directives["style-src"], what).toMatch(/^'sha256-[A-Za-z0-9+/]+=*'$/) // the page's stylesheet, nothing else
    // scripts: the fixed enhancements by their hashes only — no 'self', no host, no inline or eval
    expect(directives["script-src"], what).toMatch(/^'sha256-[A-Za-z0-9+/]+=*'( 'sha256-[A-Za-z0-9+/]+=*')*$/)
    expect(directives["script-src"]!.split(" ").sort(), what).toEqual(scriptHashes)
    expect(directives["connect-src"], what).toBe("'self'")
    expect(csp, what).not.toMatch(/unsafe-|\*/)
  }

  it("are on pages, the login page, the page showing a new token, and a missing page", async () => {
    expectSecurityHeaders(await send("/login"), "GET /login")
    expectSecurityHeaders(await login("pp_wrong-but-well-formed-token-000", "/", "127.0.0.9"), "POST /login, wrong token")
    const session = sessionOf(await login(token.admin, "/"))!
    const cookie = { cookie: `${COOKIE}=${session}` }
    const home = await send("/", { headers: cookie })
    expect(home.status).toBe(200)
    expectSecurityHeaders(home, "GET /")
    const created = await send("/tokens", { ...form({ name: "shown once", role: "analyst" }), headers: { ...cookie, "content-type": "application/x-www-form-urlencoded" } })
    expect(created.status).toBe(201)
    expect(created.text).toMatch(/pp_[A-Za-z0-9_-]{43}/)
    expectSecurityHeaders(created, "POST /tokens (shows the new token)")
    const missing = await send("/no-such-page", { headers: cookie })
    expect(missing.status).toBe(404)
    expectSecurityHeaders(missing, "GET /no-such-page")
  })

  it("are on API answers, API errors (401, 404, 413) and the OpenAPI document", async () => {
    const pilots = await send("/api/pilots", { headers: bearer(token.analyst) })
    expect([pilots.status, pilots.headers["content-type"]]).toEqual([200, "application/json"])
    expectSecurityHeaders(pilots, "GET /api/pilots")
    const anonymous = await send("/api/pilots")
    expect(anonymous.status).toBe(401)
    expectSecurityHeaders(anonymous, "GET /api/pilots without a token")
    const unknown = await send("/api/pilots/no-such-pilot", { headers: bearer(token.analyst) })
    expect([unknown.status, JSON.parse(unknown.text)._tag]).toEqual([404, "PilotNotFound"])
    expectSecurityHeaders(unknown, "GET /api/pilots/no-such-pilot")
    const huge = await send("/api/pilots", { method: "POST", headers: { ...bearer(token.admin), "content-type": "text/yaml", "content-length": String(LIMITS.bodyBytes + 1) } })
    expect([huge.status, JSON.parse(huge.text)._tag]).toEqual([413, "PayloadTooLarge"])
    expectSecurityHeaders(huge, "POST /api/pilots over the limit")
    const openapi = await send("/api/openapi.json")
    expect(openapi.status).toBe(200)
    expectSecurityHeaders(openapi, "GET /api/openapi.json")
  })

  it("make Chromium refuse to frame a page, and allow the page's own stylesheet", async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing`).toBe(true)
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] })
    try {
      const page = await browser.newPage()
      const violations: Array<string> = []
      page.on("console", (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text())
      })
      // Another origin: a second server on this machine whose page frames the login page.
      const framer = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><iframe src="${base}/login"></iframe>`))
      await new Promise<void>((resolve) => framer.listen(0, "127.0.0.1", resolve))
      await page.goto(`http://127.0.0.1:${(framer.address() as AddressInfo).port}/`)
      framer.close()
      framer.closeAllConnections()
      const framed = page.frames().find((frame) => frame !== page.mainFrame())!
      await framed.waitForLoadState()
      expect(await framed.locator("input[name=token]").count()).toBe(0)

      violations.length = 0
      await page.goto(`${base}/login`)
      expect(await page.locator("header").evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(36, 41, 47)")
      await page.fill("input[name=token]", token.admin)
      await page.click("button[type=submit]")
      await page.waitForURL(`${base}/`)
      expect(await page.locator("header .viewer").evaluate((el) => getComputedStyle(el).color)).toBe("rgb(208, 215, 222)")
      expect(violations).toEqual([])
    } finally {
      await browser.close()
    }
  }, 60_000)
})

describe("failed logins", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  it("answer an API client 429 with Retry-After after three wrong tokens; another address goes on", async () => {
    const from = "127.0.0.2"
    for (let i = 0; i < 3; i++) expect((await send("/api/pilots", { headers: bearer(wrongToken(i)), from })).status).toBe(401)
    const refused = await send("/api/pilots", { headers: bearer(token.analyst), from }) // even a right token: no more tries
    expect([refused.status, refused.headers["retry-after"], refused.headers["content-type"]]).toEqual([429, "1", "application/json"])
    expect(JSON.parse(refused.text)).toEqual({
      _tag: "TooManyRequests",
      message: "too many failed logins from 127.0.0.2; try again in 1 second",
      retryAfter: 1
    })
    expect(refused.headers["x-content-type-options"]).toBe("nosniff")
    expect((await send("/api/pilots", { headers: bearer(token.analyst), from: "127.0.0.3" })).status).toBe(200)

    await sleep(WINDOW_MS + 100)
    expect((await send("/api/pilots", { headers: bearer(token.analyst), from })).status).toBe(200)
    // failing again right after a block: the next block lasts twice as long
    for (let i = 3; i < 6; i++) expect((await send("/api/pilots", { headers: bearer(wrongToken(i)), from })).status).toBe(401)
    const again = await send("/api/pilots", { headers: bearer(token.analyst), from })
    expect([again.status, again.headers["retry-after"]]).toEqual([429, "2"])
  })

  it("refuse the login form with a page saying when to try again, and open no session", async () => {
    const from = "127.0.0.4"
    for (let i = 0; i < 3; i++) expect((await login(wrongToken(i), "/", from)).status).toBe(401)
    const refused = await login(token.admin, "/", from)
    expect([refused.status, refused.headers["retry-after"], sessionOf(refused)]).toEqual([429, "1", undefined])
    expect(refused.headers["content-type"]).toMatch(/^text\/html/)
    expect(refused.text).toContain("too many failed logins from 127.0.0.4; try again in 1 second")
    expect(refused.text).toContain(`name="token"`) // the form is still there for later
    expect((await login(token.admin, "/", "127.0.0.5")).status).toBe(303)
  })

  it("count a retried wrong token as a failure, not a guess, and never count successes", async () => {
    const from = "127.0.0.6"
    for (let i = 0; i < 5; i++) {
      expect((await send("/api/pilots", { headers: bearer(wrongToken(99)), from })).status).toBe(401)
      expect((await send("/api/pilots", { headers: bearer(token.analyst), from })).status).toBe(200)
    }
    expect((await send("/api/pilots", { headers: bearer(wrongToken(99)), from })).status).toBe(401) // the sixth failure
    expect((await send("/api/pilots", { headers: bearer(token.analyst), from })).status).toBe(429)
  })
})

describe("user text in pages and the report", () => {
  /** Markup that runs script wherever it is not escaped; each sets `window.__pwned`. */
  const PAYLOADS = [
    `<script>window.__pwned = 1</script>`,
    `"><img src=x onerror="window.__pwned = 2">`,
    `'><svg onload="window.__pwned = 3"></svg>`,
    `<a href="javascript:window.__pwned = 4">x</a>`
  ]
  const ID = "hostile-text"
  const hostile = {
    ...minimalPilot(ID),
    name: `Pilot ${PAYLOADS[0]}`,
    hypothesis: `It helps ${PAYLOADS[1]} ${PAYLOADS[3]}`,
    owner: { name: `Mallory ${PAYLOADS[2]}`, email: "mallory@example.com" },
    readiness: { consent: "required", dataOwner: `CRM ${PAYLOADS[0]}` }
  }
  /** What a page must not contain: an element or attribute that the payloads would have made. */
  const injected = () =>
    document.querySelectorAll("script, img[onerror], svg[onload], [onerror], [onload], a[href^='javascript:']").length +
    ((window as unknown as { __pwned?: number }).__pwned ?? 0)

  it("is shown as text, never as markup, on the pilot list, the pilot and finance pages, and in the HTML report", async () => {
    requireBin()
    const registered = await send("/api/pilots", {
      method: "POST",
      headers: { ...bearer(token.admin), "content-type": "application/json" },
      body: JSON.stringify({ source: "hostile.json", text: JSON.stringify(hostile) })
    })
    expect(registered.status, registered.text).toBe(200)
    expect((await send(`/api/pilots/${ID}/start`, { method: "POST", headers: bearer(token.admin) })).status).toBe(200)

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] })
    try {
      const page = await browser.newPage()
      await page.goto(`${base}/login`)
      await page.fill("input[name=token]", token.admin)
      await page.click("button[type=submit]")
      await page.waitForURL(`${base}/`)
      for (const path of ["/", `/pilots/${ID}`, `/pilots/${ID}/finance`]) {
        await page.goto(`${base}${path}`)
        expect(await page.evaluate(injected), path).toBe(0)
        expect(await page.locator("body").innerText(), path).toContain(path === "/pilots/" + ID ? hostile.hypothesis : hostile.name)
      }

      // the report is a file: no server, no Content-Security-Policy; only escaping protects it
      const out = join(dir, "report.html")
      const run = await runCli(join(dir, "pilotproof.db"), ["report", ID, "--out", out])
      expect(run.code, run.stderr).toBe(0)
      const html = readFileSync(out, "utf8")
      for (const payload of PAYLOADS) expect(html).not.toContain(payload)
      await page.setContent(html)
      await page.waitForTimeout(100)
      expect(await page.evaluate(injected)).toBe(0)
      expect(await page.locator("body").innerText()).toContain(hostile.owner.name)
    } finally {
      await browser.close()
    }
  }, 120_000)
})
