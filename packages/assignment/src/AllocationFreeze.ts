/**
 * A running pilot's allocation is frozen: changing the salt, the variants, their weights or
 * order, or the holdout would move units between arms mid-pilot and bias every comparison.
 * `sameAllocation` is the check a caller runs before accepting a new version of a pilot.
 */
import type { Allocation, WeightedVariant } from "./Allocation.js"
import { holdoutBuckets, variantRanges } from "./Allocation.js"

/** Result of `sameAllocation`: `ok`, or each change found and one message naming them all. */
export type AllocationComparison =
  | { readonly ok: true }
  | { readonly ok: false; readonly changes: ReadonlyArray<string>; readonly message: string }

const describe = (variants: ReadonlyArray<WeightedVariant>): string =>
  variants.map((v) => `${v.key} ${v.weight}`).join(" / ")

/**
 * Whether `next` assigns every unit exactly as `previous` does. Compared by effect, not by
 * spelling: same salt, same variant keys with the same bucket ranges in the same order, and the
 * same number of holdout buckets. So 50/50 → 1/1 is `ok` (no unit moves) while 50/50 → 40/60 is
 * not: "weights changed from control 50 / bot 50 to control 40 / bot 60: a running pilot's
 * allocation is frozen". Never throws; meant for valid allocations.
 */
export const sameAllocation = (previous: Allocation, next: Allocation): AllocationComparison => {
  const changes: Array<string> = []
  if (previous.salt !== next.salt) {
    changes.push(`salt changed from ${JSON.stringify(previous.salt)} to ${JSON.stringify(next.salt)} (every unit would be reshuffled)`)
  }
  const before = variantRanges(previous)
  const after = variantRanges(next)
  const sameKeys = before.length === after.length && before.every((r, i) => r.key === after[i]!.key)
  if (!sameKeys) {
    changes.push(`variants changed from ${describe(previous.variants)} to ${describe(next.variants)}`)
  } else if (!before.every((r, i) => r.from === after[i]!.from && r.to === after[i]!.to)) {
    changes.push(`weights changed from ${describe(previous.variants)} to ${describe(next.variants)}`)
  }
  if (holdoutBuckets(previous.holdout) !== holdoutBuckets(next.holdout)) {
    changes.push(`holdout changed from ${previous.holdout ?? 0} to ${next.holdout ?? 0}`)
  }
  if (changes.length === 0) return { ok: true }
  return { ok: false, changes, message: `${changes.join("; ")}: a running pilot's allocation is frozen` }
}
