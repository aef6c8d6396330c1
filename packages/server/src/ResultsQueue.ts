/**
 * A bound on the requests that wait for results. Reading a current snapshot costs about what a
 * trivial request costs, but a stale snapshot or an explicit as-of waits for a computation in a
 * worker thread, and the workers are few (cores − 1). Without a bound, a burst of such requests
 * queues without end: every one holds a connection and its client times out. So at most
 * `limit` results requests are in flight (running or waiting for a worker); the next one is
 * answered at once with 503 and a Retry-After, as JSON on the API and as a page in the browser.
 * Every other request (the pilot list, `/api/me`, ingestion) is never queued here.
 */
import { HttpMiddleware, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { h } from "preact"
import { page, Problem } from "./Views.js"

export interface ResultsQueueOptions {
  /** Results requests in flight at once; the next one gets a 503. */
  readonly limit: number
  /** What the Retry-After header says, in seconds. */
  readonly retryAfterSeconds: number
}

/**
 * 64 in flight: far more than the workers compute at once, so a burst of reads of current
 * snapshots (milliseconds each) never meets it, and few enough that a client waits at most a few
 * computations. Retry after 5 s: the background refresh looks for stale snapshots as often.
 */
export const RESULTS_QUEUE_DEFAULTS: ResultsQueueOptions = { limit: 64, retryAfterSeconds: 5 }

/** The requests that show results: the API's analysis, readiness, economics and decide; the pilot and finance pages. */
const API_RESULTS = /^\/api\/pilots\/[^/?]+\/(?:analysis|readiness|economics|decisions)(?:\?|$)/
const PAGE_RESULTS = /^\/pilots\/[^/?]+(?:\/finance)?(?:\?|$)/

// HEAD is answered by the GET route, computation included
const isResults = (method: string, url: string) =>
  method === "GET" || method === "HEAD" ? API_RESULTS.test(url) && !/\/decisions(?:\?|$)/.test(url) || PAGE_RESULTS.test(url)
    : method === "POST" && /^\/api\/pilots\/[^/?]+\/decisions(?:\?|$)/.test(url)

const refusal = (url: string, options: ResultsQueueOptions) => {
  const message = `${options.limit} results requests are already waiting for a computation; try again in ${options.retryAfterSeconds} s`
  const headers = { "retry-after": String(options.retryAfterSeconds) }
  return url.startsWith("/api/")
    ? HttpServerResponse.json({ _tag: "Overloaded", message, retryAfter: options.retryAfterSeconds }, { status: 503, headers }).pipe(Effect.orDie)
    : Effect.succeed(HttpServerResponse.text(page("Busy", undefined, h(Problem, { title: "Busy computing results", message })), {
      status: 503,
      headers,
      contentType: "text/html; charset=utf-8"
    }))
}

/** The middleware: counts results requests in flight and refuses the one past the limit. */
export const resultsQueue = (options: ResultsQueueOptions = RESULTS_QUEUE_DEFAULTS) => {
  let inFlight = 0
  return HttpMiddleware.make((app) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      if (!isResults(request.method, request.url)) return yield* app
      if (inFlight >= options.limit) return yield* refusal(request.url, options)
      // taken and given back with no interruption between: a slot never leaks
      return yield* Effect.uninterruptibleMask((restore) => {
        inFlight++
        return Effect.ensuring(restore(app), Effect.sync(() => inFlight--))
      })
    })
  )
}
