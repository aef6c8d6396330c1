/**
 * MurmurHash3, x86 32-bit variant (Austin Appleby, public domain; reference `MurmurHash3.cpp`
 * in github.com/aappleby/smhasher), over the UTF-8 bytes of a string.
 *
 * Why this hash: bucketing needs a fast, well-mixed, exactly specified function, not a secret
 * one. MurmurHash3's `fmix32` finaliser passes SMHasher's avalanche tests, so short and
 * near-identical keys (`lead-1`, `lead-2`, …) spread evenly. FNV-1a does not avalanche well on
 * such keys, which is why GrowthBook's hash v2 runs FNV-1a twice; SHA-256 would be uniform
 * too, but cryptographic strength buys nothing here and costs speed. The same function is in
 * Python (`mmh3.hash(s, signed=False)`), Java (Guava `murmur3_32_fixed`) and ClickHouse,
 * so an analyst can recompute any assignment outside Pilotproof.
 *
 * All arithmetic is 32-bit integer (`Math.imul`, `>>>`): identical on every machine and engine.
 */

const C1 = 0xcc9e2d51
const C2 = 0x1b873593

/** Scratch buffer for the inline UTF-8 encoding (grown on demand; JS is single-threaded). */
let scratch = new Uint8Array(256)

const ensureCapacity = (bytes: number): void => {
  if (scratch.length < bytes) scratch = new Uint8Array(Math.max(bytes, scratch.length * 2))
}

/**
 * Writes the UTF-8 encoding of `text` into `scratch` from byte `at` and returns the next free
 * byte. The caller has reserved `3 × text.length` bytes. Follows the WHATWG `TextEncoder`: a
 * surrogate pair becomes one 4-byte sequence, a lone surrogate becomes U+FFFD (EF BF BD).
 */
const encodeInto = (text: string, at: number): number => {
  const out = scratch
  const n = text.length
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i)
    if (c < 0x80) {
      out[at++] = c
    } else if (c < 0x800) {
      out[at++] = 0xc0 | (c >>> 6)
      out[at++] = 0x80 | (c & 0x3f)
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00)
          i++
          out[at++] = 0xf0 | (cp >>> 18)
          out[at++] = 0x80 | ((cp >>> 12) & 0x3f)
          out[at++] = 0x80 | ((cp >>> 6) & 0x3f)
          out[at++] = 0x80 | (cp & 0x3f)
          continue
        }
        c = 0xfffd
      }
      out[at++] = 0xe0 | (c >>> 12)
      out[at++] = 0x80 | ((c >>> 6) & 0x3f)
      out[at++] = 0x80 | (c & 0x3f)
    }
  }
  return at
}

/** Mixes the whole 4-byte blocks of `bytes[0, end)` into state `h` (`end` a multiple of 4). */
const mixBlocks = (h: number, bytes: Uint8Array, end: number): number => {
  for (let i = 0; i < end; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)
    k = Math.imul(k, C1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, C2)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  return h
}

/**
 * Continues from state `h` over `bytes[0, length)` (blocks, then the 1–3 byte tail) and
 * finalises with `totalLength`, the byte length of the whole key (prefix included).
 */
const hashFrom = (h: number, bytes: Uint8Array, length: number, totalLength: number): number => {
  const blocks = length & ~3
  h = mixBlocks(h, bytes, blocks)
  const tail = length & 3
  if (tail !== 0) {
    let k = bytes[blocks]!
    if (tail > 1) k |= bytes[blocks + 1]! << 8
    if (tail > 2) k |= bytes[blocks + 2]! << 16
    k = Math.imul(k, C1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, C2)
    h ^= k
  }
  h ^= totalLength
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** MurmurHash3 x86 32-bit of raw bytes; returns an unsigned integer in [0, 2^32). */
export const murmurHash3Bytes = (bytes: Uint8Array, seed = 0): number => hashFrom(seed | 0, bytes, bytes.length, bytes.length)

/**
 * MurmurHash3 x86 32-bit of the UTF-8 encoding of `text` (encoded inline, no allocation per
 * call; lone surrogates encoded as U+FFFD like `TextEncoder`); returns an unsigned integer in
 * [0, 2^32). `murmurHash3("hello") === 0x248bfa47`.
 */
export const murmurHash3 = (text: string, seed = 0): number => {
  ensureCapacity(text.length * 3)
  const length = encodeInto(text, 0)
  return hashFrom(seed | 0, scratch, length, length)
}

/**
 * `murmurHash3(prefix + separator + key, seed)` for many keys under one prefix (a pilot's salt):
 * the hash state after the prefix's whole blocks is kept for the last prefix seen, so each call
 * encodes and mixes only the key. A pure function to its callers; the cache is an optimisation.
 * Equal to hashing the joined string because `separator` must start and end with a
 * non-surrogate character (`":"`, `":holdout:"`), so no surrogate pair straddles a join.
 */
export class PrefixedMurmurHash3 {
  private prefix: string | undefined = undefined
  private state = 0
  private prefixBytes = 0
  private readonly carry = new Uint8Array(3)
  private carryBytes = 0

  constructor(
    readonly separator: string,
    readonly seed = 0
  ) {}

  hash(prefix: string, key: string): number {
    if (prefix !== this.prefix) this.prepare(prefix)
    const carried = this.carryBytes
    ensureCapacity(carried + key.length * 3)
    const out = scratch
    for (let i = 0; i < carried; i++) out[i] = this.carry[i]!
    const end = encodeInto(key, carried)
    return hashFrom(this.state, out, end, this.prefixBytes - carried + end)
  }

  private prepare(prefix: string): void {
    ensureCapacity((prefix.length + this.separator.length) * 3)
    const length = encodeInto(this.separator, encodeInto(prefix, 0))
    const blocks = length & ~3
    this.state = mixBlocks(this.seed | 0, scratch, blocks)
    this.carryBytes = length - blocks
    for (let i = 0; i < this.carryBytes; i++) this.carry[i] = scratch[blocks + i]!
    this.prefixBytes = length
    this.prefix = prefix
  }
}
