/**
 * The login throttle on the test clock: an address is refused after `guesses` different wrong
 * tokens or `failures` failed attempts in a window, for a window, then for twice as long each time
 * it fails again right after a block (at most 64 windows), and forgotten after a quiet window;
 * at most `clients` addresses are remembered; IPv6 addresses count by their /64.
 */
import { describe, expect, it } from "@effect/vitest"
import { clientKey, LoginThrottle, TooManyRequests } from "@pilotproof/server"
import { Duration, Effect, Either, TestClock } from "effect"

/** The seconds `client` must wait, or 0 if it may try now. */
const waitOf = (client: string) =>
  Effect.flatMap(LoginThrottle, (throttle) => Effect.either(throttle.check(client))).pipe(
    Effect.map(Either.match({ onLeft: (refused) => refused.retryAfter, onRight: () => 0 }))
  )
const fail = (client: string, times: number, token = (i: number) => `wrong-${client}-${i}`) =>
  Effect.flatMap(LoginThrottle, (throttle) => Effect.forEach(Array.from({ length: times }, (_, i) => i), (i) => throttle.failure(client, token(i)), { discard: true }))

describe("LoginThrottle", () => {
  it.effect("refuses an address for a window after `guesses` wrong tokens, and no other address", () =>
    Effect.gen(function*() {
      yield* fail("10.0.0.1", 2)
      expect(yield* waitOf("10.0.0.1")).toBe(0)
      yield* fail("10.0.0.1", 1, () => "a third wrong token")
      expect(yield* waitOf("10.0.0.1")).toBe(60)
      expect(yield* waitOf("10.0.0.2")).toBe(0)
      const refused = yield* Effect.flip(Effect.flatMap(LoginThrottle, (t) => t.check("10.0.0.1")))
      expect(refused).toBeInstanceOf(TooManyRequests)
      expect(refused.message).toBe("too many failed logins from 10.0.0.1; try again in 60 seconds")
      yield* TestClock.adjust(Duration.seconds(59.5))
      expect(yield* waitOf("10.0.0.1")).toBe(1)
      yield* TestClock.adjust(Duration.seconds(0.5))
      expect(yield* waitOf("10.0.0.1")).toBe(0)
    }).pipe(Effect.provide(LoginThrottle.Default({ guesses: 3, window: "1 minute" }))))

  it.effect("doubles the block for failing again right after one, up to 64 windows; a quiet window forgets", () =>
    Effect.gen(function*() {
      const blocks: Array<number> = []
      for (let i = 0; i < 9; i++) {
        yield* fail("10.0.0.1", 3, (n) => `round-${i}-${n}`)
        const wait = yield* waitOf("10.0.0.1")
        blocks.push(wait)
        yield* TestClock.adjust(Duration.seconds(wait))
      }
      expect(blocks).toEqual([60, 120, 240, 480, 960, 1920, 3840, 3840, 3840])
      yield* TestClock.adjust(Duration.minutes(1)) // quiet for a window after the block
      yield* fail("10.0.0.1", 3)
      expect(yield* waitOf("10.0.0.1")).toBe(60)
    }).pipe(Effect.provide(LoginThrottle.Default({ guesses: 3, window: "1 minute" }))))

  it.effect("counts a retried token as one guess but every failure, and forgets failures after a window", () =>
    Effect.gen(function*() {
      yield* fail("10.0.0.1", 4, () => "the same stale token")
      expect(yield* waitOf("10.0.0.1")).toBe(0)
      yield* TestClock.adjust(Duration.minutes(1))
      yield* fail("10.0.0.1", 4, () => "the same stale token")
      expect(yield* waitOf("10.0.0.1")).toBe(0) // the first four are forgotten
      yield* fail("10.0.0.1", 1, () => "the same stale token")
      expect(yield* waitOf("10.0.0.1")).toBe(60)
    }).pipe(Effect.provide(LoginThrottle.Default({ guesses: 3, failures: 5, window: "1 minute" }))))

  it.effect("remembers at most `clients` addresses, the least recently failing forgotten first", () =>
    Effect.gen(function*() {
      yield* fail("10.0.0.1", 3)
      yield* fail("10.0.0.2", 3)
      expect([yield* waitOf("10.0.0.1"), yield* waitOf("10.0.0.2")]).toEqual([60, 60])
      yield* fail("10.0.0.3", 1)
      expect([yield* waitOf("10.0.0.1"), yield* waitOf("10.0.0.2")]).toEqual([0, 60])
    }).pipe(Effect.provide(LoginThrottle.Default({ guesses: 3, clients: 2 }))))

  it("keys IPv4 as is (also mapped into IPv6) and IPv6 by its /64", () => {
    expect(clientKey("203.0.113.7")).toBe("203.0.113.7")
    expect(clientKey("::ffff:203.0.113.7")).toBe("203.0.113.7")
    expect(clientKey("2001:db8:0:12:aaaa::1")).toBe("2001:db8:0:12::/64")
    expect(clientKey("2001:DB8::12:0:0:bbbb")).toBe("2001:db8:0:0::/64")
    expect(clientKey("2001:0db8:0000:0012:1:2:3:4%eth0")).toBe("2001:db8:0:12::/64")
    expect(clientKey("::1")).toBe("0:0:0:0::/64")
  })
})
