/**
 * `analyze` on PostgreSQL after an import that was killed (SIGKILL) and re-run, against
 * `analyze` on SQLite over the same data, in the same run: the fault that once left PostgreSQL
 * planning an aggregation as a scan of `events` per unit (more than 4.5 minutes at full CPU for
 * the bot pilot; seconds on SQLite). Target: within 3× of SQLite.
 *
 * The data is the bot pilot's simulated CRM export (`pilotproof simulate`), imported through the
 * real CLI; the PostgreSQL import is killed once 40 % of its events are committed, then run
 * again to the end. Each `analyze --as-of` (computed, not read from a snapshot) is a whole CLI
 * process, timed three times; medians reported, process start included on both sides.
 * Needs PostgreSQL (`PILOTPROOF_TEST_PG`, default postgres://postgres@127.0.0.1:5432/test).
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import pg from "pg"
import { ratio } from "./Timing.js"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const BIN = join(ROOT, "packages/cli/dist/pilotproof.mjs")
const PILOT = "support-bot-lead-qualification"
const PG_URL = process.env["PILOTPROOF_TEST_PG"] ?? "postgres://postgres@127.0.0.1:5432/test"

const cli = (db: string, args: ReadonlyArray<string>) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1", PILOTPROOF_DB: db }, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`pilotproof ${args.join(" ")}: ${r.stderr}`)
  return r.stdout
}

const medianOf = (times: Array<number>) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!

/** Median wall time of `analyze --as-of` over three runs, and its JSON (to compare the two stores). */
const timeAnalyze = (db: string, asOf: string) => {
  const times: Array<number> = []
  let out = ""
  for (let i = 0; i < 3; i++) {
    const started = performance.now()
    out = cli(db, ["analyze", PILOT, "--as-of", asOf, "--format", "json"])
    times.push(performance.now() - started)
  }
  return { ms: medianOf(times), report: JSON.parse(out) as { metrics: Array<{ key: string; comparisons: Array<{ estimate: unknown }> }> } }
}

const query = async (sql: string, params: Array<unknown> = []) => {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    return (await client.query(sql, params)).rows as Array<Record<string, unknown>>
  } finally {
    await client.end()
  }
}

export const run = async (): Promise<void> => {
  try {
    await query("select 1")
  } catch (e) {
    console.log(`  (skipped: PostgreSQL unreachable at ${PG_URL}: ${(e as Error).message})`)
    return
  }
  const dir = mkdtempSync(join(tmpdir(), "pilotproof-bench-faults-"))
  const schema = `bench_faults_${process.pid}`
  const pgDb = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`
  const sqliteDb = join(dir, "bench.db")
  try {
    await query(`create schema ${schema}`)
    for (const db of [sqliteDb, pgDb]) {
      cli(db, ["pilot", "register", join(ROOT, "experiments", `${PILOT}.yaml`)])
      cli(db, ["pilot", "start", PILOT])
    }
    const events = join(dir, "events.csv")
    cli(sqliteDb, ["simulate", join(ROOT, "experiments/scenarios", `${PILOT}.yaml`), "--out", events])
    const total = readFileSync(events, "utf8").split("\n").length - 2
    const asOf = new Date().toISOString()
    cli(sqliteDb, ["events", "import", PILOT, events])

    // PostgreSQL: killed at 40 %, then re-run to the end
    const child = spawn(process.execPath, [BIN, "events", "import", PILOT, events], { env: { ...process.env, PILOTPROOF_DB: pgDb }, stdio: "ignore" })
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()))
    let committed = 0
    for (;;) {
      committed = Number((await query(`select count(*) as n from ${schema}.events`))[0]!["n"])
      if (committed >= total * 0.4 || child.exitCode !== null) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    child.kill("SIGKILL")
    await exited
    cli(pgDb, ["events", "import", PILOT, events])

    const sqlite = timeAnalyze(sqliteDb, asOf)
    const postgres = timeAnalyze(pgDb, asOf)
    const same = JSON.stringify(sqlite.report.metrics.map((m) => m.comparisons.map((c) => c.estimate))) ===
      JSON.stringify(postgres.report.metrics.map((m) => m.comparisons.map((c) => c.estimate)))
    console.log(`  the bot pilot's simulated export: ${total} events; the PostgreSQL import killed after ${committed} committed, then re-run`)
    console.log(`  analyze, SQLite:                          ${sqlite.ms.toFixed(0)} ms (median of 3, process start included)`)
    console.log(`  analyze, PostgreSQL after the killed import: ${postgres.ms.toFixed(0)} ms = ${ratio(postgres.ms, sqlite.ms)} SQLite (target ≤ 3×); same estimates: ${same ? "yes" : "NO"}`)
  } finally {
    await query(`drop schema if exists ${schema} cascade`).catch(() => undefined)
    rmSync(dir, { recursive: true, force: true })
  }
}
