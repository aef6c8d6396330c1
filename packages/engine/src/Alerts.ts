/**
 * Outbound alerts: a decision recorded, a recomputed snapshot whose verdict changed, a sample
 * ratio mismatch that appeared, a guardrail breached — sent to Slack (an incoming webhook's
 * `{"text": …}`), to Telegram (`sendMessage` as a form: `chat_id`, `text`) or to any receiver as
 * JSON. Each alert goes to the outbox first and is delivered by a background job (the server's,
 * every few seconds; `decide` on the command line right away), never on the request that caused
 * it; every delivery is signed (`X-Pilotproof-Signature: sha256=<hex HMAC of "<timestamp>.<body>">`)
 * and retried with exponential backoff until it is answered 2xx or given up.
 */
import { type Evaluation, InputError, type Verdict } from "@pilotproof/domain"
import { AlertRepo, type AlertTargetRow, PilotRepo } from "@pilotproof/store"
import { Clock, Effect } from "effect"
import { createHmac, randomBytes, randomUUID } from "node:crypto"
import { nowIso } from "./Now.js"

export const ALERT_KINDS = ["slack", "telegram", "json"] as const
export type AlertKind = typeof ALERT_KINDS[number]

export type AlertEvent = "decision" | "verdict" | "srm" | "guardrail"

export interface AlertNotice {
  readonly event: AlertEvent
  /** One line a person reads in a chat. */
  readonly text: string
  readonly details: Readonly<Record<string, string | number | null>>
}

export interface DeliveryOptions {
  /** Backoff of the first retry; doubled each time, at most an hour. Default 30 s. */
  readonly baseDelayMs?: number
  /** Attempts before an alert is given up. Default 8 (retries for about an hour). */
  readonly maxAttempts?: number
  readonly timeoutMs?: number
}

const DEFAULTS = { baseDelayMs: 30_000, maxAttempts: 8, timeoutMs: 5_000 }

/** The signature a receiver checks: hex HMAC-SHA256 with the target's secret over `<timestamp>.<body>`. */
export const alertSignature = (secret: string, timestamp: string, body: string): string =>
  `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`

/** The body a target of `kind` takes. */
const render = (target: AlertTargetRow, pilotId: string, notice: AlertNotice, at: string) => {
  const text = `Pilotproof · ${pilotId}: ${notice.text}`
  switch (target.kind as AlertKind) {
    case "slack":
      return { contentType: "application/json", body: JSON.stringify({ text }) }
    case "telegram":
      return { contentType: "application/x-www-form-urlencoded", body: new URLSearchParams({ chat_id: target.chat_id ?? "", text }).toString() }
    default:
      return { contentType: "application/json", body: JSON.stringify({ event: notice.event, pilot: pilotId, at, text: notice.text, ...notice.details }) }
  }
}

const checkStatus = (e: Evaluation, name: string) => e.decision.checks.find((c) => c.name === name)

/** The primary's SRM p-value is below the pilot's alpha (the data-validity rule's first half). */
const srmFailing = (e: Evaluation, alpha: number) => {
  const p = e.analysis.readiness.srm.pValue
  return Number.isFinite(p) && p < alpha
}

/** Guardrails the policy found breached, per treatment (the harm check's evidence). */
const breachedGuardrails = (e: Evaluation): ReadonlyArray<string> =>
  e.decision.perVariant.flatMap((v) => {
    const harm = v.checks.find((c) => c.name === "harm")
    return harm?.status === "fail" && harm.evidence.includes("guardrail ") ? [`${v.variant}: ${harm.evidence}`] : []
  })

/**
 * What changed between two evaluations of a pilot that someone should hear about: the verdict
 * (not on the first snapshot: there is nothing it changed from), an SRM that appeared, a
 * guardrail breach that appeared.
 */
export const snapshotNotices = (before: Evaluation | undefined, after: Evaluation, srmAlpha: number): Array<AlertNotice> => {
  const out: Array<AlertNotice> = []
  const verdict = after.decision.verdict
  if (before !== undefined && before.decision.verdict !== verdict) {
    out.push({
      event: "verdict",
      text: `the verdict changed from ${before.decision.verdict} to ${verdict}: ${after.decision.reason}`,
      details: { from: before.decision.verdict, to: verdict, reason: after.decision.reason }
    })
  }
  if (srmFailing(after, srmAlpha) && (before === undefined || !srmFailing(before, srmAlpha))) {
    const p = after.analysis.readiness.srm.pValue
    out.push({
      event: "srm",
      text: `sample ratio mismatch: the split between the arms is off (χ² p = ${p.toPrecision(3)} < ${srmAlpha}); check the assignment and the exposure logging`,
      details: { pValue: p, alpha: srmAlpha, evidence: checkStatus(after, "data-validity")?.evidence ?? null }
    })
  }
  const was = new Set(before === undefined ? [] : breachedGuardrails(before))
  const now = breachedGuardrails(after).filter((b) => !was.has(b))
  if (now.length > 0) {
    out.push({ event: "guardrail", text: `guardrail breached — ${now.join("; ")}`, details: { breaches: now.join("; ") } })
  }
  return out
}

export class Alerts extends Effect.Service<Alerts>()("@pilotproof/engine/Alerts", {
  effect: Effect.gen(function*() {
    const repo = yield* AlertRepo
    const pilots = yield* PilotRepo

    const add = Effect.fn("Alerts.add")(function*(input: {
      readonly kind: string
      readonly url: string
      readonly pilotId?: string | undefined
      readonly chatId?: string | undefined
      readonly secret?: string | undefined
    }) {
      const where = "alert target"
      if (!(ALERT_KINDS as ReadonlyArray<string>).includes(input.kind)) {
        return yield* new InputError({ source: where, detail: `kind must be one of ${ALERT_KINDS.join(", ")}; got ${JSON.stringify(input.kind)}` })
      }
      let url: URL
      try {
        url = new URL(input.url)
      } catch {
        return yield* new InputError({ source: where, detail: `${JSON.stringify(input.url.slice(0, 80))} is not a URL` })
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") return yield* new InputError({ source: where, detail: "the URL must be http(s)" })
      if (input.kind === "telegram" && (input.chatId === undefined || input.chatId.trim() === "")) {
        return yield* new InputError({ source: where, detail: "a Telegram target needs --chat-id (the chat the bot writes to); the URL is https://api.telegram.org/bot<token>/sendMessage" })
      }
      if (input.pilotId !== undefined) yield* pilots.get(input.pilotId)
      const secret = input.secret?.trim() || randomBytes(24).toString("base64url")
      const row: AlertTargetRow = {
        id: randomUUID(),
        pilot_id: input.pilotId ?? null,
        kind: input.kind,
        url: url.toString(),
        chat_id: input.chatId?.trim() ?? null,
        secret,
        created_at: yield* nowIso,
        removed_at: null
      }
      yield* repo.addTarget(row)
      return { id: row.id, kind: row.kind, pilotId: row.pilot_id, secret }
    })

    const list = Effect.fn("Alerts.list")(function*() {
      // the URL may hold a token (Slack's, Telegram's bot token): shown with its path hidden
      return (yield* repo.targets()).map((t) => ({ id: t.id, kind: t.kind, pilotId: t.pilot_id, host: new URL(t.url).host, chatId: t.chat_id, createdAt: t.created_at }))
    })

    const remove = Effect.fn("Alerts.remove")(function*(id: string) {
      if (!(yield* repo.removeTarget(id, yield* nowIso))) return yield* new InputError({ source: `alert target ${id}`, detail: "no such active target (pilotproof alert list)" })
      return id
    })

    /** Queues `notices` of a pilot for every target that hears about it. */
    const notify = Effect.fn("Alerts.notify")(function*(pilotId: string, notices: ReadonlyArray<AlertNotice>) {
      if (notices.length === 0) return 0
      const targets = yield* repo.targets(pilotId)
      const at = yield* nowIso
      const rows = targets.flatMap((target) =>
        notices.map((notice) => {
          const { body, contentType } = render(target, pilotId, notice, at)
          return { id: randomUUID(), target_id: target.id, pilot_id: pilotId, event: notice.event, body, content_type: contentType, created_at: at, attempts: 0, next_at: at, delivered_at: null, failed_at: null, last_error: null }
        })
      )
      yield* repo.enqueue(rows)
      return rows.length
    })

    /** Whether any target would hear about the pilot (computing notices is skipped otherwise). */
    const listening = (pilotId: string) => Effect.map(repo.targets(pilotId), (t) => t.length > 0)

    const decisionRecorded = (pilotId: string, d: { readonly verdict: Verdict; readonly computed: Verdict; readonly reason: string; readonly actor: string; readonly overrideReason?: string | undefined }) =>
      notify(pilotId, [{
        event: "decision",
        text: d.verdict === d.computed
          ? `decision recorded by ${d.actor}: ${d.verdict} — ${d.reason}`
          : `decision recorded by ${d.actor}: ${d.verdict}, overriding the computed ${d.computed} (${d.overrideReason ?? "no reason"})`,
        details: { verdict: d.verdict, computed: d.computed, actor: d.actor, reason: d.reason, override: d.overrideReason ?? null }
      }])

    const snapshotComputed = Effect.fn("Alerts.snapshotComputed")(function*(pilotId: string, before: Evaluation | undefined, after: Evaluation) {
      const pilot = yield* pilots.get(pilotId)
      return yield* notify(pilotId, snapshotNotices(before, after, pilot.definition.policy.srmAlpha))
    })

    /** Sends every due alert once; what it gave. */
    const deliverDue = Effect.fn("Alerts.deliverDue")(function*(options: DeliveryOptions = {}) {
      const o = { ...DEFAULTS, ...options }
      const now = yield* nowIso
      const due = yield* repo.due(now, 100)
      const result = { delivered: 0, retrying: 0, givenUp: 0 }
      // each alert on its own: a receiver that hangs until the timeout holds up no other
      const send = (alert: (typeof due)[number]) => Effect.gen(function*() {
        if (!(yield* repo.claim(alert.id, alert.next_at, new Date(Date.parse(now) + 2 * o.timeoutMs).toISOString()))) return
        const timestamp = String(Math.floor((yield* Clock.currentTimeMillis) / 1000))
        const outcome = yield* Effect.promise(async () => {
          try {
            const response = await fetch(alert.url, {
              method: "POST",
              headers: {
                "content-type": alert.content_type,
                "x-pilotproof-event": alert.event,
                "x-pilotproof-timestamp": timestamp,
                "x-pilotproof-signature": alertSignature(alert.secret, timestamp, alert.body)
              },
              body: alert.body,
              redirect: "error",
              signal: AbortSignal.timeout(o.timeoutMs)
            })
            await response.arrayBuffer().catch(() => undefined)
            return response.ok ? undefined : `HTTP ${response.status}`
          } catch (e) {
            return (e as Error).name === "TimeoutError" ? `no answer within ${o.timeoutMs} ms` : (e as Error).message
          }
        })
        const attempts = alert.attempts + 1
        const at = yield* nowIso
        if (outcome === undefined) {
          yield* repo.delivered(alert.id, attempts, at)
          result.delivered++
        } else if (attempts >= o.maxAttempts) {
          yield* repo.failed(alert.id, attempts, outcome, at, undefined)
          result.givenUp++
        } else {
          const delay = Math.min(o.baseDelayMs * 2 ** (attempts - 1), 3_600_000)
          yield* repo.failed(alert.id, attempts, outcome, at, new Date(Date.parse(at) + delay).toISOString())
          result.retrying++
        }
      })
      yield* Effect.forEach(due, send, { concurrency: 8, discard: true })
      return result
    })

    return { add, list, remove, notify, listening, decisionRecorded, snapshotComputed, deliverDue, outbox: repo.outbox } as const
  }),
  dependencies: [AlertRepo.Default, PilotRepo.Default]
}) {}
