/**
 * Failed logins per client address (the login form and bearer tokens on the API share one count).
 * After `guesses` different wrong tokens, or `failures` failed attempts of any kind, within
 * `window`, the address is refused for `window`; each block that follows within a window of the
 * last one lasts twice as long (at most 64 windows). While refused, every attempt from the address
 * is refused, a right token too, or guessing would go on. Successes are never counted.
 *
 * The counts live in memory, per server process (several processes each count on their own), for
 * at most `clients` addresses: the least recently failing are forgotten first.
 */
import { HttpServerRequest } from "@effect/platform"
import { TooManyRequests } from "@pilotproof/api"
import { hashToken } from "@pilotproof/engine"
import { Clock, Duration, Effect, Option } from "effect"

export interface LoginThrottleOptions {
  /** Different wrong tokens one address may try per window. Default 10. */
  readonly guesses: number
  /** Failed attempts of any kind per window (a client retrying a stale token). Default 60. */
  readonly failures: number
  /** Default 1 minute: how long counting runs, and the first block. */
  readonly window: Duration.DurationInput
  /** Addresses remembered at most. Default 10 000. */
  readonly clients: number
}

const DEFAULTS: LoginThrottleOptions = { guesses: 10, failures: 60, window: "1 minute", clients: 10_000 }
/** The longest block, in windows. */
const MAX_BLOCK = 64

interface Client {
  /** When the current count began (after a block: when the block ends). */
  windowStart: number
  failures: number
  /** Hashes of the different wrong tokens in this window. */
  guesses: Set<string>
  /** Blocks in a row, each within a window of the last. */
  strikes: number
  blockedUntil: number
}

/**
 * The address a limit applies to: the socket's peer (X-Forwarded-For is not trusted: any client can
 * send it), an IPv4 address mapped into IPv6 as IPv4, and IPv6 by its /64, the share of one host.
 */
export const clientKey = (address: string): string => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped !== null) return mapped[1]!
  if (!address.includes(":")) return address
  const [head = "", tail] = address.split("%")[0]!.toLowerCase().split("::")
  const left = head === "" ? [] : head.split(":")
  const right = tail === undefined || tail === "" ? [] : tail.split(":")
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`
}

/** The client key of a request (a Unix socket has no peer address: all its clients are one). */
export const requestClient = (request: HttpServerRequest.HttpServerRequest): string =>
  clientKey(Option.getOrElse(request.remoteAddress, () => "unknown"))

export { TooManyRequests }

export class LoginThrottle extends Effect.Service<LoginThrottle>()("@pilotproof/server/LoginThrottle", {
  effect: (options: Partial<LoginThrottleOptions> = {}) =>
    Effect.sync(() => {
      const { clients: capacity, failures: maxFailures, guesses: maxGuesses, window } = { ...DEFAULTS, ...options }
      const windowMs = Duration.toMillis(window)
      // Map order is least recently failing first: each failure re-inserts its client.
      const clients = new Map<string, Client>()

      /** Fails with TooManyRequests while `client` is refused. */
      const check = Effect.fn("LoginThrottle.check")(function*(client: string) {
        const now = yield* Clock.currentTimeMillis
        const entry = clients.get(client)
        if (entry === undefined) return
        if (now >= entry.windowStart + windowMs) {
          clients.delete(client) // quiet for a window: forgotten, strikes too
          return
        }
        if (now < entry.blockedUntil) {
          const retryAfter = Math.max(1, Math.ceil((entry.blockedUntil - now) / 1000))
          return yield* new TooManyRequests({
            message: `too many failed logins from ${client}; try again in ${retryAfter} second${retryAfter === 1 ? "" : "s"}`,
            retryAfter
          })
        }
      })

      /** Counts a failed login from `client` with `token` (a wrong token, not a missing one). */
      const failure = Effect.fn("LoginThrottle.failure")(function*(client: string, token: string) {
        const now = yield* Clock.currentTimeMillis
        const known = clients.get(client)
        const entry: Client = known !== undefined && now < known.windowStart + windowMs
          ? known
          : { windowStart: now, failures: 0, guesses: new Set(), strikes: 0, blockedUntil: 0 }
        entry.failures += 1
        entry.guesses.add(hashToken(token))
        if (entry.guesses.size >= maxGuesses || entry.failures >= maxFailures) {
          entry.strikes += 1
          entry.blockedUntil = now + windowMs * Math.min(2 ** (entry.strikes - 1), MAX_BLOCK)
          entry.windowStart = entry.blockedUntil
          entry.failures = 0
          entry.guesses.clear()
        }
        clients.delete(client)
        clients.set(client, entry)
        for (const oldest of clients.keys()) {
          if (clients.size <= capacity) break
          clients.delete(oldest)
        }
      })

      return { check, failure } as const
    })
}) {}
