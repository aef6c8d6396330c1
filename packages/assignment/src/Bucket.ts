/**
 * Buckets: the unit of allocation. A unit's bucket is a pure function of (pilot salt, unit id),
 * so it is the same on every call, process, machine and Pilotproof version.
 */
import { PrefixedMurmurHash3 } from "./MurmurHash3.js"

const variantHash = new PrefixedMurmurHash3(":")
const holdoutHash = new PrefixedMurmurHash3(":holdout:")

/** Number of buckets: allocation and holdout shares have a resolution of 1/10,000 (0.01 %). */
export const BUCKETS = 10_000

/**
 * The unit's bucket in [0, 10000): `murmurHash3_x86_32(utf8(salt + ":" + unitId), seed 0) % 10000`.
 *
 * Modulo, not `floor(h / 2^32 × 10000)`: it is exact integer arithmetic that SQL, Python and
 * spreadsheets reproduce without floating point. Its bias: 2^32 = 429,496 × 10,000 + 7,296, so
 * buckets 0–7,295 receive 429,497 hash values and the rest 429,496, a relative difference of
 * 2.3 × 10⁻⁶ — about 2 units in a million-unit pilot, far below sampling noise.
 */
export const bucketOf = (salt: string, unitId: string): number => variantHash.hash(salt, unitId) % BUCKETS

/**
 * The unit's holdout bucket in [0, 10000), from a second hash in its own namespace:
 * `murmurHash3_x86_32(utf8(salt + ":holdout:" + unitId)) % 10000`. Because the key differs, the
 * two hashes behave as independent: holdout membership tells nothing about the variant bucket,
 * so the units left in the pilot keep the configured weights.
 */
export const holdoutBucketOf = (salt: string, unitId: string): number => holdoutHash.hash(salt, unitId) % BUCKETS
