/**
 * An allocation: how a pilot's units are split between its variants, and which share is held
 * out of the pilot altogether. Plain immutable values; validation returns problems, never throws.
 */
import { BUCKETS } from "./Bucket.js"

/** A variant and its relative weight (weights need not sum to 100 or 1; they are normalised). */
export interface WeightedVariant {
  readonly key: string
  readonly weight: number
}

/**
 * A pilot's allocation. `salt` is fixed for the pilot's life (usually its id); the variant order
 * matters, since bucket ranges are laid out in that order; `holdout` is the share in [0, 1) of
 * units excluded from the pilot (default 0), rounded to whole buckets (0.01 %).
 */
export interface Allocation {
  readonly salt: string
  readonly variants: ReadonlyArray<WeightedVariant>
  readonly holdout?: number
}

/** A half-open range of buckets `[from, to)` given to one variant. */
export interface VariantRange {
  readonly key: string
  readonly from: number
  readonly to: number
}

/** One thing wrong with an allocation: the field path and what is wrong with it. */
export interface AllocationProblem {
  readonly path: string
  readonly message: string
}

const NO_PROBLEMS: ReadonlyArray<AllocationProblem> = Object.freeze([])

/**
 * Upper bucket boundary after a cumulative weight: `round(10000 × cumulative / total)`, round
 * half up. Rounding the cumulative share (not each variant's share) keeps every boundary within
 * half a bucket of its exact value and makes the last one exactly 10000, so 50/50 → [0,5000)
 * [5000,10000), 33/33/34 → 3300/3300/3400, 1/99 → 100/9900, 1/1/1 → 3333/3334/3333. IEEE-754
 * double arithmetic is exactly specified, so the boundaries are the same on every machine.
 */
export const rangeBoundary = (cumulative: number, total: number): number => Math.round((BUCKETS * cumulative) / total)

/** Number of holdout buckets: `round(holdout × 10000)`, round half up. */
export const holdoutBuckets = (holdout: number | undefined): number =>
  holdout === undefined ? 0 : Math.round(holdout * BUCKETS)

/**
 * The bucket range of each variant, in the allocation's order: contiguous, half-open, covering
 * [0, 10000) exactly (see `rangeBoundary` for the rounding). Meaningful for a valid allocation.
 */
export const variantRanges = (allocation: Allocation): ReadonlyArray<VariantRange> => {
  const variants = allocation.variants
  let total = 0
  for (const variant of variants) total += variant.weight
  const ranges: Array<VariantRange> = []
  let cumulative = 0
  let from = 0
  for (let i = 0; i < variants.length; i++) {
    const variant = variants[i]!
    cumulative += variant.weight
    const to = i === variants.length - 1 ? BUCKETS : rangeBoundary(cumulative, total)
    ranges.push({ key: variant.key, from, to })
    from = to
  }
  return ranges
}

const isPositiveFinite = (x: unknown): x is number => typeof x === "number" && x > 0 && x < Infinity

/**
 * Every problem with an allocation, each with its field path: a non-empty salt; at least two
 * variants with non-empty, distinct keys and positive finite weights; each variant large enough
 * to receive at least one bucket; holdout a number in [0, 1) that leaves at least one bucket in
 * the pilot. Empty when valid (allocates nothing then, so `assign` can call it on every unit).
 * Checks runtime types too, since allocations often come from JSON.
 */
export const validateAllocation = (allocation: Allocation): ReadonlyArray<AllocationProblem> => {
  let problems: Array<AllocationProblem> | undefined
  const add = (path: string, message: string): void => {
    ;(problems ??= []).push({ path, message })
  }
  if (typeof allocation.salt !== "string" || allocation.salt.length === 0) {
    add("salt", `salt must be a non-empty string, got ${JSON.stringify(allocation.salt)}`)
  }
  const variants: unknown = allocation.variants
  if (!Array.isArray(variants)) {
    add("variants", "variants must be a list of { key, weight }")
  } else {
    const list = variants as ReadonlyArray<WeightedVariant>
    if (list.length < 2) add("variants", `a pilot needs at least 2 variants, got ${list.length}`)
    let total = 0
    let weightsOk = true
    for (let i = 0; i < list.length; i++) {
      const { key, weight } = list[i]!
      if (typeof key !== "string" || key.length === 0) {
        add(`variants[${i}].key`, `variant key must be a non-empty string, got ${JSON.stringify(key)}`)
      } else {
        for (let j = 0; j < i; j++) {
          if (list[j]!.key === key) add(`variants[${i}].key`, `variant key "${key}" repeats variants[${j}].key`)
        }
      }
      if (!isPositiveFinite(weight)) {
        weightsOk = false
        add(`variants[${i}].weight`, `weight of "${String(key)}" must be a positive finite number, got ${String(weight)}`)
      } else {
        total += weight
      }
    }
    if (weightsOk && total < Infinity) {
      let cumulative = 0
      let from = 0
      for (let i = 0; i < list.length; i++) {
        cumulative += list[i]!.weight
        const to = i === list.length - 1 ? BUCKETS : rangeBoundary(cumulative, total)
        if (to <= from) {
          add(
            `variants[${i}].weight`,
            `weight of "${list[i]!.key}" is ${list[i]!.weight} of ${total}, less than one bucket in ${BUCKETS}: it would receive no units`
          )
        }
        from = to
      }
    } else if (weightsOk) {
      add("variants", `the weights sum to ${total}: use smaller weights`)
    }
  }
  const holdout: unknown = allocation.holdout
  if (holdout !== undefined) {
    if (typeof holdout !== "number" || !(holdout >= 0 && holdout < 1)) {
      add("holdout", `holdout must be a share in [0, 1), got ${String(holdout)}`)
    } else if (holdoutBuckets(holdout) >= BUCKETS) {
      add("holdout", `holdout ${holdout} rounds to all ${BUCKETS} buckets: no unit would be in the pilot`)
    }
  }
  return problems ?? NO_PROBLEMS
}
