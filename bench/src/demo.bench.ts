/**
 * The main job (`npm start` without the server): `pilotproof demo --no-serve` on a fresh SQLite
 * file over every pilot of experiments/ — register, simulate, import, analyse, decide — timed
 * whole (process start included), median of three runs. The target is absolute: under
 * 30 s on a 2-core machine. Beside it, as a ratio measured in the same run: the same command over
 * the first four pilots the demo had (the baseline), so a slower pilot shows as a larger ratio
 * per pilot.
 */
import { spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { ratio } from "./Timing.js"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const BIN = join(ROOT, "packages/cli/dist/pilotproof.mjs")
const EXPERIMENTS = join(ROOT, "experiments")
const FIRST_FOUR = ["support-bot-lead-qualification", "lead-scoring-queue-priority", "personalized-offers-returning", "reply-drafting-assistant"]

/** Seconds of one `demo --no-serve` over `experiments` on a fresh database; throws when it fails. */
const demoSeconds = (dir: string, experiments: string): number => {
  const db = join(dir, `demo-${Math.random().toString(36).slice(2)}.db`)
  const started = performance.now()
  const result = spawnSync(process.execPath, [BIN, "demo", "--no-serve", "--experiments", experiments], {
    encoding: "utf8",
    env: { ...process.env, PILOTPROOF_DB: db }
  })
  const seconds = (performance.now() - started) / 1000
  if (result.status !== 0) throw new Error(`demo failed (exit ${result.status}): ${result.stderr}`)
  rmSync(db, { force: true })
  return seconds
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export const run = async (): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), "pilotproof-demo-bench-"))
  try {
    const four = join(dir, "four")
    mkdirSync(join(four, "scenarios"), { recursive: true })
    for (const id of FIRST_FOUR) {
      copyFileSync(join(EXPERIMENTS, `${id}.yaml`), join(four, `${id}.yaml`))
      copyFileSync(join(EXPERIMENTS, "scenarios", `${id}.yaml`), join(four, "scenarios", `${id}.yaml`))
    }
    const pilots = readdirSync(EXPERIMENTS).filter((f) => f.endsWith(".yaml")).length
    const all: Array<number> = []
    const base: Array<number> = []
    for (let i = 0; i < 3; i++) {
      base.push(demoSeconds(dir, four))
      all.push(demoSeconds(dir, EXPERIMENTS))
    }
    const [a, b] = [median(all), median(base)]
    console.log(`  demo --no-serve, ${pilots} pilots of experiments/: ${a.toFixed(1)} s (target < 30 s: ${a < 30 ? "met" : "NOT met"})`)
    console.log(`  baseline, the first four pilots: ${b.toFixed(1)} s; all / four = ${ratio(a, b)} for ${(pilots / FIRST_FOUR.length).toFixed(2)}× the pilots`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
