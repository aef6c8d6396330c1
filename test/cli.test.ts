/**
 * The real `pilotproof` binary (built by `npm test` before the tests run), on SQLite and on the
 * real PostgreSQL server.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { requireBin, runCli, serveUntilBanner } from "./fixtures/Cli.js"
import { DIALECTS } from "./fixtures/Databases.js"
import { EXPERIMENTS_DIR, experimentFiles } from "./fixtures/Definitions.js"

const run = (cwd: string, db: string | undefined, ...args: Array<string>) => runCli(db, args, cwd)

const BOT = join(EXPERIMENTS_DIR, "support-bot-lead-qualification.yaml")

describe("pilotproof CLI", () => {
  let dir: string
  beforeAll(() => {
    requireBin()
    dir = mkdtempSync(join(tmpdir(), "pilotproof-cli-"))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("validates a file with five mistakes: five located messages, exit 1, nothing written", async () => {
    const bad = join(dir, "bad.yaml")
    writeFileSync(bad, readFileSync(BOT, "utf8")
      .replace("id: support-bot-lead-qualification", "id: Support_Bot")
      .replace("kind: bot", "kind: chatbot")
      .replace("    margin: 0.01          # at most one percentage point more complaints\n", "")
      .replace("  alpha: 0.05", "  alpha: 0.5")
      .replace("    handle_minutes: 15", "    minutes_saved: 15"))
    for (const command of ["validate", "register"]) {
      const db = join(dir, `${command}.db`)
      const result = await run(dir, db, "pilot", command, bad)
      expect(result.code).toBe(1)
      const lines = result.stderr.split("\n").filter((l) => l.startsWith(`  ${bad}:`))
      expect(lines.map((l) => l.replace(`  ${bad}:`, "").replace(/:\d+ .*/, ""))).toEqual(["3", "5", "39", "56", "73"])
      expect(result.stderr).toContain("5 problems in the pilot definition")
      expect(existsSync(db)).toBe(command === "register") // validate never opens the database
    }
    // register validated first and wrote nothing
    const list = await run(dir, join(dir, "register.db"), "pilot", "list", "--format", "json")
    expect(JSON.parse(list.stdout)).toEqual([])
  })

  it("exits 2 on a usage error and 1 on a missing file", async () => {
    expect((await run(dir, join(dir, "x.db"), "pilot", "frobnicate")).code).toBe(2)
    const missing = await run(dir, join(dir, "x.db"), "pilot", "validate", join(dir, "nope.yaml"))
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("nope.yaml")
  })

  it("takes --db anywhere on the command line, and it wins over PILOTPROOF_DB", async () => {
    const db = join(dir, "placed.db")
    expect((await run(dir, undefined, "pilot", "register", "--db", db, BOT)).code).toBe(0)
    const elsewhere = join(dir, "elsewhere.db")
    for (const args of [
      ["--db", db, "pilot", "list", "--format", "json"],
      ["pilot", "--db", db, "list", "--format", "json"],
      ["pilot", "list", "--db", db, "--format", "json"],
      ["pilot", "list", "--format", "json", `--db=${db}`]
    ]) {
      const result = await run(dir, elsewhere, ...args)
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0)
      expect((JSON.parse(result.stdout) as Array<{ id: string }>).map((p) => p.id)).toEqual(["support-bot-lead-qualification"])
    }
    expect(existsSync(elsewhere)).toBe(false)
  })

  it("reports an unreachable database and exits 1", async () => {
    const result = await run(dir, "postgres://pilot:hunter2@127.0.0.1:1/pilotproof", "pilot", "list")
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("cannot reach the database at postgres://pilot:***@127.0.0.1:1/pilotproof")
    expect(result.stderr).not.toContain("hunter2")
  })

  for (const dialect of DIALECTS) {
    describe(`on ${dialect.name}`, () => {
      // Every test on a database of its own, so none depends on what another left.
      const opened: Array<{ readonly cleanup: () => Promise<void> }> = []
      const freshDb = async () => {
        const db = await dialect.location(dir)
        opened.push(db)
        return db
      }
      afterAll(() => Promise.all(opened.map((db) => db.cleanup())))

      it("registers, lists, shows, starts, refuses a changed design and stops", async () => {
        const db = await freshDb()
        const registered = await run(dir, db.url, "pilot", "register", EXPERIMENTS_DIR)
        expect(registered.stderr).toBe("")
        expect(registered.code).toBe(0)
        expect(registered.stdout.match(/^registered /gm)).toHaveLength(experimentFiles().length)

        const again = await run(dir, db.url, "pilot", "register", EXPERIMENTS_DIR)
        expect(again.stdout.match(/^unchanged: /gm)).toHaveLength(experimentFiles().length)

        const list = JSON.parse((await run(dir, db.url, "pilot", "list", "--format", "json")).stdout) as Array<{ id: string; status: string }>
        const ids = experimentFiles().map((f) => f.source.replace(/^experiments\/|\.yaml$/g, "")).sort()
        expect(list.map((p) => [p.id, p.status])).toEqual(ids.map((id) => [id, "draft"]))

        const started = await run(dir, db.url, "pilot", "start", "support-bot-lead-qualification")
        expect(started.code).toBe(0)
        const shown = JSON.parse((await run(dir, db.url, "pilot", "show", "support-bot-lead-qualification", "--format", "json")).stdout)
        expect(shown.pilot.status).toBe("running")
        expect(shown.pilot.designHash).toMatch(/^[0-9a-f]{64}$/)
        expect(shown.pilot.designHash).toBe(shown.versions[0].definitionHash)
        expect(shown.pilot.definition.metrics.map((m: { key: string }) => m.key)).toEqual([
          "converted", "first_reply_minutes", "handle_minutes", "complaint"
        ])

        const changed = join(dir, `changed-${dialect.name}.yaml`)
        writeFileSync(changed, readFileSync(BOT, "utf8").replace("weight: 50, description: The bot", "weight: 60, description: The bot"))
        const refused = await run(dir, db.url, "pilot", "register", changed)
        expect(refused.code).toBe(1)
        expect(refused.stderr).toContain(`pilot "support-bot-lead-qualification" is running`)
        expect(refused.stderr).toContain("changed: variants[1].weight")
        expect(refused.stderr).toContain("support-bot-lead-qualification-v2")
        const after = JSON.parse((await run(dir, db.url, "pilot", "show", "support-bot-lead-qualification", "--format", "json")).stdout)
        expect(after.pilot.designHash).toBe(shown.pilot.designHash)
        expect(after.versions).toHaveLength(1)

        const table = await run(dir, db.url, "pilot", "show", "support-bot-lead-qualification")
        expect(table.stdout).toContain("Telegram bot qualifies inbound leads (support-bot-lead-qualification)")
        expect(table.stdout).toMatch(/complaint\s+guardrail\s+binomial\s+complaint within 30d\s+decrease\s+0\.01/)
        expect(table.stdout).toMatch(/CRM and Telegram integration\s+integration\s+600 000/)

        expect((await run(dir, db.url, "pilot", "stop", "support-bot-lead-qualification")).code).toBe(0)
        const stopTwice = await run(dir, db.url, "pilot", "stop", "support-bot-lead-qualification")
        expect(stopTwice.code).toBe(1)
        expect(stopTwice.stderr).toContain(`cannot stop pilot "support-bot-lead-qualification": it is stopped`)

        const unknown = await run(dir, db.url, "pilot", "show", "no-such-pilot")
        expect(unknown.code).toBe(1)
        expect(unknown.stderr).toContain(`no pilot with id "no-such-pilot"; registered: b2b-bot-robotic-answers`)
      })

      it("runs the demo (npm start) twice: the verdicts the ground truth implies, nothing recorded twice", async () => {
        const db = await freshDb()
        const first = await run(dir, db.url, "demo", "--no-serve", "--experiments", EXPERIMENTS_DIR)
        expect(first.stderr).toBe("")
        expect(first.code).toBe(0)
        expect(first.stdout).toContain(": 12 pilots from")
        expect(first.stdout).toContain("(12 new or changed)")
        expect(first.stdout).toContain("12 of 12 verdicts are the ones the scenarios' ground truth implies")
        const second = await run(dir, db.url, "demo", "--no-serve", "--experiments", EXPERIMENTS_DIR)
        expect(second.code).toBe(0)
        expect(second.stdout).toContain("0 new or changed")
        // The verdicts each scenario's ground truth implies (experiments/scenarios/*.yaml `expect`),
        // printed beside each verdict
        const rows = second.stdout.split("\n").map((l) => l.split(/\s{2,}/)).filter((c) => c.length > 3 && c[0] !== "PILOT" && !c[0]!.startsWith("-"))
        const verdicts = Object.fromEntries(rows.map((c) => [c[0], c[1]]))
        expect(verdicts).toEqual({
          "support-bot-lead-qualification": "GO",
          "lead-scoring-queue-priority": "ITERATE",
          "personalized-offers-returning": "NO_GO",
          "reply-drafting-assistant": "NO_GO",
          "electronics-shop-chat-bot": "GO",
          "logistics-voice-bot-requests": "GO",
          "b2b-bot-robotic-answers": "NO_GO",
          "bank-churn-retention-offers": "GO",
          "marketplace-home-personalization": "GO",
          "retailer-loyalty-offers": "ITERATE",
          "manager-morning-assistant": "GO",
          "generative-banner-creatives": "GO"
        })
        expect(Object.fromEntries(rows.map((c) => [c[0], c[2]]))).toEqual(verdicts)
        // several treatments: the GO names its best arm
        expect(rows.find((c) => c[0] === "generative-banner-creatives")![5]).toMatch(/^gen_bold: /)
        // Re-running adds no decision record when nothing changed.
        const decisions = JSON.parse((await run(dir, db.url, "decisions", "support-bot-lead-qualification", "--format", "json")).stdout) as Array<unknown>
        expect(decisions).toHaveLength(1)

        // One pilot's page and finance page as one self-contained file: four charts, nothing fetched.
        const out = join(dir, `report-${dialect.name}.html`)
        const report = await run(dir, db.url, "report", "support-bot-lead-qualification", "--out", out)
        expect(report.code, report.stderr).toBe(0)
        const html = readFileSync(out, "utf8")
        expect(html.match(/<svg/g)).toHaveLength(4)
        expect(html).toContain("<h1>Telegram bot qualifies inbound leads")
        expect(html).toContain("does it pay back?")
        expect(html).not.toMatch(/<script|<link|src="http|href="http/)
      }, 240_000)
    })
  }
})

describe("pilotproof serve on a PostgreSQL URL with a password", () => {
  it("never prints the password: the banner and the login hint show the URL redacted", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pilotproof-serve-"))
    const postgres = DIALECTS.find((d) => d.name === "postgres")!
    const db = await postgres.location(dir)
    // the test server trusts local connections, so any password is accepted
    const url = db.url.replace("postgres://postgres@", "postgres://postgres:s3cret-pw@")
    expect(url).toContain("s3cret-pw")
    try {
      const { out, stop } = await serveUntilBanner(["--port", "0", "--db", url], {}, dir)
      stop()
      expect(out).toContain("Pilotproof is serving postgres://postgres:***@127.0.0.1")
      expect(out).toContain("token create --role admin")
      expect(out).not.toContain("s3cret-pw")
    } finally {
      await db.cleanup()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe("pilotproof serve", () => {
  it("listens on PILOTPROOF_PORT when --port is not given", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pilotproof-port-"))
    const port = String(20_000 + Math.floor(Math.random() * 20_000))
    const { out, stop } = await serveUntilBanner(["--db", join(dir, "db.sqlite")], { PILOTPROOF_PORT: port }, dir)
    try {
      expect(out).toContain(`at http://127.0.0.1:${port}/`)
      expect((await fetch(`http://127.0.0.1:${port}/api/me`)).status).toBe(401)
    } finally {
      stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
