/**
 * The CLI with its events in ClickHouse (PILOTPROOF_EVENTS naming the 2-shard test cluster):
 * import, re-import, readiness, analysis and erasure give what the same commands give with the
 * events in SQLite; an unreachable or malformed address is refused with what and where.
 */
import { afterAll, describe, expect, it } from "vitest"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { requireBin, runCli } from "./fixtures/Cli.js"
import { dropClickHouseDatabase, freshClickHouseUrl } from "./fixtures/ClickHouse.js"
import { EXPERIMENTS_DIR } from "./fixtures/Definitions.js"

const ID = "support-bot-lead-qualification"
const dir = mkdtempSync(join(tmpdir(), "pilotproof-ch-cli-"))
const url = freshClickHouseUrl("cli")
const onClickHouse = { PILOTPROOF_EVENTS: url }

afterAll(async () => {
  await dropClickHouseDatabase(url)
  rmSync(dir, { recursive: true, force: true })
})

/** Numbers equal within 1e-9 relative (the two stores add the same doubles in other orders). */
const close = (a: unknown, b: unknown, path = ""): Array<string> => {
  if (typeof a === "number" && typeof b === "number") {
    return a === b || Math.abs(a - b) <= Math.max(1e-12, 1e-9 * Math.max(Math.abs(a), Math.abs(b))) ? [] : [`${path}: ${a} ≠ ${b}`]
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    return keys.flatMap((k) => close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`))
  }
  return a === b ? [] : [`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`]
}

describe("pilotproof with PILOTPROOF_EVENTS=clickhouse://…", () => {
  it("imports, re-imports, checks, analyses and erases as it does with the events in SQLite", async () => {
    requireBin()
    const events = join(dir, "bot.csv")
    const stores = { sqlite: { db: join(dir, "plain.db"), env: {} }, clickhouse: { db: join(dir, "registry.db"), env: onClickHouse } }
    const out: Record<string, Record<string, string>> = { sqlite: {}, clickhouse: {} }
    for (const [name, { db, env }] of Object.entries(stores)) {
      const run = async (label: string, args: ReadonlyArray<string>) => {
        const r = await runCli(db, args, undefined, env)
        expect(r.code, `${name} ${args.join(" ")}: ${r.stderr}`).toBe(0)
        out[name]![label] = r.stdout
      }
      await run("register", ["pilot", "register", join(EXPERIMENTS_DIR, `${ID}.yaml`)])
      await run("start", ["pilot", "start", ID])
      if (name === "sqlite") await run("simulate", ["simulate", join(EXPERIMENTS_DIR, "scenarios", `${ID}.yaml`), "--out", events])
      await run("import", ["events", "import", ID, events])
      await run("again", ["events", "import", ID, events])
      await run("readiness", ["readiness", ID, "--as-of", "2026-06-01", "--format", "json"])
      await run("consent", ["readiness", ID, "--as-of", "2026-06-01", "--list", "consent"])
      await run("analysis", ["analyze", ID, "--as-of", "2026-06-01", "--format", "json"])
      await run("erase", ["erase", "lead-00010002"])
      await run("after", ["analyze", ID, "--as-of", "2026-06-01", "--format", "json"])
    }
    const [sqlite, clickhouse] = [out["sqlite"]!, out["clickhouse"]!]
    // every row once, the second import all duplicates
    expect(clickhouse["import"]).toBe(sqlite["import"])
    expect(clickhouse["again"]).toMatch(/0 accepted/)
    expect(clickhouse["again"]).toBe(sqlite["again"])
    expect(close(JSON.parse(clickhouse["readiness"]!), JSON.parse(sqlite["readiness"]!))).toEqual([])
    expect(clickhouse["consent"]).toBe(sqlite["consent"])
    expect(close(JSON.parse(clickhouse["analysis"]!), JSON.parse(sqlite["analysis"]!))).toEqual([])
    // the erasure deleted as many events there as here, and the analyses still agree
    expect(clickhouse["erase"]!.replace(/erasure \S+/, "")).toBe(sqlite["erase"]!.replace(/erasure \S+/, ""))
    expect(clickhouse["erase"]).toMatch(/^erased: [1-9]\d* events/)
    expect(close(JSON.parse(clickhouse["after"]!), JSON.parse(sqlite["after"]!))).toEqual([])
  }, 300_000)

  it("refuses an unreachable or malformed address, naming it", async () => {
    requireBin()
    const db = join(dir, "refused.db")
    const down = await runCli(db, ["pilot", "list"], undefined, { PILOTPROOF_EVENTS: "clickhouse://127.0.0.1:1/pilotproof" })
    expect(down.code).toBe(1)
    expect(down.stderr).toContain("ClickHouse at 127.0.0.1:1 is not reachable (connection refused)")
    const bad = await runCli(db, ["pilot", "list"], undefined, { PILOTPROOF_EVENTS: "clickhouse://user:secret@127.0.0.1:18123,127.0.0.1:18124/pilotproof" })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain("PILOTPROOF_EVENTS names 2 shards: add ?cluster=<name>")
    const typo = await runCli(db, ["pilot", "list"], undefined, { PILOTPROOF_EVENTS: "http://127.0.0.1:18123" })
    expect(typo.code).toBe(1)
    expect(typo.stderr).toContain("is not clickhouse://[user[:password]@]host:port[,host:port…]/database[?cluster=name]")
    const partial = await runCli(db, ["pilot", "list"], undefined, { PILOTPROOF_EVENTS: url.replace("127.0.0.1:18123,127.0.0.1:18124", "127.0.0.1:18123") })
    expect(partial.code).toBe(1)
    expect(partial.stderr).toContain("PILOTPROOF_EVENTS names 1 shard, but the servers' remote_servers give the cluster 2 shards")
    for (const r of [down, bad, typo]) expect(r.stderr).not.toContain("secret")
    // a warehouse pilot without the ClickHouse that holds its table: said so, nothing else tried
    const file = join(dir, "in-place.yaml")
    writeFileSync(file, readFileSync(join(EXPERIMENTS_DIR, `${ID}.yaml`), "utf8").replace(/^id: .*$/m, "id: in-place").replace(/^crm:[\s\S]*?(?=^\w)/m, "") +
      "\nwarehouse: { table: analytics.crm_events, columns: { unit: customer_id, type: event_name, ts: event_time } }\n")
    for (const args of [["pilot", "register", file], ["pilot", "start", "in-place"]]) expect((await runCli(db, args)).code).toBe(0)
    const analysed = await runCli(db, ["analyze", "in-place"])
    expect(analysed.code).toBe(1)
    expect(analysed.stderr).toContain("the pilot reads its events from the ClickHouse table analytics.crm_events: set PILOTPROOF_EVENTS to the ClickHouse that holds it")
    const late = join(dir, "late.csv")
    writeFileSync(late, "event_id,unit_id,type,variant,value,ts\nx,lead-1,deal_won,,,2026-03-02T10:00:00Z\n")
    const imported = await runCli(db, ["events", "import", "in-place", late])
    expect(imported.code).toBe(1)
    expect(imported.stderr).toContain(`pilot "in-place" reads its events in place from the ClickHouse table analytics.crm_events`)
  }, 60_000)
})
