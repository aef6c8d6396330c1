/**
 * Writers killed with SIGKILL mid-way, on SQLite and PostgreSQL (the event-file import has its
 * own test in test/ingest.test.ts): the server while it ingests HTTP batches, `decide` while it
 * records, `erase` while it erases. After a restart (and the client's retry of what was never
 * acknowledged) the state equals an uninterrupted run's, and nothing acknowledged is lost: a
 * batch answered 200 is stored, a decision printed is in the history, the history decodes with
 * contiguous numbers, an erasure finished by a re-run leaves no event of the person.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import SqliteDatabase from "better-sqlite3"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BIN, requireBin, runCli } from "./fixtures/Cli.js"
import { DIALECTS } from "./fixtures/Databases.js"
import { EXPERIMENTS_DIR } from "./fixtures/Definitions.js"

const PILOT = "support-bot-lead-qualification"
const BOT_YAML = readFileSync(join(EXPERIMENTS_DIR, `${PILOT}.yaml`), "utf8")
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const variantOf = (i: number) => (i % 2 === 0 ? "control" : "bot")

/** Batch `k` of the HTTP test: 200 exposures with their own event ids. */
const batch = (k: number) =>
  Array.from({ length: 200 }, (_, i) => ({ event_id: `b${k}-${i}`, unit_id: `lead-${k}-${i}`, type: "exposure", variant: variantOf(i), ts: "2026-01-06T10:00:00Z" }))

/** Spawns `pilotproof args…`; `exited` resolves with how it ended and what it printed. */
const spawnCli = (db: string, args: ReadonlyArray<string>) => {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1", PILOTPROOF_DB: db } })
  let out = ""
  child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")))
  child.stderr.on("data", (d: Buffer) => (out += d.toString("utf8")))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, out }))
  )
  return { child, exited, output: () => out }
}

/** `serve --port 0` until its banner; its URL and the child (to kill). */
const serve = async (db: string): Promise<{ url: string; child: ChildProcess; exited: Promise<unknown> }> => {
  const { child, exited, output } = spawnCli(db, ["serve", "--port", "0"])
  for (let waited = 0; !output().includes("Ctrl-C stops the server."); waited += 50) {
    if (waited > 60_000 || child.exitCode !== null) throw new Error(`serve did not start: ${output()}`)
    await sleep(50)
  }
  const url = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(output())?.[1]
  if (url === undefined) throw new Error(`no URL in the banner: ${output()}`)
  return { url, child, exited }
}

/**
 * Exposed units as the CLI reads them (readiness, long after the events): the pilot requires
 * consent and these units gave none, so readiness counts them apart, all arms together.
 */
const exposedUnits = async (db: string) => {
  const r = await runCli(db, ["readiness", PILOT, "--as-of", "2026-03-01", "--format", "json"])
  expect(r.code, r.stderr).toBe(0)
  const { exposure } = JSON.parse(r.stdout) as { exposure: { units: Record<string, number>; withoutConsent: number } }
  return Object.values(exposure.units).reduce((a, b) => a + b, 0) + exposure.withoutConsent
}

/** The unit's stored events, read from the database itself (SQLite opened read-write: it recovers a killed writer's WAL). */
const storedEventsOf = async (db: string, unit: string): Promise<number> => {
  if (!db.startsWith("postgres")) {
    const sqlite = new SqliteDatabase(db)
    try {
      return (sqlite.prepare("select count(*) as n from events where unit_id = ?").get(unit) as { n: number }).n
    } finally {
      sqlite.close()
    }
  }
  const client = new pg.Client({ connectionString: db })
  await client.connect()
  try {
    return Number((await client.query("select count(*) as n from events where unit_id = $1", [unit])).rows[0].n)
  } finally {
    await client.end()
  }
}

describe("writers killed with SIGKILL", () => {
  let dir: string
  beforeAll(() => {
    requireBin()
    dir = mkdtempSync(join(tmpdir(), "pilotproof-kill-"))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const setUp = async (db: string, name: string) => {
    const pilotFile = join(dir, `${name}.yaml`)
    writeFileSync(pilotFile, BOT_YAML)
    for (const args of [["pilot", "register", pilotFile], ["pilot", "start", PILOT]]) {
      const r = await runCli(db, args)
      expect(r.code, r.stderr).toBe(0)
    }
  }

  for (const dialect of DIALECTS) {
    it(`on ${dialect.name}: the server killed while it ingests; after a restart and a retry of the unacknowledged batches, every event once`, async () => {
      const db = await dialect.location(dir)
      try {
        await setUp(db.url, `http-${dialect.name}`)
        const token = (await runCli(db.url, ["token", "create", "--role", "owner", "--name", "ingest"])).stdout.trim().split("\n")[0]!
        const BATCHES = 30
        const acknowledged = new Set<number>()
        const send = (url: string, k: number) =>
          fetch(`${url}/api/pilots/${PILOT}/events?source=batch-${k}`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify(batch(k))
          }).then(async (r) => {
            if (r.status === 200) acknowledged.add(k)
            else throw new Error(`batch ${k}: ${r.status} ${await r.text()}`)
          })

        const first = await serve(db.url)
        // three clients sending in turn; the server is killed once eight batches are acknowledged
        let next = 0
        const client = async () => {
          while (next < BATCHES) await send(first.url, next++).catch(() => undefined)
        }
        const clients = Promise.all([client(), client(), client()])
        while (acknowledged.size < 8) await sleep(5)
        first.child.kill("SIGKILL")
        await first.exited
        await clients
        const lost = Array.from({ length: BATCHES }, (_, k) => k).filter((k) => !acknowledged.has(k))
        expect(lost.length, "the kill came after every batch was sent").toBeGreaterThan(0)
        const ackedBeforeKill = [...acknowledged]

        // every acknowledged batch survived the kill, before any retry
        expect(await exposedUnits(db.url)).toBeGreaterThanOrEqual(ackedBeforeKill.length * 200)

        const second = await serve(db.url)
        try {
          // the client retries what was never acknowledged, and re-sends one that was
          for (const k of [...lost, ackedBeforeKill[0]!]) await send(second.url, k)
        } finally {
          second.child.kill("SIGTERM")
          await second.exited
        }
        // the uninterrupted run: 30 batches × 200 units
        expect(await exposedUnits(db.url)).toBe(BATCHES * 200)
      } finally {
        await db.cleanup()
      }
    }, 240_000)

    it(`on ${dialect.name}: decide killed while recording; the history decodes, numbers stay contiguous, every printed decision is in it`, async () => {
      const db = await dialect.location(dir)
      try {
        await setUp(db.url, `decide-${dialect.name}`)
        const events = join(dir, `decide-${dialect.name}.csv`)
        const rows = Array.from({ length: 2_000 }, (_, i) => [
          `x${i},lead-${i},exposure,${variantOf(i)},,2026-01-06T10:00:00Z`,
          ...(i % 7 === 0 ? [`w${i},lead-${i},deal_won,,,2026-01-07T10:00:00Z`] : [])
        ]).flat()
        writeFileSync(events, `event_id,unit_id,type,variant,value,ts\n${rows.join("\n")}\n`)
        expect((await runCli(db.url, ["events", "import", PILOT, events])).code).toBe(0)

        // six at once; three are killed at different points of their run
        const runs = Array.from({ length: 6 }, (_, k) => spawnCli(db.url, ["decide", PILOT, "--as-of", "2026-01-20", "--by", `analyst-${k}`]))
        await Promise.all([0, 2, 4].map(async (k, i) => {
          await sleep(400 + 350 * i)
          runs[k]!.child.kill("SIGKILL")
        }))
        const ends = await Promise.all(runs.map((r) => r.exited))
        const printed = ends.flatMap((e, k) => (e.code === 0 ? [`analyst-${k}`] : []))
        for (const [k, e] of ends.entries()) if (k % 2 === 1) expect(e.code, e.out).toBe(0)
        // the kills landed while they ran (a run that finished first would have exited 0)
        expect(ends.filter((e, k) => k % 2 === 0 && e.signal === "SIGKILL").length).toBeGreaterThan(0)

        const history = await runCli(db.url, ["decisions", PILOT, "--format", "json"])
        expect(history.code, history.stderr).toBe(0)
        const recorded = JSON.parse(history.stdout) as Array<{ seq: number; actor: string; verdict: string }>
        expect(recorded.map((d) => d.seq)).toEqual(recorded.map((_, i) => i + 1))
        for (const actor of printed) expect(recorded.map((d) => d.actor)).toContain(actor)
        expect(new Set(recorded.map((d) => d.actor)).size).toBe(recorded.length)
        // every decision is the one an uninterrupted run records: same data, same as-of, same verdict
        expect(new Set(recorded.map((d) => d.verdict)).size).toBe(1)

        const after = await runCli(db.url, ["decide", PILOT, "--as-of", "2026-01-20", "--by", "after", "--format", "json"])
        expect(after.code, after.stderr).toBe(0)
        const again = JSON.parse((await runCli(db.url, ["decisions", PILOT, "--format", "json"])).stdout) as Array<{ seq: number; actor: string }>
        expect(again.at(-1)).toMatchObject({ seq: recorded.length + 1, actor: "after" })
      } finally {
        await db.cleanup()
      }
    }, 240_000)

    it(`on ${dialect.name}: erase killed mid-way and re-run leaves no event of the person and every other one`, async () => {
      const db = await dialect.location(dir)
      try {
        await setUp(db.url, `erase-${dialect.name}`)
        const events = join(dir, `erase-${dialect.name}.csv`)
        // 400 units; the person (lead-7) has 3 000 events, so erasing takes a moment
        const rows = [
          ...Array.from({ length: 400 }, (_, i) => `x${i},lead-${i},exposure,${variantOf(i)},,2026-01-06T10:00:00Z`),
          ...Array.from({ length: 3_000 }, (_, i) => `p${i},lead-7,lead_created,,,2026-01-06T11:${String(i % 60).padStart(2, "0")}:00Z`)
        ]
        writeFileSync(events, `event_id,unit_id,type,variant,value,ts\n${rows.join("\n")}\n`)
        expect((await runCli(db.url, ["events", "import", PILOT, events])).code).toBe(0)
        expect(await exposedUnits(db.url)).toBe(400)

        expect(await storedEventsOf(db.url, "lead-7")).toBe(3_001)
        const killed: Array<NodeJS.Signals | null> = []
        for (const delay of [300, 600, 900, 1200]) {
          const run = spawnCli(db.url, ["erase", "lead-7"])
          await sleep(delay)
          run.child.kill("SIGKILL")
          killed.push((await run.exited).signal)
          // one transaction: all of the person's events, or none, never a part
          expect([0, 3_001]).toContain(await storedEventsOf(db.url, "lead-7"))
        }
        expect(killed.filter((s) => s === "SIGKILL").length, "every erase finished before its kill").toBeGreaterThan(0)
        const finished = await runCli(db.url, ["erase", "lead-7"])
        expect(finished.code, finished.stderr).toBe(0)
        expect(await storedEventsOf(db.url, "lead-7")).toBe(0)
        const again = await runCli(db.url, ["erase", "lead-7"])
        expect(again.stdout).toMatch(/^erased: 0 events and 0 rejected rows in 0 pilot\(s\)/)
        // lead-7 gone, the other 399 units kept
        expect(await exposedUnits(db.url)).toBe(399)
      } finally {
        await db.cleanup()
      }
    }, 240_000)
  }
})
