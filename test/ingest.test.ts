/**
 * The import's "done means", end to end through the real `pilotproof` binary: a 1,000,000-row
 * CSV with 1% malformed rows and exact duplicates imports with exact counts, a second import
 * adds nothing, and an import killed mid-way (SIGKILL) then re-run ends in exactly the state of
 * an uninterrupted one. The same counts and idempotence, smaller, on SQLite and PostgreSQL.
 */
import { assign } from "@pilotproof/assignment"
import SqliteDatabase from "better-sqlite3"
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIALECTS } from "./fixtures/Databases.js"
import { minimalPilot } from "./fixtures/Definitions.js"

const BIN = fileURLToPath(new URL("../packages/cli/dist/pilotproof.mjs", import.meta.url))
const PILOT = "ingest-pilot"

/** The minimal pilot plus a mean metric, so a row can be rejected for a missing value. */
const pilotDefinition = {
  ...minimalPilot(PILOT),
  metrics: [
    ...minimalPilot(PILOT).metrics,
    { key: "handle_minutes", role: "secondary", type: "mean", event: "handled", aggregate: "sum", direction: "decrease" }
  ]
}
const allocation = { salt: PILOT, variants: [{ key: "control", weight: 50 }, { key: "bot", weight: 50 }] }
const variantOf = (unit: string): string => {
  const a = assign(allocation, unit)
  return (a._tag === "Assignment" ? a.variant : null) ?? "control"
}

// ---------------------------------------------------------------------------------------------
// The generated file. Row i (0-based, file line i + 2) is malformed when i % 100 == 50 (exactly
// 1%), an exact copy of row i − 7 when i % 500 == 251 (0.2%), and a valid event otherwise. Every
// row is a pure function of i, so the file is the same bytes on every run.
// ---------------------------------------------------------------------------------------------

const HEADER = "event_id,unit_id,type,variant,value,ts,channel"
const T0 = Date.parse("2026-03-01T00:00:00Z")
const CHANNELS = ["telegram", "web", "phone"]

/** A valid row: four events per lead (exposure, consent, a valued event, an outcome). */
const goodRow = (k: number): string => {
  const unit = `lead-${String(Math.floor(k / 4)).padStart(7, "0")}`
  const ts = new Date(T0 + k * 1000).toISOString()
  switch (k % 4) {
    case 0:
      return `,${unit},exposure,${variantOf(unit)},,${ts},${CHANNELS[k % 3]}` // no event_id: a stable row hash
    case 1:
      return `,${unit},consent,,,${ts},`
    case 2:
      return `e-${k},${unit},handled,,${(k % 37) / 2},${ts},`
    default:
      return `e-${k},${unit},${k % 3 === 0 ? "deal_won" : "complaint"},,,${ts},`
  }
}

/** The malformed kinds, each with a piece of the reason the import must give. */
const MALFORMED: ReadonlyArray<{ readonly row: (i: number, ts: string) => string; readonly reason: RegExp }> = [
  { row: (i) => `,bad-${i},deal_won,,,2026-03-01 10:00,`, reason: /ts must be ISO 8601 with a UTC offset/ },
  { row: (i) => `,bad-${i},deal_won,,,2026-02-30T10:00:00Z,`, reason: /is not a real date/ },
  { row: (i, ts) => `,bad-${i},deal_lost,,,${ts},`, reason: /event type "deal_lost" is not used by pilot/ },
  { row: (i, ts) => `,bad-${i},exposure,treatment,,${ts},`, reason: /variant "treatment" is not a variant of pilot/ },
  { row: (_, ts) => `,,deal_won,,,${ts},`, reason: /^unit_id is missing \(every event needs unit_id, type and ts\)$/ },
  { row: (i, ts) => `,bad-${i},handled,,abc,${ts},`, reason: /^value "abc" is not a number: write it in decimal notation/ },
  { row: (i, ts) => `,bad-${i},handled,,,${ts},`, reason: /event type "handled" needs a numeric value/ }
]

const isMalformed = (i: number) => i % 100 === 50
const isDuplicate = (i: number) => i % 500 === 251

const row = (i: number): string => {
  if (isMalformed(i)) {
    const kind = MALFORMED[Math.floor(i / 100) % MALFORMED.length]!
    return kind.row(i, new Date(T0 + i * 1000).toISOString())
  }
  return goodRow(isDuplicate(i) ? i - 7 : i)
}

interface Expected {
  readonly records: number
  readonly accepted: number
  readonly duplicates: number
  readonly rejected: number
  /** Rejected rows per malformed kind, in `MALFORMED` order. */
  readonly perKind: ReadonlyArray<number>
}

/** Writes `rows` data rows to `path` in chunks (never the whole file in memory). */
const writeEvents = (path: string, rows: number): Expected => {
  const fd = openSync(path, "w")
  const perKind = MALFORMED.map(() => 0)
  let malformed = 0
  let duplicates = 0
  try {
    writeSync(fd, HEADER + "\n")
    const chunk: Array<string> = []
    for (let i = 0; i < rows; i++) {
      if (isMalformed(i)) {
        malformed++
        perKind[Math.floor(i / 100) % MALFORMED.length]!++
      } else if (isDuplicate(i)) duplicates++
      chunk.push(row(i))
      if (chunk.length === 10_000 || i === rows - 1) {
        writeSync(fd, chunk.join("\n") + "\n")
        chunk.length = 0
      }
    }
  } finally {
    closeSync(fd)
  }
  return { records: rows, accepted: rows - malformed - duplicates, duplicates, rejected: malformed, perKind }
}

// ---------------------------------------------------------------------------------------------
// The CLI
// ---------------------------------------------------------------------------------------------

const cliEnv = (db: string) => ({ ...process.env, NO_COLOR: "1", PILOTPROOF_DB: db })

/**
 * Runs the CLI without blocking this worker (a blocking spawnSync of a minute-long import starves
 * vitest's worker RPC, which then times out).
 */
const cli = (db: string, ...args: Array<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(db) })
    const out: Array<Buffer> = []
    const err: Array<Buffer> = []
    child.stdout.on("data", (b: Buffer) => out.push(b))
    child.stderr.on("data", (b: Buffer) => err.push(b))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }))
  })

const ok = async (db: string, ...args: Array<string>): Promise<string> => {
  const result = await cli(db, ...args)
  if (result.code !== 0) throw new Error(`pilotproof ${args.join(" ")} exited ${result.code}: ${result.stderr}`)
  return result.stdout
}

const SUMMARY = /: (\d+) records — (\d+) accepted, (\d+) duplicates, (\d+) rejected$/m

const importFile = async (db: string, file: string) => {
  const out = await ok(db, "events", "import", PILOT, file)
  const m = SUMMARY.exec(out)
  if (m === null) throw new Error(`no import summary in: ${out}`)
  return { records: Number(m[1]), accepted: Number(m[2]), duplicates: Number(m[3]), rejected: Number(m[4]) }
}

const rejectsOf = async (db: string, limit: number) =>
  JSON.parse(await ok(db, "events", "rejects", PILOT, "--format", "json", "--limit", String(limit))) as {
    total: number
    rows: Array<{ line: number; reason: string }>
  }

const setUp = async (db: string, pilotFile: string) => {
  await ok(db, "pilot", "register", pilotFile)
  await ok(db, "pilot", "start", PILOT)
}

const countPerKind = (rows: ReadonlyArray<{ reason: string }>) =>
  MALFORMED.map((kind) => rows.filter((r) => kind.reason.test(r.reason)).length)

// ---------------------------------------------------------------------------------------------
// SQLite state, read directly
// ---------------------------------------------------------------------------------------------

/** SHA-256 over the sorted events and the rejects (batch ids and import times left out). */
const fingerprint = (file: string) => {
  const db = new SqliteDatabase(file, { readonly: true, fileMustExist: true })
  try {
    const events = createHash("sha256")
    let n = 0
    for (const r of db.prepare("select event_id, unit_id, type, variant, value, ts_ms, attributes from events order by pilot_id, event_id").raw().iterate()) {
      events.update(JSON.stringify(r) + "\n")
      n++
    }
    const rejects = createHash("sha256")
    for (const r of db.prepare("select source, line, unit_id, reason, raw from event_rejects order by pilot_id, source, line").raw().iterate()) {
      rejects.update(JSON.stringify(r) + "\n")
    }
    return { events: n, eventsSha: events.digest("hex"), rejectsSha: rejects.digest("hex") }
  } finally {
    db.close()
  }
}

/** Committed events, or undefined while the file or table does not exist yet. */
const committedEvents = (file: string): number | undefined => {
  if (!existsSync(file)) return undefined
  try {
    const db = new SqliteDatabase(file, { readonly: true, fileMustExist: true })
    try {
      return (db.prepare("select count(*) as n from events").get() as { n: number }).n
    } finally {
      db.close()
    }
  } catch {
    return undefined
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------------------------

const ROWS = 1_000_000
// One full import is ~30 s on an idle machine; timeouts allow for `npm test` running other
// suites on the same cores (seen: 140 s for the first import under load).

describe(`pilotproof events import: ${ROWS.toLocaleString("en")} rows through the CLI on SQLite`, () => {
  let dir: string
  let csv: string
  let pilotFile: string
  let expected: Expected
  let dbA: string

  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does it)`)
    dir = mkdtempSync(join(tmpdir(), "pilotproof-ingest-"))
    pilotFile = join(dir, "pilot.json")
    writeFileSync(pilotFile, JSON.stringify(pilotDefinition))
    csv = join(dir, "events.csv")
    expected = writeEvents(csv, ROWS)
    dbA = join(dir, "uninterrupted.db")
  }, 120_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** The uninterrupted import into dbA, made once by whichever test needs it first. */
  let uninterrupted: Promise<Awaited<ReturnType<typeof importFile>>> | undefined
  const importUninterrupted = () =>
    (uninterrupted ??= setUp(dbA, pilotFile).then(() => importFile(dbA, csv)))

  it("imports with exact counts, keeps every malformed row with its reason, and adds nothing on a second import", async () => {
    expect(expected).toMatchObject({ records: 1_000_000, accepted: 988_000, duplicates: 2_000, rejected: 10_000 })
    const summary = await importUninterrupted()
    expect(summary).toEqual({ records: expected.records, accepted: expected.accepted, duplicates: expected.duplicates, rejected: expected.rejected })

    const rejects = await rejectsOf(dbA, expected.rejected)
    expect(rejects.total).toBe(expected.rejected)
    expect(countPerKind(rejects.rows)).toEqual(expected.perKind)
    // Lines are file lines: row i sits on line i + 2 (after the header).
    expect(rejects.rows.map((r) => r.line).sort((a, b) => a - b).slice(0, 3)).toEqual([52, 152, 252])
    expect(fingerprint(dbA).events).toBe(expected.accepted)

    // a second import of the same file adds nothing
    const again = await importFile(dbA, csv)
    expect(again).toEqual({
      records: expected.records,
      accepted: 0,
      duplicates: expected.accepted + expected.duplicates,
      rejected: expected.rejected
    })
    expect((await rejectsOf(dbA, 1)).total).toBe(expected.rejected)
    expect(fingerprint(dbA).events).toBe(expected.accepted)
  }, 480_000)

  it("ends an import killed mid-way (SIGKILL) and re-run in the state of an uninterrupted one", async () => {
    const dbB = join(dir, "interrupted.db")
    await setUp(dbB, pilotFile)

    const child = spawn(process.execPath, [BIN, "events", "import", PILOT, csv], { env: cliEnv(dbB), stdio: "ignore" })
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal }))
    )
    let finished = false
    void exited.then(() => {
      finished = true
    })
    // Kill once a few batches are committed, well before the end.
    for (;;) {
      expect(finished, "the import finished before it could be killed").toBe(false)
      const n = committedEvents(dbB)
      if (n !== undefined && n >= 50_000) break
      await sleep(50)
    }
    child.kill("SIGKILL")
    expect((await exited).signal).toBe("SIGKILL")

    const probe = new SqliteDatabase(dbB) // read-write: recovers the WAL the killed writer left
    const committed = (probe.prepare("select count(*) as n from events").get() as { n: number }).n
    const attempts = probe.prepare("select finished_at from imports order by started_at").all() as Array<{ finished_at: string | null }>
    probe.close()
    expect(committed).toBeGreaterThan(0)
    expect(committed).toBeLessThan(expected.accepted)
    expect(attempts).toEqual([{ finished_at: null }]) // the killed attempt, never finished

    const rerun = await importFile(dbB, csv)
    expect(rerun).toEqual({
      records: expected.records,
      accepted: expected.accepted - committed,
      duplicates: expected.duplicates + committed,
      rejected: expected.rejected
    })

    // Same events and rejects, byte for byte. The `imports` audit table intentionally differs:
    // it records the killed attempt (unfinished) beside the completed re-run.
    await importUninterrupted()
    const a = fingerprint(dbA)
    const b = fingerprint(dbB)
    expect(b.events).toBe(expected.accepted)
    expect(b).toEqual(a)
    expect((await rejectsOf(dbB, 1)).total).toBe(expected.rejected)
  }, 480_000)
})

describe("pilotproof events import: exact counts and idempotence on every dialect", () => {
  let dir: string
  let csv: string
  let pilotFile: string
  let expected: Expected
  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does it)`)
    dir = mkdtempSync(join(tmpdir(), "pilotproof-ingest-small-"))
    pilotFile = join(dir, "pilot.json")
    writeFileSync(pilotFile, JSON.stringify(pilotDefinition))
    csv = join(dir, "events.csv")
    expected = writeEvents(csv, 20_000)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  for (const dialect of DIALECTS) {
    it(`on ${dialect.name}: 20,000 rows, 1% malformed, imported twice`, async () => {
      const location = await dialect.location(dir)
      try {
        await setUp(location.url, pilotFile)
        expect(await importFile(location.url, csv)).toEqual({
          records: 20_000,
          accepted: expected.accepted,
          duplicates: expected.duplicates,
          rejected: 200
        })
        const rejects = await rejectsOf(location.url, 1000)
        expect(rejects.total).toBe(200)
        expect(countPerKind(rejects.rows)).toEqual(expected.perKind)
        expect(await importFile(location.url, csv)).toEqual({
          records: 20_000,
          accepted: 0,
          duplicates: expected.accepted + expected.duplicates,
          rejected: 200
        })
        expect((await rejectsOf(location.url, 1)).total).toBe(200)
      } finally {
        await location.cleanup()
      }
    }, 120_000)
  }
})
