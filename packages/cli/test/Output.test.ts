/**
 * The import progress line: share of the file's bytes, a bar of constant width, rate and time
 * left, always within the terminal's columns.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { progressLine } from "../src/Output.js"

const bar = (line: string) => /\[([█░]+)\]/.exec(line)?.[1] ?? ""

describe("progressLine", () => {
  it("shows the share of bytes read, records, rate and time left", () => {
    const line = progressLine("importing bot.csv", { records: 380_000, bytesRead: 42, totalBytes: 100, seconds: 4.2 }, 120)
    expect(line).toBe(`importing bot.csv [${"█".repeat(12)}${"░".repeat(18)}]  42%  380,000 records  90,476/s  0:06 left`)
  })

  it("keeps the bar's width while the figures grow, and says nothing of time left when done", () => {
    const widths = [0, 1, 50, 99, 100].map((read) =>
      bar(progressLine("importing x.csv", { records: read * 10_000, bytesRead: read, totalBytes: 100, seconds: 1 + read }, 100)).length
    )
    expect(new Set(widths)).toEqual(new Set([30]))
    expect(progressLine("importing x.csv", { records: 10, bytesRead: 100, totalBytes: 100, seconds: 1 }, 100)).toMatch(/100%  10 records  10\/s$/)
    expect(progressLine("importing x.csv", { records: 0, bytesRead: 0, totalBytes: 0, seconds: 0 }, 100)).toMatch(/100%  0 records  0\/s$/)
  })

  it("writes hours past an hour left, and keeps them on an 80-column terminal", () => {
    expect(progressLine("x", { records: 1, bytesRead: 1, totalBytes: 1000, seconds: 10 }, 200)).toMatch(/2:46:30 left$/)
    const long = progressLine("importing bot.csv", { records: 12_000_000, bytesRead: 1, totalBytes: 4, seconds: 3000 }, 80)
    expect(long).toMatch(/ 12,000,000 records  4,000\/s  2:30:00 left$/)
    expect(long.length).toBeLessThan(80)
  })

  it("never exceeds the terminal's width, dropping the bar when there is no room", () => {
    fc.assert(fc.property(
      fc.string({ maxLength: 120 }),
      fc.nat(10_000_000),
      fc.nat(1000),
      fc.integer({ min: 1, max: 1000 }),
      fc.double({ min: 0, max: 100_000, noNaN: true }),
      fc.integer({ min: 2, max: 300 }),
      (label, records, read, total, seconds, columns) => {
        const line = progressLine(label, { records, bytesRead: Math.min(read, total), totalBytes: total, seconds }, columns)
        expect(line.length).toBeLessThan(columns)
        const width = bar(line).length
        expect(width === 0 || (width >= 8 && width <= 30)).toBe(true)
        if (width > 0) expect(line.endsWith("…"), line).toBe(false) // a bar is drawn only where everything fits
      }
    ))
  })
})
