/**
 * Uniformity of the bucketing, by Pearson's χ² goodness-of-fit test (upper tail, df = cells − 1;
 * independence tables: df = (r − 1)(c − 1)), p from `@stdlib/stats-base-dists-chisquare-cdf`.
 * The ids are a fixed list and the hash is deterministic, so each p-value is a fixed number:
 * these tests cannot be flaky. They fail only if a change to the hash or the mapping made the
 * split detectably non-uniform (p ≤ 0.001, the threshold the product uses for sample-ratio
 * mismatch).
 */
import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf"
import { describe, expect, it } from "vitest"
import type { Allocation } from "../src/index.js"
import { BUCKETS, assign, bucketOf, holdoutBucketOf } from "../src/index.js"

const N = 1_000_000
const SALT = "support-bot-lead-qualification"

/** Upper-tail p of Pearson's χ² for observed counts against expected probabilities. */
const chiSquareP = (observed: ArrayLike<number>, probabilities: ReadonlyArray<number>, df: number): { stat: number; p: number } => {
  let n = 0
  for (let i = 0; i < observed.length; i++) n += observed[i]!
  let stat = 0
  for (let i = 0; i < observed.length; i++) {
    const e = n * probabilities[i]!
    stat += (observed[i]! - e) ** 2 / e
  }
  return { stat, p: 1 - chisquareCdf(stat, df) }
}

// Two id families: short sequential ids (the case FNV-1a handles badly) and e-mail-like ids.
const families: ReadonlyArray<readonly [string, (i: number) => string]> = [
  ["lead-<i>", (i) => `lead-${i}`],
  ["<i>@example.com", (i) => `customer.${i.toString(36)}@example.com`]
]

describe.each(families)("χ² uniformity over 1,000,000 ids %s", (_, id) => {
  it("fills the 10,000 buckets uniformly", () => {
    const counts = new Uint32Array(BUCKETS)
    for (let i = 0; i < N; i++) counts[bucketOf(SALT, id(i))]!++
    const { p } = chiSquareP(counts, new Array<number>(BUCKETS).fill(1 / BUCKETS), BUCKETS - 1)
    expect(p).toBeGreaterThan(0.001)
  })

  const split = (allocation: Allocation): Uint32Array => {
    const counts = new Uint32Array(allocation.variants.length + 1) // last cell: holdout
    const index = new Map(allocation.variants.map((v, i) => [v.key, i]))
    for (let i = 0; i < N; i++) {
      const a = assign(allocation, id(i))
      if (a._tag !== "Assignment") throw new Error(a.message)
      counts[a.variant === null ? allocation.variants.length : index.get(a.variant)!]!++
    }
    return counts
  }

  it("splits 50/50", () => {
    const counts = split({ salt: SALT, variants: [{ key: "control", weight: 50 }, { key: "bot", weight: 50 }] })
    expect(chiSquareP(counts.subarray(0, 2), [0.5, 0.5], 1).p).toBeGreaterThan(0.001)
  })

  it("splits 10/30/60", () => {
    const counts = split({ salt: SALT, variants: [{ key: "a", weight: 10 }, { key: "b", weight: 30 }, { key: "c", weight: 60 }] })
    expect(chiSquareP(counts.subarray(0, 3), [0.1, 0.3, 0.6], 2).p).toBeGreaterThan(0.001)
  })

  it("splits 10/30/60 behind a 20 % holdout: 20 / 8 / 24 / 48", () => {
    const counts = split({
      salt: SALT,
      variants: [{ key: "a", weight: 10 }, { key: "b", weight: 30 }, { key: "c", weight: 60 }],
      holdout: 0.2
    })
    expect(chiSquareP(counts, [0.08, 0.24, 0.48, 0.2], 3).p).toBeGreaterThan(0.001)
  })

  it("draws the holdout independently of the variant bucket (10 × 10 deciles, χ² of independence)", () => {
    const table = new Float64Array(100)
    for (let i = 0; i < N; i++) {
      const unit = id(i)
      table[Math.floor(bucketOf(SALT, unit) / 1000) * 10 + Math.floor(holdoutBucketOf(SALT, unit) / 1000)]!++
    }
    const rows = new Float64Array(10)
    const cols = new Float64Array(10)
    for (let r = 0; r < 10; r++) for (let c = 0; c < 10; c++) (rows[r]! += table[r * 10 + c]!), (cols[c]! += table[r * 10 + c]!)
    let stat = 0
    for (let r = 0; r < 10; r++) {
      for (let c = 0; c < 10; c++) {
        const e = (rows[r]! * cols[c]!) / N
        stat += (table[r * 10 + c]! - e) ** 2 / e
      }
    }
    expect(1 - chisquareCdf(stat, 81)).toBeGreaterThan(0.001)
  })
})
