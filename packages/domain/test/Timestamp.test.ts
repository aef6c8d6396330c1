/**
 * `parseTimestamp` against an oracle built differently: a timestamp names a real moment iff its
 * calendar fields survive a round trip through `Date` (setUTCFullYear, so years below 100 are
 * not shifted to the 1900s), and then its value is that moment minus the offset plus the
 * truncated milliseconds.
 */
import { describe, expect, it } from "@effect/vitest"
import { parseMoment, parseTimestamp } from "@pilotproof/domain"
import fc from "fast-check"

const pad = (n: number, width: number) => String(n).padStart(width, "0")

interface Parts {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number | undefined
  readonly fraction: string | undefined
  readonly offset: { readonly sign: "+" | "-"; readonly hours: number; readonly minutes: number; readonly colon: boolean } | "Z"
}

const text = (p: Parts) =>
  `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}T${pad(p.hour, 2)}:${pad(p.minute, 2)}` +
  (p.second === undefined ? "" : `:${pad(p.second, 2)}${p.fraction === undefined ? "" : `.${p.fraction}`}`) +
  (p.offset === "Z" ? "Z" : `${p.offset.sign}${pad(p.offset.hours, 2)}${p.offset.colon ? ":" : ""}${pad(p.offset.minutes, 2)}`)

const oracle = (p: Parts): number | undefined => {
  const second = p.second ?? 0
  if (p.hour > 23 || p.minute > 59 || second > 59) return undefined
  if (p.offset !== "Z" && (p.offset.hours > 14 || p.offset.minutes > 59)) return undefined
  const date = new Date(0)
  date.setUTCFullYear(p.year, p.month - 1, p.day)
  date.setUTCHours(p.hour, p.minute, second, 0)
  if (date.getUTCFullYear() !== p.year || date.getUTCMonth() !== p.month - 1 || date.getUTCDate() !== p.day) return undefined
  const millis = p.second === undefined || p.fraction === undefined ? 0 : Number(p.fraction.padEnd(3, "0").slice(0, 3))
  const offsetMs = p.offset === "Z" ? 0 : (p.offset.sign === "-" ? -1 : 1) * (p.offset.hours * 60 + p.offset.minutes) * 60_000
  return date.getTime() + millis - offsetMs
}

const parts: fc.Arbitrary<Parts> = fc.record({
  year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(1900, 2000, 2024, 2100, 2400)),
  month: fc.integer({ min: 0, max: 13 }),
  day: fc.integer({ min: 0, max: 32 }),
  hour: fc.integer({ min: 0, max: 25 }),
  minute: fc.integer({ min: 0, max: 61 }),
  second: fc.option(fc.integer({ min: 0, max: 61 }), { nil: undefined }),
  fraction: fc.option(fc.stringMatching(/^\d{1,9}$/), { nil: undefined }),
  offset: fc.oneof(
    fc.constant("Z" as const),
    fc.record({
      sign: fc.constantFrom("+" as const, "-" as const),
      hours: fc.integer({ min: 0, max: 16 }),
      minutes: fc.integer({ min: 0, max: 61 }),
      colon: fc.boolean()
    })
  )
})

describe("parseTimestamp", () => {
  it("gives the oracle's moment for every well-formed text, and undefined for impossible ones", () => {
    fc.assert(fc.property(parts, (p) => {
      expect(parseTimestamp(text(p))).toBe(oracle(p))
    }), { numRuns: 20_000 })
  })

  it("knows the Gregorian leap years", () => {
    expect(parseTimestamp("2024-02-29T00:00Z")).toBe(Date.UTC(2024, 1, 29))
    expect(parseTimestamp("2000-02-29T00:00Z")).toBe(Date.UTC(2000, 1, 29))
    expect(parseTimestamp("2100-02-29T00:00Z")).toBeUndefined()
    expect(parseTimestamp("2026-02-29T00:00Z")).toBeUndefined()
    expect(parseTimestamp("2026-04-31T00:00Z")).toBeUndefined()
  })

  it("refuses what is not ISO 8601 with an offset", () => {
    for (const t of ["2026-03-01T10:00", "2026-03-01 10:00Z", "2026-3-1T10:00Z", "2026-03-01T24:00Z", "2026-03-01T10:00+15:00", "", "yesterday"]) {
      expect(parseTimestamp(t), t).toBeUndefined()
    }
    expect(parseTimestamp("2026-03-01T10:00:00.123456789-05:00")).toBe(Date.UTC(2026, 2, 1, 15, 0, 0, 123))
  })
})

describe("parseMoment (--as-of, ?asOf=)", () => {
  it("takes a timestamp with an offset, or a date as its midnight UTC; nothing else", () => {
    expect(parseMoment("2026-03-01")).toBe(Date.UTC(2026, 2, 1))
    expect(parseMoment("2026-03-01T09:30:00+03:00")).toBe(Date.UTC(2026, 2, 1, 6, 30))
    for (const t of ["2026-02-30", "2026-03-01T09:30", "2026-3-1", "yesterday", ""]) expect(parseMoment(t), t).toBeUndefined()
  })
})
