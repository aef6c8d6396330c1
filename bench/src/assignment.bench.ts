/**
 * Assignment throughput: our `assign` (MurmurHash3 over `salt:unitId`, validation, ranges)
 * beside GrowthBook's own bucketing on the same 1,000,000 ids in the same run: its hash v2
 * (double FNV-1a) + `chooseVariation` over ranges from `getBucketRanges`, computed once (its
 * best case; the SDK recomputes them per evaluation). Those helpers are not re-exported from the
 * package root, so they are loaded from the SDK's published ESM build by file URL.
 */
import { assign, type Allocation } from "@pilotproof/assignment"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { pathToFileURL } from "node:url"
import { medianMs, ratio } from "./Timing.js"

type VariationRange = [number, number]
interface GrowthBookUtil {
  hash(seed: string, value: string, version: number): number | null
  getBucketRanges(numVariations: number, coverage: number | undefined, weights?: Array<number>): Array<VariationRange>
  chooseVariation(n: number, ranges: Array<VariationRange>): number
}

const loadGrowthBook = async (): Promise<GrowthBookUtil> => {
  const root = dirname(createRequire(import.meta.url).resolve("@growthbook/growthbook/package.json"))
  return (await import(pathToFileURL(join(root, "dist/esm/util.mjs")).href)) as GrowthBookUtil
}

const N = 1_000_000
const SALT = "support-bot-lead-qualification"

export async function run(): Promise<void> {
  const gb = await loadGrowthBook()
  const ids = Array.from({ length: N }, (_, i) => `lead-${i}`)
  const plain: Allocation = { salt: SALT, variants: [{ key: "control", weight: 50 }, { key: "bot", weight: 50 }] }
  const withHoldout: Allocation = { ...plain, holdout: 0.1 }
  const ranges = gb.getBucketRanges(2, 1, [0.5, 0.5])

  let sink = 0 // consumed below so no loop is optimised away
  const ours = (allocation: Allocation) => () => {
    let control = 0
    for (let i = 0; i < N; i++) {
      const a = assign(allocation, ids[i]!)
      if (a._tag === "Assignment" && a.variant === "control") control++
    }
    sink += control
  }
  // Worst case for the per-salt cache: two pilots interleaved, so every call re-hashes the salt.
  const other: Allocation = { ...plain, salt: `${SALT}-2` }
  const interleaved = () => {
    let control = 0
    for (let i = 0; i < N; i++) {
      const a = assign(i & 1 ? other : plain, ids[i]!)
      if (a._tag === "Assignment" && a.variant === "control") control++
    }
    sink += control
  }
  const growthBook = () => {
    let control = 0
    for (let i = 0; i < N; i++) {
      const n = gb.hash(SALT, ids[i]!, 2)
      if (n !== null && gb.chooseVariation(n, ranges) === 0) control++
    }
    sink += control
  }

  const baselineMs = medianMs(growthBook, 7, 2)
  const oursMs = medianMs(ours(plain), 7, 2)
  const oursHoldoutMs = medianMs(ours(withHoldout), 7, 2)
  const interleavedMs = medianMs(interleaved, 7, 2)
  const rate = (ms: number) => `${(N / ms / 1000).toFixed(2)} M/s`.padStart(10)
  const line = (label: string, ms: number, vs = "") => console.log(`  ${label.padEnd(44)}${rate(ms)} ${`${ms.toFixed(0)} ms`.padStart(8)}  ${vs}`)
  console.log(`  ${N.toLocaleString("en")} ids "lead-<i>", 50/50, median of 7 runs; ratio = our rate / GrowthBook's`)
  line("growthbook hash v2 + chooseVariation", baselineMs)
  line("pilotproof assign", oursMs, ratio(baselineMs, oursMs))
  line("pilotproof assign, 10 % holdout (2 hashes)", oursHoldoutMs, ratio(baselineMs, oursHoldoutMs))
  line("pilotproof assign, 2 salts interleaved", interleavedMs, ratio(baselineMs, interleavedMs))
  if (sink === 0) console.log("  (no unit in control: impossible)")
}
