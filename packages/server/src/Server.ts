/**
 * The server: the API (with its OpenAPI document at `/api/openapi.json`) and the web pages on
 * one port, over one database. `start` runs it in a scope and returns its URL (tests); `serve`
 * runs it until interrupted and prints how to reach it (the CLI's `serve`, the demo).
 */
import { HttpApiBuilder, HttpApp, HttpMiddleware, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { LIMITS, PilotproofApi } from "@pilotproof/api"
import { Alerts, Connectors, type DeliveryOptions, EngineLayer, eventsLocationNote, printableLocation, Snapshots, Tokens } from "@pilotproof/engine"
import { Console, Context, Effect, Either, Layer, Option, Redacted, Schedule } from "effect"
import { createServer } from "node:http"
import { ApiHandlers } from "./ApiHandlers.js"
import { ConnectorRoutesLive } from "./ConnectorRoutes.js"
import { AuthenticationLive } from "./AuthenticationLive.js"
import { LoginThrottle, type LoginThrottleOptions, requestClient } from "./LoginThrottle.js"
import { PagesLive } from "./Pages.js"
import { RESULTS_QUEUE_DEFAULTS, resultsQueue, type ResultsQueueOptions } from "./ResultsQueue.js"
import { SnapshotWorkers } from "./SnapshotWorkers.js"
import { SCRIPT_SOURCES } from "./BrowserScripts.js"
import { CSS_SOURCE } from "./Views.js"

export interface ServerOptions {
  /** SQLite file path or postgres:// URL (redacted: a URL may carry a password). */
  readonly location: Redacted.Redacted<string> | string
  /** 0 picks a free port. Default 8080. */
  readonly port?: number
  /** Default 127.0.0.1 (this machine only). */
  readonly host?: string
  /** Limits on failed logins per client address (`LoginThrottle`); tests shorten the window. */
  readonly loginThrottle?: Partial<LoginThrottleOptions>
  /** Worker threads computing results snapshots (default: cores − 1, 1 to 4). */
  readonly snapshotWorkers?: number
  /**
   * Keep every pilot's snapshot current in the background (checked every few seconds, so an
   * import by the CLI is computed before anyone asks). `serve` turns it on; default off.
   */
  readonly refreshInBackground?: boolean
  /** Backoff and attempts of alert deliveries (tests shorten them); with `refreshInBackground`. */
  readonly alertDelivery?: DeliveryOptions
  /** Results requests in flight before the next gets 503 + Retry-After (`ResultsQueue`; default 64, 5 s). */
  readonly resultsQueue?: Partial<ResultsQueueOptions>
}

/** How often the background job looks for stale snapshots (one query over the pilots). */
const REFRESH_EVERY = "5 seconds"

/** How often the alert outbox is looked at. */
const DELIVER_ALERTS_EVERY = "2 seconds"

/** How often Bitrix24 deals whose fetch failed are fetched again. */
const RETRY_FETCHES_EVERY = "1 minute"

/**
 * Computes stale snapshots one at a time, for as long as the server runs; and fetches again the
 * Bitrix24 deals whose `crm.deal.get` failed (`pilotproof connector retry` does it on demand).
 */
const BackgroundRefresh = (alertDelivery: DeliveryOptions) => Layer.scopedDiscard(Effect.gen(function*() {
  const snapshots = yield* Snapshots
  const connectors = yield* Connectors
  const alerts = yield* Alerts
  // alerts leave the outbox every few seconds, retried with backoff; no request ever waits for them
  yield* alerts.deliverDue(alertDelivery).pipe(
    Effect.catchAllCause((cause) => Effect.logWarning("delivering alerts failed", cause)),
    Effect.repeat(Schedule.spaced(DELIVER_ALERTS_EVERY)),
    Effect.forkScoped
  )
  yield* snapshots.refreshStale().pipe(
    Effect.catchAll((e) => Effect.logWarning(`background snapshot refresh: ${e.message}`)),
    Effect.repeat(Schedule.spaced(REFRESH_EVERY)),
    Effect.forkScoped
  )
  yield* connectors.retryAll().pipe(
    // a defect too: the loop must outlive any one failure
    Effect.catchAllCause((cause) => Effect.logWarning("fetching pending Bitrix24 deals again failed", cause)),
    Effect.delay(RETRY_FETCHES_EVERY),
    Effect.forever,
    Effect.forkScoped
  )
}))

/** Refuses bodies over the limit before reading them: 413 with a JSON body. */
const limitBody = HttpMiddleware.make((app) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const length = Number(request.headers["content-length"] ?? "0")
    if (Number.isFinite(length) && length > LIMITS.bodyBytes) {
      return yield* HttpServerResponse.json({
        _tag: "PayloadTooLarge",
        message: `the request body has ${length} bytes; the limit is ${LIMITS.bodyBytes} (${LIMITS.bodyBytes / 1024 / 1024} MiB); split it into smaller batches`,
        limit: LIMITS.bodyBytes,
        unit: "bytes"
      }, { status: 413 }).pipe(Effect.orDie)
    }
    return yield* HttpServerRequest.withMaxBodySize(app, Option.some(LIMITS.bodyBytes))
  })
)

/** How deep a JSON body may nest: events nest three levels; 64 is far past any real body. */
const MAX_JSON_DEPTH = 64

/** The 1-based character at which `text` nests deeper than `limit`, if it does (strings skipped). */
export const tooDeep = (text: string, limit = MAX_JSON_DEPTH): number | undefined => {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 || c === 123) {
      if (++depth > limit) return i + 1
    } else if (c === 93 || c === 125) depth--
  }
  return undefined
}

/** The contract's 400 for a body that cannot be decoded, with the reason in its message. */
const badBody = (message: string) =>
  HttpServerResponse.json({ _tag: "HttpApiDecodeError", issues: [{ _tag: "Type", path: [], message }], message }, { status: 400 }).pipe(Effect.orDie)

/**
 * JSON bodies of API calls are checked before the contract decodes them: malformed JSON gets a
 * 400 saying where it broke (the platform answers it with an empty body), and a body nested
 * deeper than any real one is refused before anything recurses over it (100 000 levels used to
 * end in a stack overflow and an empty 500). The body text is read once: the platform keeps it.
 */
const jsonBodies = HttpMiddleware.make((app) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const type = request.headers["content-type"] ?? ""
    // Exactly the bodies the platform reads as JSON (its test, and none without a content type):
    // it reads any other as bytes from the stream, which would wait forever for a body read here.
    const json = type.trim() === "" || type.toLowerCase().includes("application/json")
    if (!/^\/api(\/|\?|$)/.test(request.url) || request.method === "GET" || request.method === "HEAD") return yield* app
    // CRM webhooks read their own bodies (form, JSON, SOAP), as the sender signed them
    if (/^\/api\/connectors\//.test(request.url)) return yield* app
    if (!json && !type.trim().toLowerCase().startsWith("text/")) {
      // multipart, form and byte bodies: no endpoint takes one, and the platform answers a
      // malformed one with an empty 500
      return yield* HttpServerResponse.json({
        _tag: "UnsupportedMediaType",
        message: `the API reads JSON bodies (application/json), and pilot files as text (text/yaml) on POST /api/pilots; not ${JSON.stringify(type)}`
      }, { status: 415 }).pipe(Effect.orDie)
    }
    if (!json) return yield* app
    const text = yield* Effect.either(request.text)
    if (text._tag === "Left") {
      // past the size limit without a Content-Length (chunked), or cut off: the platform would
      // answer an empty 500
      return yield* HttpServerResponse.json({
        _tag: "PayloadTooLarge",
        message: `the body could not be read whole (at most ${LIMITS.bodyBytes} bytes)`,
        limit: LIMITS.bodyBytes,
        unit: "bytes"
      }, { status: 413 }).pipe(Effect.orDie)
    }
    const deep = tooDeep(text.right)
    if (deep !== undefined) return yield* badBody(`the JSON body nests deeper than ${MAX_JSON_DEPTH} levels (at character ${deep})`)
    // Parsed here, and again by the platform (about 7 ms for a 10 000-event, 1.4 MB batch): it
    // answers its own parse failure with an empty 400 before a middleware could see it (tried).
    if (text.right !== "" && text.right.trim() === "") return yield* badBody("the body is only white space, not JSON")
    if (text.right !== "") {
      try {
        JSON.parse(text.right)
      } catch (e) {
        return yield* badBody(`the body is not valid JSON: ${(e as Error).message}`)
      }
    }
    return yield* app
  })
)

/** Refuses every API call from an address with too many failed logins: 429 with Retry-After. */
const throttleApi = HttpMiddleware.make((app) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (!/^\/api(\/|\?|$)/.test(request.url)) return yield* app
    const refused = yield* Effect.either(Effect.flatMap(LoginThrottle, (throttle) => throttle.check(requestClient(request))))
    if (Either.isRight(refused)) return yield* app
    const { _tag, message, retryAfter } = refused.left
    return yield* HttpServerResponse.json({ _tag, message, retryAfter }, {
      status: 429,
      headers: { "retry-after": String(retryAfter) }
    }).pipe(Effect.orDie)
  })
)

/**
 * No response may be framed, sniffed or cached, nor its address sent to another site; pages may
 * use only their own stylesheet and run only the fixed scripts of `BrowserScripts` (by hash: no
 * other inline or loaded script, no eval), which may call only this server; forms post only here.
 */
const SECURITY_HEADERS = {
  "content-security-policy":
    `default-src 'none'; style-src ${CSS_SOURCE}; script-src ${SCRIPT_SOURCES}; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  // Not no-referrer: with it a browser's own form posts carry `Origin: null`, which the pages refuse.
  "referrer-policy": "same-origin",
  "cache-control": "no-store"
}
const withSecurityHeaders = (response: HttpServerResponse.HttpServerResponse) => HttpServerResponse.setHeaders(response, SECURITY_HEADERS)

/**
 * The security headers on every response. The server sends what the app answers (pages, API
 * answers and errors, 404s, the OpenAPI document) before a middleware given to
 * `HttpApiBuilder.serve` gets it back (HttpApp.toHandled), so mapping that response changes
 * nothing: a pre-response handler sets them just before sending. The map covers the answers of
 * the middlewares inside this one, which the app never sees (413, 429).
 */
const securityHeaders = HttpMiddleware.make((app) =>
  Effect.zipRight(
    HttpApp.appendPreResponseHandler((_request, response) => Effect.succeed(withSecurityHeaders(response))),
    Effect.map(app, withSecurityHeaders)
  )
)

const ApiLive = HttpApiBuilder.api(PilotproofApi).pipe(
  Layer.provide(ApiHandlers),
  Layer.provide(AuthenticationLive)
)

/** The HTTP application over the engine (without a listening server). */
export const AppLayer = (options: ServerOptions) =>
  HttpApiBuilder.serve((app) =>
    // the queue innermost: a slot is taken only once the body was read whole and found sound
    app.pipe(resultsQueue({ ...RESULTS_QUEUE_DEFAULTS, ...options.resultsQueue }), jsonBodies, limitBody, throttleApi, securityHeaders)
  ).pipe(
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/api/openapi.json" })),
    Layer.provide(PagesLive),
    Layer.provide(ConnectorRoutesLive),
    Layer.provide(ApiLive),
    // One throttle for the login form, the API's tokens and the refusal above.
    Layer.provide(LoginThrottle.Default(options.loginThrottle)),
    Layer.provide(options.refreshInBackground === true ? BackgroundRefresh(options.alertDelivery ?? {}) : Layer.empty),
    Layer.provideMerge(EngineLayer(options.location, SnapshotWorkers(options.location, options.snapshotWorkers)))
  )

/** The application listening on `host:port`. */
export const ServerLayer = (options: ServerOptions) =>
  AppLayer(options).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: options.port ?? 8080, host: options.host ?? "127.0.0.1" }))
  )

/** Starts the server in the current scope; returns its base URL (e.g. http://127.0.0.1:41234). */
export const start = (options: ServerOptions) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(ServerLayer(options))
    const server = Context.get(context, HttpServer.HttpServer)
    const address = server.address
    const url = address._tag === "TcpAddress"
      ? `http://${address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname}:${address.port}`
      : `unix:${address.path}`
    return { url, context }
  })

export interface ServeOptions extends ServerOptions {
  /**
   * On a database without any active token, create an admin token and print it once (the demo
   * uses this so the pages can be opened at once). Otherwise the server prints how to create one.
   */
  readonly bootstrapAdmin?: boolean
}

/**
 * Serves until interrupted (Ctrl-C), printing the URL and, on a database without tokens, how to
 * log in. For the demo: `serve({ location, port: 8080, bootstrapAdmin: true })`.
 */
export const serve = (options: ServeOptions) =>
  Effect.scoped(Effect.gen(function*() {
    const { context, url } = yield* start({ refreshInBackground: true, ...options })
    const tokens = Context.get(context, Tokens)
    const active = yield* tokens.countActive()
    const where = printableLocation(Redacted.isRedacted(options.location) ? options.location : Redacted.make(options.location))
    yield* Console.log(`Pilotproof is serving ${where}${yield* eventsLocationNote} at ${url}/`)
    yield* Console.log(`  pages: ${url}/   API: ${url}/api   OpenAPI: ${url}/api/openapi.json`)
    if (active === 0) {
      if (options.bootstrapAdmin === true) {
        const created = yield* tokens.create("bootstrap-admin", "admin")
        yield* Console.log(`  No token existed, so an admin token was created (shown only now; revoke it on the tokens page):`)
        yield* Console.log(`    ${created.token}`)
        yield* Console.log(`  Log in at ${url}/login with it, or: curl -H "Authorization: Bearer ${created.token}" ${url}/api/pilots`)
      } else {
        yield* Console.log(`  No token exists yet. Create one (it is printed once), then log in at ${url}/login:`)
        yield* Console.log(`    pilotproof --db ${where} token create --role admin --name "your name"`)
      }
    }
    yield* Console.log("  Ctrl-C stops the server.")
    return yield* Effect.never
  }))
