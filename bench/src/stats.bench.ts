/**
 * Statistics benchmarks against scipy on identical data in the same run:
 *  - Mann–Whitney U (asymptotic, tie-corrected) on 2 × 500,000 log-normal values;
 *  - percentile bootstrap of a difference in means, 10,000 resamples of 2 × 2,000 values.
 * Data are generated here with a seeded `makeRandom`, written as little-endian Float64 to a temp
 * file and read by numpy.fromfile; scipy is timed inside python (time.perf_counter, median of
 * runs). Prints ours/scipy ratios (target ≤ 1.5×).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { bootstrapMeanDifference, makeRandom, mannWhitney } from "@pilotproof/stats"
import { medianMs, ratio, runPython } from "./Timing.js"

const sample = (seed: number, n: number, mu: number): Float64Array => {
  const r = makeRandom(seed)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = r.lognormal(mu, 1)
  return out
}

const write = (path: string, a: Float64Array): void => writeFileSync(path, new Uint8Array(a.buffer, a.byteOffset, a.byteLength))

const PYTHON = String.raw`
import sys, json, time
import numpy as np
from scipy import stats
d = sys.argv[1]
x = np.fromfile(d + "/mw_x.bin", dtype="<f8"); y = np.fromfile(d + "/mw_y.bin", dtype="<f8")
bx = np.fromfile(d + "/bs_x.bin", dtype="<f8"); by = np.fromfile(d + "/bs_y.bin", dtype="<f8")
def med(f, runs):
    f()
    t = []
    for _ in range(runs):
        s = time.perf_counter(); f(); t.append((time.perf_counter() - s) * 1000)
    t.sort(); return t[len(t) // 2]
mw = stats.mannwhitneyu(x, y, method="asymptotic")
mw_ms = med(lambda: stats.mannwhitneyu(x, y, method="asymptotic"), 5)
stat = lambda a, b, axis=-1: a.mean(axis=axis) - b.mean(axis=axis)
bs = stats.bootstrap((bx, by), stat, method="percentile", n_resamples=10000, vectorized=True, rng=np.random.default_rng(1))
bs_ms = med(lambda: stats.bootstrap((bx, by), stat, method="percentile", n_resamples=10000, vectorized=True, rng=np.random.default_rng(1)), 3)
print(json.dumps({"mwMs": mw_ms, "mwP": float(mw.pvalue), "mwU": float(mw.statistic), "bsMs": bs_ms,
                  "bsLow": float(bs.confidence_interval.low), "bsHigh": float(bs.confidence_interval.high)}))
`

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "pilotproof-stats-bench-"))
  try {
    const mx = sample(1, 500_000, 0)
    const my = sample(2, 500_000, 0.005)
    const bx = sample(3, 2_000, 0)
    const by = sample(4, 2_000, 0.05)
    write(join(dir, "mw_x.bin"), mx)
    write(join(dir, "mw_y.bin"), my)
    write(join(dir, "bs_x.bin"), bx)
    write(join(dir, "bs_y.bin"), by)

    const mw = mannWhitney(mx, my, "asymptotic")
    const mwMs = medianMs(() => void mannWhitney(mx, my, "asymptotic"), 5)
    const bs = bootstrapMeanDifference(bx, by, makeRandom(1), { resamples: 10_000 })
    const bsMs = medianMs(() => void bootstrapMeanDifference(bx, by, makeRandom(1), { resamples: 10_000 }), 3)

    console.log(`  mann-whitney 2×500,000: ours ${mwMs.toFixed(1)} ms (U=${mw.statistic}, p=${mw.pValue.toPrecision(6)})`)
    console.log(`  bootstrap 10,000 × (2×2,000): ours ${bsMs.toFixed(1)} ms (CI [${bs.ci.lower.toFixed(4)}, ${bs.ci.upper.toFixed(4)}])`)
    const ref = runPython(PYTHON, [dir])
    if (ref === undefined) return
    const n = (k: string): number => ref[k] as number
    console.log(`  scipy mannwhitneyu: ${n("mwMs").toFixed(1)} ms (U=${n("mwU")}, p=${n("mwP").toPrecision(6)})  ours/scipy ${ratio(mwMs, n("mwMs"))}`)
    console.log(`  scipy bootstrap: ${n("bsMs").toFixed(1)} ms (CI [${n("bsLow").toFixed(4)}, ${n("bsHigh").toFixed(4)}])  ours/scipy ${ratio(bsMs, n("bsMs"))}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
