/**
 * The port through which a Bitrix24 connector reads the deal a webhook names: `crm.deal.get` on
 * the portal's REST (an inbound webhook URL, `https://<portal>/rest/<user>/<code>/`), POSTed as
 * JSON with a timeout and a bounded number of retries. A failure is a value (`FetchFailed`),
 * kept by the connector as a deal to fetch again, never a lost event.
 */
import { Context, Duration, Effect, Layer, Schedule } from "effect"

export interface DealFetch {
  readonly _tag: "Deal" | "FetchFailed"
  /** The deal (`result` of crm.deal.get) when fetched. */
  readonly deal?: unknown
  /** Why it could not be fetched (after the retries). */
  readonly error?: string
  /** Worth fetching again later: the portal could not be reached or was overloaded (not a refusal). */
  readonly retryable?: boolean
}

export interface Bitrix24RestOptions {
  readonly timeout: Duration.DurationInput
  readonly retries: number
}

export const BITRIX24_REST_DEFAULTS: Bitrix24RestOptions = { timeout: "5 seconds", retries: 2 }

/** A failure worth another try: the network, a timeout, a 5xx or a 429 (Bitrix24's rate limit). */
class Retryable {
  readonly _tag = "Retryable"
  constructor(readonly error: string) {}
}

const getDeal = (portalUrl: string, dealId: string, options: Bitrix24RestOptions): Effect.Effect<DealFetch> => {
  const url = `${portalUrl.replace(/\/+$/, "")}/crm.deal.get`
  const attempt = Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ id: dealId }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(Duration.toMillis(options.timeout))]),
        redirect: "error"
      })
      const text = await response.text()
      return { status: response.status, text }
    },
    catch: (e) => new Retryable(`crm.deal.get at ${new URL(url).host} failed: ${(e as Error).name === "TimeoutError" ? `no answer within ${Duration.format(options.timeout)}` : (e as Error).message}`)
  }).pipe(
    Effect.flatMap(({ status, text }): Effect.Effect<DealFetch, Retryable> => {
      if (status >= 500 || status === 429) return Effect.fail(new Retryable(`crm.deal.get answered HTTP ${status}`))
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        return Effect.succeed({ _tag: "FetchFailed", error: `crm.deal.get answered HTTP ${status} with a body that is not JSON`, retryable: false })
      }
      if (body === null || typeof body !== "object") {
        return Effect.succeed({ _tag: "FetchFailed", error: `crm.deal.get answered HTTP ${status} with ${JSON.stringify(body)?.slice(0, 40)}, not an object`, retryable: false })
      }
      const b = body as { result?: unknown; error?: unknown; error_description?: unknown }
      if (status === 200 && b.result !== undefined && b.result !== null) return Effect.succeed({ _tag: "Deal", deal: b.result })
      const detail = typeof b.error_description === "string" ? b.error_description : typeof b.error === "string" ? b.error : `HTTP ${status}`
      return Effect.succeed({ _tag: "FetchFailed", error: `crm.deal.get refused: ${detail.slice(0, 200)}`, retryable: false })
    })
  )
  return attempt.pipe(
    Effect.retry({ times: options.retries, schedule: Schedule.exponential("200 millis") }),
    Effect.catchAll((e) => Effect.succeed<DealFetch>({ _tag: "FetchFailed", error: e.error, retryable: true }))
  )
}

export class Bitrix24Rest extends Context.Tag("@pilotproof/engine/Bitrix24Rest")<Bitrix24Rest, {
  readonly getDeal: (portalUrl: string, dealId: string) => Effect.Effect<DealFetch>
}>() {
  static readonly layer = (options: Partial<Bitrix24RestOptions> = {}) =>
    Layer.succeed(Bitrix24Rest, { getDeal: (portal, id) => getDeal(portal, id, { ...BITRIX24_REST_DEFAULTS, ...options }) })
  static readonly Default = Bitrix24Rest.layer()
}
