/**
 * The CRM webhook endpoints, `POST /api/connectors/<source>/<connector>`: beside the HttpApi
 * contract, because a CRM authenticates with its own secret or signature (not a bearer token)
 * and sends form, JSON or SOAP bodies. The handler reads the body once as text (HubSpot signs the
 * exact bytes), hands it to the engine, and answers only once the delivery is committed; a
 * database that is down answers 503, so the CRM delivers again later.
 */
import { HttpApiBuilder, HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { LIMITS } from "@pilotproof/api"
import { Connectors, type WebhookAnswer, webhookRefusal } from "@pilotproof/engine"
import { Cause, Effect } from "effect"

/** The largest webhook body read (HubSpot and Salesforce send at most 100 changes). */
const WEBHOOK_MAX_CHARS = 1_048_576

const answer = (a: WebhookAnswer) => HttpServerResponse.text(a.body, { status: a.status, contentType: a.contentType })

/** The URL as the sender called it: a TLS-terminating proxy says the scheme in X-Forwarded-Proto. */
const calledUri = (request: HttpServerRequest.HttpServerRequest): string => {
  const proto = (request.headers["x-forwarded-proto"] ?? "http").split(",")[0]!.trim()
  const host = request.headers["x-forwarded-host"] ?? request.headers["host"] ?? "localhost"
  return `${proto}://${host}${request.url}`
}

const failure = webhookRefusal

export const ConnectorRoutesLive = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const connectors = yield* Connectors
    const handle = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const params = yield* HttpRouter.params
      const source = params["source"] ?? ""
      const body = yield* Effect.either(request.text)
      if (body._tag === "Left") {
        return answer(failure(source, 413, "PayloadTooLarge", `the body could not be read whole (at most ${LIMITS.bodyBytes} bytes)`))
      }
      // a CRM's delivery is at most 100 changes: far below a megabyte
      if (body.right.length > WEBHOOK_MAX_CHARS) {
        return answer(failure(source, 413, "PayloadTooLarge", `the body has ${body.right.length} characters; a CRM webhook is at most ${WEBHOOK_MAX_CHARS}`))
      }
      const query = Object.fromEntries(new URL(request.url, "http://localhost").searchParams)
      const result = yield* connectors.receive({
        source,
        connectorId: params["connector"] ?? "",
        method: request.method,
        uri: calledUri(request),
        query,
        headers: request.headers,
        body: body.right
      }).pipe(
        Effect.catchAllCause((cause) => {
          const error = Cause.failureOption(cause)
          if (error._tag === "Some" && error.value._tag === "StorageError") {
            return Effect.succeed(failure(source, 503, "StorageError", `${error.value.message}; nothing was stored, deliver again later`))
          }
          return Effect.as(
            Effect.logError("CRM webhook failed", cause),
            failure(source, 500, "InternalError", "the delivery could not be processed; nothing was stored")
          )
        })
      )
      return answer(result)
    })
    yield* router.post("/api/connectors/:source/:connector", handle)
    yield* router.get("/api/connectors/:source/:connector", Effect.map(HttpRouter.params, (params) =>
      answer(failure(params["source"] ?? "", 405, "MethodNotAllowed", "CRM webhooks are POSTed; this URL is a connector's webhook"))))
  })
)
