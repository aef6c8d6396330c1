/**
 * Small helpers shared by the benchmark suites: a median-of-runs timer and a child-process
 * runner for reference implementations (scipy) timed on the same data in the same run.
 */
import { spawnSync } from "node:child_process"

/** Runs `fn` `warmup` times uncounted, then `runs` times; returns the median wall time in ms. */
export const medianMs = (fn: () => void, runs = 5, warmup = 1): number => {
  for (let i = 0; i < warmup; i++) fn()
  const times: Array<number> = []
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint()
    fn()
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

/**
 * Runs a python3 script that prints one JSON object on its last line; returns it, or
 * `undefined` with a printed reason when python3 or scipy is not available.
 */
export const runPython = (script: string, args: ReadonlyArray<string> = []): Record<string, unknown> | undefined => {
  const result = spawnSync("python3", ["-c", script, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
  if (result.error !== undefined || result.status !== 0) {
    console.log(`  (reference skipped: python3/scipy unavailable: ${result.error?.message ?? result.stderr.trim().split("\n").pop()})`)
    return undefined
  }
  const lines = result.stdout.trim().split("\n")
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>
}

/** Formats a ratio `ours / baseline` for printing. */
export const ratio = (ours: number, baseline: number): string => `${(ours / baseline).toFixed(2)}×`
