/**
 * Assigning a unit: bucket → variant by the allocation's ranges, after an independent holdout
 * draw. Pure: the same (allocation, unit id) gives the same answer everywhere, forever.
 */
import type { Allocation, AllocationProblem } from "./Allocation.js"
import { holdoutBuckets, rangeBoundary, validateAllocation } from "./Allocation.js"
import { bucketOf, holdoutBucketOf } from "./Bucket.js"

/**
 * Where a unit goes: its variant bucket, and either its variant (`inHoldout: false`) or no
 * variant because it is in the holdout (`variant: null, inHoldout: true`). The bucket is
 * reported in both cases; it does not depend on the holdout.
 */
export interface Assignment {
  readonly _tag: "Assignment"
  readonly unitId: string
  readonly bucket: number
  readonly variant: string | null
  readonly inHoldout: boolean
}

/** `assign` was given an invalid allocation: every problem, and one readable message. */
export interface InvalidAllocation {
  readonly _tag: "InvalidAllocation"
  readonly problems: ReadonlyArray<AllocationProblem>
  readonly message: string
}

/**
 * Assigns a unit to a variant or the holdout. The unit is in the holdout when
 * `holdoutBucketOf(salt, unitId) < round(holdout × 10000)`; otherwise it gets the variant whose
 * range (`variantRanges`) holds `bucketOf(salt, unitId)`. Never throws: an invalid allocation
 * returns `InvalidAllocation` with every problem (see `validateAllocation`). The allocation is
 * validated on each call (no caching, so no stale state), which allocates nothing when valid.
 */
export const assign = (allocation: Allocation, unitId: string): Assignment | InvalidAllocation => {
  const problems = validateAllocation(allocation)
  if (problems.length > 0) {
    return {
      _tag: "InvalidAllocation",
      problems,
      message: `invalid allocation for salt ${JSON.stringify(allocation.salt)}: ${problems
        .map((p) => `${p.path}: ${p.message}`)
        .join("; ")}`
    }
  }
  const salt = allocation.salt
  const bucket = bucketOf(salt, unitId)
  const held = holdoutBuckets(allocation.holdout)
  if (held > 0 && holdoutBucketOf(salt, unitId) < held) {
    return { _tag: "Assignment", unitId, bucket, variant: null, inHoldout: true }
  }
  const variants = allocation.variants
  const last = variants.length - 1
  let total = 0
  for (let i = 0; i <= last; i++) total += variants[i]!.weight
  let cumulative = 0
  for (let i = 0; i < last; i++) {
    const variant = variants[i]!
    cumulative += variant.weight
    if (bucket < rangeBoundary(cumulative, total)) {
      return { _tag: "Assignment", unitId, bucket, variant: variant.key, inHoldout: false }
    }
  }
  return { _tag: "Assignment", unitId, bucket, variant: variants[last]!.key, inHoldout: false }
}
