/**
 * The web pages in real headless Chromium (playwright-core, /usr/bin/chromium) against a real
 * server: the pilot list, a pilot page with its verdict and charts, the register form with an
 * invalid file, the finance role (payback page yes, token page no), a pilot's diagnostics and
 * metric packs, deciding (an analyst records, an owner overrides after the warning for GO), and
 * every page fitting a 1280 px window. A screenshot of each page goes to test-artifacts/.
 */
import { Decisions, fingerprint, parsePilotFile, PilotRegistry, readScenario, Simulation, Tokens } from "@pilotproof/engine"
import { start } from "@pilotproof/server"
import { Database } from "@pilotproof/store"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type Browser, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EXPERIMENTS_DIR, experimentFiles } from "./fixtures/Definitions.js"
import { DIAGNOSTICS_PILOT_FILE, diagnosticRecords, generateDiagnosticEvents } from "./fixtures/DiagnosticEvents.js"

const CHROMIUM = "/usr/bin/chromium"
const ARTIFACTS = fileURLToPath(new URL("../test-artifacts", import.meta.url))
const PILOT = "support-bot-lead-qualification"
const DAY_MS = 86_400_000

/** Registers the pilots of experiments/, and simulates, starts and decides one (as the demo does). */
const seed = (file: string) =>
  Effect.gen(function*() {
    const registry = yield* PilotRegistry
    yield* registry.register(experimentFiles())
    yield* registry.start(PILOT)
    const scenarioPath = join(EXPERIMENTS_DIR, "scenarios", `${PILOT}.yaml`)
    const scenario = yield* readScenario(scenarioPath)
    yield* (yield* Simulation).intoPilot(scenarioPath)
    yield* (yield* Decisions).record(PILOT, { asOfMs: Date.parse(scenario.start) + scenario.days * DAY_MS, actor: "browser test" })
  }).pipe(
    Effect.provide(Layer.mergeAll(PilotRegistry.Default, Simulation.Default, Decisions.Default).pipe(Layer.provide(Database.sqlite(file))))
  )

describe("web pages in Chromium", () => {
  let dir: string
  let base: string
  let scope: Scope.CloseableScope
  let browser: Browser
  const token: Record<string, string> = {}

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: the browser tests need Chromium (apt-get install chromium; .ci/run installs it)`)
    }
    mkdirSync(ARTIFACTS, { recursive: true })
    dir = mkdtempSync(join(tmpdir(), "pilotproof-browser-"))
    const file = join(dir, "pilotproof.db")
    await Effect.runPromise(seed(file))
    scope = Effect.runSync(Scope.make())
    const started = await Effect.runPromise(Scope.extend(start({ location: file, port: 0 }), scope))
    base = started.url
    const tokens = Context.get(started.context, Tokens)
    for (const role of ["admin", "finance", "owner", "analyst"] as const) token[role] = (await Effect.runPromise(tokens.create(`${role} (browser test)`, role))).token
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  // chromium.launch starts with a fresh, temporary user-data-dir of its own.
  /**
   * A fresh browser context (no cookies), logged in with the role's token through the form.
   * Script is off unless asked for: every flow works without it, and the two enhancements
   * (the live estimate, upload progress) have tests of their own.
   */
  const loginAs = async (role: string, width = 1200, javaScriptEnabled = false): Promise<Page> => {
    const context = await browser.newContext({ javaScriptEnabled, viewport: { width, height: 900 } })
    const page = await context.newPage()
    // Nothing but this server may be contacted (its own requests pass untouched).
    await page.route((url) => !url.href.startsWith(base), (route) => route.abort())
    await page.goto(`${base}/`)
    expect(page.url()).toContain("/login")
    await page.fill("input[name=token]", token[role]!)
    await page.click("button[type=submit]")
    await page.waitForURL(`${base}/`)
    return page
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })

  it("lists the pilots with status and latest verdict, and opens a pilot with its verdict and charts", async () => {
    const page = await loginAs("admin")
    const rows = page.locator("tr[data-pilot]")
    expect(await rows.count()).toBe(experimentFiles().length)
    const bot = page.locator(`tr[data-pilot="${PILOT}"]`)
    expect(await bot.locator(".verdict").innerText()).toBe("GO")
    expect(await bot.innerText()).toContain("running")
    expect(await page.locator(`tr[data-pilot="reply-drafting-assistant"] .verdict`).innerText()).toBe("no decision")
    await shot(page, "pilot-list")

    await bot.locator("a").first().click()
    await page.waitForURL(`${base}/pilots/${PILOT}`)
    expect(await page.locator("h1 .verdict").innerText()).toBe("GO")
    const charts = page.locator(".chart svg")
    expect(await charts.count()).toBe(2)
    for (let i = 0; i < 2; i++) {
      // vega draws marks as paths in groups named mark-…
      expect(await charts.nth(i).locator("g[class^=mark-] path, g[class^=mark-] line").count()).toBeGreaterThan(2)
    }
    const checks = await page.locator("section:has(h2:text('Decision')) tbody tr").allInnerTexts()
    expect(checks.map((c) => c.split("\t")[0])).toEqual(["data-validity", "runtime", "harm", "win", "guardrails", "economics", "no-effect"])
    expect(await page.locator("section:has(h2:text('Data readiness')) tbody tr").count()).toBeGreaterThan(5)
    await shot(page, "pilot-page")
    await page.context().close()
  })

  it("shows the errors of an invalid pilot file in place, with file:line", async () => {
    const page = await loginAs("owner")
    await page.goto(`${base}/register`)
    const bad = readFileSync(join(EXPERIMENTS_DIR, `${PILOT}.yaml`), "utf8")
      .replace(`id: ${PILOT}`, "id: Support_Bot")
      .replace("kind: bot", "kind: chatbot")
    await page.fill("input[name=source]", "bad-bot.yaml")
    await page.fill("textarea[name=text]", bad)
    await page.click("button.primary")
    const issues = await page.locator("#errors li.issue").allInnerTexts()
    expect(issues.length).toBe(2)
    expect(issues[0]).toMatch(/^bad-bot\.yaml:\d+:\d+ id: /)
    expect(issues[1]).toMatch(/^bad-bot\.yaml:\d+:\d+ kind: /)
    expect(await page.locator("pre.src .bad").count()).toBe(2)
    expect(await page.inputValue("textarea[name=text]")).toBe(bad) // the text is kept for fixing
    await shot(page, "register-errors")
    await page.context().close()
  })

  it("lets finance see the payback page but not the token page", async () => {
    const page = await loginAs("finance")
    expect(await page.locator("header a", { hasText: "Tokens" }).count()).toBe(0)
    await page.click(`tr[data-pilot="${PILOT}"] a:text("finance")`)
    await page.waitForURL(`${base}/pilots/${PILOT}/finance`)
    expect(await page.locator("#payback b").innerText()).toMatch(/months/)
    expect(await page.locator(".chart svg").count()).toBe(2)
    expect(await page.locator("h2:text('Cumulative cash flow')").count()).toBe(1)
    await shot(page, "finance-page")
    const tokens = await page.goto(`${base}/tokens`)
    expect(tokens?.status()).toBe(403)
    await shot(page, "tokens-forbidden")
    const pilotPage = await page.goto(`${base}/pilots/${PILOT}`)
    expect(pilotPage?.status()).toBe(403)
    await page.context().close()

    const admin = await loginAs("admin")
    await admin.goto(`${base}/tokens`)
    expect(await admin.locator("tbody tr").count()).toBe(4)
    await shot(admin, "tokens-page")
    await admin.context().close()
  })

  it("shows a pilot's diagnostics — draft acceptance, edit share, the model's AUC and reliability — and its packs", async () => {
    const api = (method: string, path: string, body: string, type = "application/json") =>
      fetch(base + path, { method, headers: { authorization: `Bearer ${token["admin"]!}`, "content-type": type }, body })
    expect((await api("POST", "/api/pilots", readFileSync(DIAGNOSTICS_PILOT_FILE, "utf8"), "text/yaml")).status).toBe(200)
    expect((await api("POST", "/api/pilots/assistant-and-scoring/start", "")).status).toBe(200)
    const records = diagnosticRecords(generateDiagnosticEvents())
    for (let at = 0; at < records.length; at += 2000) {
      const response = await api("POST", "/api/pilots/assistant-and-scoring/events", JSON.stringify(records.slice(at, at + 2000)))
      expect(response.status, await response.clone().text()).toBe(200)
    }
    const page = await loginAs("admin")
    await page.goto(`${base}/pilots/assistant-and-scoring`)
    const rows = await page.locator("#diagnostics > table tbody tr").allInnerTexts()
    expect(rows.map((r) => r.split("\t").slice(0, 2))).toEqual([
      ["draft_acceptance", "assistant"],
      ["edit_share", "assistant"],
      ["model_quality", "control"],
      ["model_quality", "assistant"]
    ])
    expect(rows[2]).toMatch(/AUC 0\.\d{3} \[0\.\d{3}, 0\.\d{3}\]/)
    expect(await page.locator("#diagnostics h3").allInnerTexts()).toEqual(["Reliability of model_quality in control", "Reliability of model_quality in assistant"])
    expect(await page.locator("#diagnostics div table tbody tr").count()).toBeGreaterThan(8)
    const design = await page.locator("section:has(h2:text('Design')) tbody tr").allInnerTexts()
    expect(design.map((r) => r.split("\t").at(-1))).toEqual(["scoring.win-rate", "assistant.csat"])
    await shot(page, "pilot-diagnostics")
    await page.context().close()
  })

  it("decides in the browser: an analyst records the computed verdict; an owner overrides with a reason, seeing the warning for GO before it is recorded", async () => {
    // an analyst: the record button, no override form
    const analyst = await loginAs("analyst")
    await analyst.goto(`${base}/pilots/${PILOT}`)
    await analyst.click("a[href$='/decide']")
    await analyst.waitForURL(`${base}/pilots/${PILOT}/decide`)
    const computed = (await analyst.locator("h2 .verdict").first().innerText()).trim()
    expect(await analyst.locator("#override-verdict").count()).toBe(0)
    const before = await analyst.locator("#decision-history tbody tr").count()
    await analyst.click(`button:has-text("Record ${computed} as the decision")`)
    await analyst.waitForURL(new RegExp(`/pilots/${PILOT}/decide\\?recorded=\\d+$`))
    expect(await analyst.locator("[role=status]").innerText()).toMatch(/^Recorded as decision #\d+\.$/)
    expect(await analyst.locator("#decision-history tbody tr").count()).toBe(before + 1)
    expect(await analyst.locator("#decision-history tbody tr").first().innerText()).toContain("analyst (browser test)")

    // an owner, on a pilot whose evidence is not in (a draft: EXTEND): an override to GO warns first
    const owner = await loginAs("owner")
    const other = "reply-drafting-assistant"
    await owner.goto(`${base}/pilots/${other}/decide`)
    expect((await owner.locator("h2 .verdict").first().innerText()).trim()).toBe("EXTEND")
    // labelled controls, reached in order by the keyboard
    expect(await owner.locator("label[for=override-verdict]").count()).toBe(1)
    expect(await owner.locator("label[for=override-reason]").count()).toBe(1)
    await owner.selectOption("#override-verdict", "GO")
    await owner.fill("#override-reason", "The board wants it before the season")
    await owner.click("button:has-text('Review the override')")
    const warning = await owner.locator("#override-warning").innerText()
    expect(warning).toBe("Overriding EXTEND to GO scales the pilot although the pilot has not gathered enough evidence yet; record who decided and why.")
    expect(await owner.locator("#decision-history").count()).toBe(0) // nothing recorded yet
    await shot(owner, "decide-override-warning")
    await owner.click("button:has-text('Record the override')")
    await owner.waitForURL(new RegExp(`/pilots/${other}/decide\\?recorded=1$`))
    const row = await owner.locator("#decision-history tbody tr").first().innerText()
    expect(row).toContain("EXTEND")
    expect(row).toContain("GO")
    expect(row).toContain("owner (browser test): The board wants it before the season")
    await shot(owner, "decide-history")

    // a finance viewer has no decide page; an analyst cannot post an override around the form
    const finance = await loginAs("finance")
    const refused = await finance.goto(`${base}/pilots/${PILOT}/decide`)
    expect(refused?.status()).toBe(403)
    const posted = await analyst.request.post(`${base}/pilots/${other}/decide`, { form: { action: "override", verdict: "GO", reason: "x" }, headers: { origin: base } })
    expect(posted.status()).toBe(403)
    expect(await posted.text()).toContain("owner or an admin may override the computed verdict")
  })

  it("runs a pilot in the browser: start after the design hash is shown, import an event file with its summary, list its rejects, stop", async () => {
    const owner = await loginAs("owner")
    const id = "lead-scoring-queue-priority"
    await owner.goto(`${base}/pilots/${id}`)
    expect(await owner.locator("a[href$='/events']").count()).toBe(0) // a draft takes no events
    await owner.click(`a[href="/pilots/${id}/start"]`)
    const freeze = await owner.locator("#freeze").innerText()
    const hash = /hash ([0-9a-f]{64})/.exec(freeze)?.[1]
    expect(hash).toBeDefined()
    await shot(owner, "start-confirmation")
    await owner.click("button:has-text('Start and freeze the design')")
    await owner.waitForURL(`${base}/pilots/${id}`)
    expect(await owner.locator("h1 + p.muted").innerText()).toContain(`running · version 1 · design hash ${hash!.slice(0, 12)}`)

    const file = join(dir, "scores.csv")
    writeFileSync(file, [
      "event_id,unit_id,type,variant,value,ts",
      "e1,lead-1,exposure,control,,2026-11-02T10:00:00Z",
      "e2,lead-1,consent,,1,2026-11-02T10:00:00Z",
      "e3,lead-2,exposure,purple,,2026-11-02T10:05:00Z",
      "e4,lead-3,deal_won,,,not a time"
    ].join("\n") + "\n")
    await owner.click(`a[href="/pilots/${id}/events"]`)
    await owner.setInputFiles("#events-file", file)
    await owner.click("button:has-text('Import')")
    expect(await owner.locator("#import-summary").innerText()).toMatch(/^Imported scores\.csv: 4 records — 2 accepted, 0 duplicates, 2 rejected\. See the rejected rows\.$/)
    await shot(owner, "import-summary")
    // the same file again: nothing new
    await owner.setInputFiles("#events-file", file)
    await owner.click("button:has-text('Import')")
    expect(await owner.locator("#import-summary").innerText()).toContain("0 accepted, 2 duplicates")
    await owner.click("a:has-text('See the rejected rows')")
    const rejects = await owner.locator("#rejects tbody tr").allInnerTexts()
    expect(rejects).toHaveLength(2)
    expect(rejects[0]).toMatch(/^scores\.csv\s+4\s+variant "purple" is not a variant of pilot "lead-scoring-queue-priority"/)
    expect(rejects[1]).toMatch(/^scores\.csv\s+5\s+ts/)
    await shot(owner, "rejects")
    // an upload that is not an event file is refused with what and where, and nothing is imported
    const bad = join(dir, "notes.txt")
    writeFileSync(bad, "who,what\nAnna,called\n")
    await owner.goto(`${base}/pilots/${id}/events`)
    await owner.setInputFiles("#events-file", bad)
    await owner.click("button:has-text('Import')")
    expect(await owner.locator("#import-error").innerText()).toContain("notes.txt: the header (line 1) has no unit_id, type, ts columns")

    // with script, a large file shows its progress while it is sent (the upload throttled to
    // 256 KiB/s, so there is a moment to see it), then the same summary a plain post shows
    const live = await loginAs("owner", 1200, true)
    const large = join(dir, "large-scores.csv")
    writeFileSync(large, "event_id,unit_id,type,variant,value,ts\n" +
      Array.from({ length: 30_000 }, (_, i) => `big-${i},lead-${i},deal_won,,,2026-11-03T10:00:00Z\n`).join(""))
    await live.goto(`${base}/pilots/${id}/events`)
    const cdp = await live.context().newCDPSession(live)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 256 * 1024 })
    await live.setInputFiles("#events-file", large)
    await live.click("button:has-text('Import')")
    await live.waitForFunction(() => {
      const bar = document.getElementById("upload-progress") as HTMLProgressElement | null
      return bar !== null && !bar.hidden && bar.max > 1 && bar.value > 0 && bar.value < bar.max
    }, undefined, { timeout: 20_000 })
    expect(await live.locator("#upload-status").innerText()).toMatch(/^Sending: \d+% of 1\.\d MiB$/)
    expect(await live.locator("button:has-text('Import')").isDisabled()).toBe(true)
    await shot(live, "upload-progress")
    expect(await live.locator("#import-summary").innerText({ timeout: 60_000 })).toMatch(/^Imported large-scores\.csv: 30000 records — 30000 accepted, 0 duplicates, 0 rejected\.$/)
    expect(live.url()).toBe(`${base}/pilots/${id}/events`)
    await live.context().close()

    // a win stamped before its lead's exposure: the report warns, and its drill-down names the row
    const late = join(dir, "late.csv")
    writeFileSync(late, "event_id,unit_id,type,variant,value,ts\nlate-1,lead-1,deal_won,,,2026-11-01T09:00:00Z\n")
    await owner.goto(`${base}/pilots/${id}/events`)
    await owner.setInputFiles("#events-file", late)
    await owner.click("button:has-text('Import')")
    expect(await owner.locator("#import-summary").innerText()).toContain("1 accepted")
    await owner.goto(`${base}/pilots/${id}?refresh=1`)
    const early = owner.locator("tr", { has: owner.locator("td:text-is('outcome-before-exposure')") })
    expect(await early.locator("td").nth(1).innerText()).toBe("warn")
    await early.locator("a.drill").click()
    await owner.waitForURL(`${base}/pilots/${id}/readiness/outcome-before-exposure`)
    expect(await owner.locator("#problem-count").innerText()).toMatch(/^1 as of /)
    expect((await owner.locator("#problems tbody tr").allInnerTexts()).map((r) => r.split("\t"))).toEqual([
      ["late.csv", "2", "lead-1", "deal_won", "2026-11-01 09:00:00", "deal_won at 2026-11-01T09:00:00.000Z, before the unit's first exposure at 2026-11-02T10:00:00.000Z"]
    ])
    await shot(owner, "readiness-drill-down")
    // the same list from the API, role-checked alike; a check with nothing to list is refused with the ones there are
    const api = (path: string, role: string) => fetch(`${base}/api${path}`, { headers: { authorization: `Bearer ${token[role]!}` } })
    const listed = await (await api(`/pilots/${id}/readiness/outcome-before-exposure`, "analyst")).json() as { total: number; problems: Array<{ source: string; line: number; unit: string }> }
    expect([listed.total, listed.problems.map((p) => [p.source, p.line, p.unit])]).toEqual([1, [["late.csv", 2, "lead-1"]]])
    expect((await api(`/pilots/${id}/readiness/outcome-before-exposure`, "finance")).status).toBe(403)
    expect((await api(`/pilots/${id}/readiness/sample-ratio`, "analyst")).status).toBe(400)
    expect((await owner.goto(`${base}/pilots/${id}/readiness/sample-ratio`))?.status()).toBe(404)
    expect(await owner.locator("main").innerText()).toContain("those are same-person-two-ids, formats")

    await owner.goto(`${base}/pilots/${id}/stop`)
    await owner.click("button:has-text('Stop the pilot')")
    await owner.waitForURL(`${base}/pilots/${id}`)
    expect(await owner.locator("h1 + p.muted").innerText()).toContain("stopped")
    // an analyst can read the rejects, not start or import
    const analyst = await loginAs("analyst")
    expect((await analyst.goto(`${base}/pilots/${id}/events`))?.status()).toBe(403)
    expect((await analyst.goto(`${base}/pilots/${id}/rejects`))?.status()).toBe(200)
  })

  it("records actuals in the browser, by form and by CSV, every problem in place, and shows them against the forecast", async () => {
    const finance = await loginAs("finance")
    await finance.goto(`${base}/pilots/${PILOT}/finance`)
    // a wrong month and an empty benefit: refused whole, what was typed kept
    await finance.fill("#actuals-month", "2026-13")
    await finance.fill("#actuals-cost", "150000")
    await finance.fill("#actuals-benefit", " ")
    await finance.locator("#actuals-benefit").evaluate((el) => el.removeAttribute("required")).catch(() => undefined)
    await finance.click("button:has-text('Record the month')")
    const error = await finance.locator("#actuals-error").innerText()
    expect(error).toContain("benefit is empty")
    expect(await finance.inputValue("#actuals-cost")).toBe("150000")

    await finance.fill("#actuals-month", "2026-06")
    await finance.fill("#actuals-benefit", "240000")
    await finance.click("button:has-text('Record the month')")
    expect(await finance.locator("#record-actuals [role=status]").innerText()).toBe("Recorded 1 month of actuals.")
    const file = join(dir, "actuals.csv")
    writeFileSync(file, "month;cost;benefit\n2026-07;120000;260000,5\n2026-08;110000;300000\n")
    await finance.setInputFiles("#actuals-file", file)
    await finance.click("button:has-text('Import the months')")
    expect(await finance.locator("#record-actuals [role=status]").innerText()).toBe("Recorded 2 months of actuals.")
    const months = await finance.locator("h2:text('Forecast vs actuals') + p + table tbody tr").allInnerTexts()
    expect(months.map((m) => m.split("\t")[0])).toEqual(["2026-06", "2026-07", "2026-08"])
    await shot(finance, "finance-actuals")
    const broken = join(dir, "broken.csv")
    writeFileSync(broken, "month,cost\n2026-09,1\n")
    await finance.setInputFiles("#actuals-file", broken)
    await finance.click("button:has-text('Import the months')")
    expect(await finance.locator("#actuals-error").innerText()).toBe("broken.csv: the header (line 1) has no benefit column; it needs month,cost,benefit")
    // an owner reads no finance page; an analyst reads it but records nothing
    const analyst = await loginAs("analyst")
    await analyst.goto(`${base}/pilots/${PILOT}/finance`)
    expect(await analyst.locator("#record-actuals").count()).toBe(0)
    const posted = await analyst.request.post(`${base}/pilots/${PILOT}/actuals`, { form: { month: "2026-10", cost: "1", benefit: "1" }, headers: { origin: base } })
    expect(posted.status()).toBe(403)
  })

  it("registers a pilot through the guided form: every problem at its field, the plan's estimate, the YAML download, the same definition a file would give", async () => {
    const owner = await loginAs("owner")
    await owner.goto(`${base}/register`)
    await owner.click("a:has-text('or fill in the guided form')")
    await owner.waitForURL(`${base}/register/guided`)
    const fill = async (fields: Record<string, string>) => {
      for (const [name, value] of Object.entries(fields)) await owner.fill(`[name="${name}"]`, value)
    }
    await fill({
      id: "guided-bot", name: "Guided bot", "owner.name": "Anna Petrova", "owner.email": "anna", hypothesis: "The bot converts more leads.",
      "metrics.0.key": "converted", "metrics.0.event": "deal_won", "plan.alpha": "0.7", "plan.mde": "0.1", "plan.baseline": "0.1",
      "economics.unitsPerMonth": "3000", "value.0.metric": "converted", "value.0.amount": "12000",
      "costs.0.item": "CRM integration", "readiness.dataOwner": "CRM team"
    })
    await owner.selectOption(`[name="metrics.1.pack"]`, "bot.complaints")
    await owner.click("button:has-text('Check and estimate')")
    expect(await owner.locator("#live-estimate").innerText()).toBe("") // without script the estimate comes on Check
    // three mistakes, each named in the list and shown at its field
    const listed = await owner.locator("#guided-errors li").allInnerTexts()
    expect(listed).toHaveLength(3)
    expect(await owner.locator(`.field-error[data-field="owner.email"]`).innerText()).toContain("owner.email must be an e-mail address")
    expect(await owner.locator(`.field-error[data-field="plan.alpha"]`).innerText()).toContain("plan.alpha must be in (0, 0.5)")
    expect(await owner.locator(`.field-error[data-field="costs.0"]`).innerText()).toContain(`cost line "CRM integration" needs an amount`)
    expect(await owner.inputValue(`[name="hypothesis"]`)).toBe("The bot converts more leads.") // what was typed stays
    await shot(owner, "guided-errors")

    await fill({ "owner.email": "anna@example.com", "plan.alpha": "0.05", "costs.0.oneTime": "600000", perDay: "200" })
    await owner.click("button:has-text('Check and estimate')")
    expect(await owner.locator("#guided-plan").innerText()).toMatch(/^Valid\. The plan: [\d,]+ units per arm; at 200 units a day that takes \d+ days/)
    const yaml = await owner.locator("#guided-yaml").innerText()
    expect(yaml).toContain("id: guided-bot")
    expect(yaml).toContain("pack: bot.complaints")
    await shot(owner, "guided-valid")

    const checked = await owner.locator("#guided-plan").innerText()

    // with script, the estimate follows the fields as they are typed, in the words Check uses
    const live = await loginAs("owner", 1200, true)
    await live.goto(`${base}/register/guided`)
    for (const [name, value] of Object.entries({
      id: "guided-bot", name: "Guided bot", "owner.name": "Anna Petrova", "owner.email": "anna", hypothesis: "The bot converts more leads.",
      "metrics.0.key": "converted", "metrics.0.event": "deal_won", "plan.mde": "0.1", "plan.baseline": "0.1",
      "economics.unitsPerMonth": "3000", "value.0.metric": "converted", "value.0.amount": "12000",
      "costs.0.item": "CRM integration", "costs.0.oneTime": "600000", "readiness.dataOwner": "CRM team", perDay: "200"
    })) await live.fill(`[name="${name}"]`, value)
    await live.selectOption(`[name="metrics.1.pack"]`, "bot.complaints")
    const estimate = live.locator("#live-estimate")
    await expect.poll(() => estimate.innerText(), { timeout: 10_000 }).toMatch(/^No estimate yet: 1 problem — owner\.email: owner\.email must be an e-mail address/)
    await live.fill(`[name="owner.email"]`, "anna@example.com")
    await expect.poll(() => estimate.innerText(), { timeout: 10_000 }).toBe(checked)
    await live.fill(`[name="perDay"]`, "400")
    await expect.poll(() => estimate.innerText(), { timeout: 10_000 }).toMatch(/^Valid\. The plan: [\d,]+ units per arm; at 400 units a day that takes \d+ days/)
    const days = (text: string) => Number(/takes (\d+) days/.exec(text)?.[1])
    expect(days(await estimate.innerText())).toBe(Math.ceil(days(checked) / 2))
    await shot(live, "guided-live-estimate")
    await live.context().close()

    const [download] = await Promise.all([owner.waitForEvent("download"), owner.click("button:has-text('Download as YAML')")])
    expect(download.suggestedFilename()).toBe("guided-bot.yaml")
    const downloaded = readFileSync((await download.path())!, "utf8")
    expect(downloaded.trim()).toBe(yaml.trim())

    await owner.goto(`${base}/register/guided`)
    // the form again, filled as before, registered this time
    await fill({
      id: "guided-bot", name: "Guided bot", "owner.name": "Anna Petrova", "owner.email": "anna@example.com", hypothesis: "The bot converts more leads.",
      "metrics.0.key": "converted", "metrics.0.event": "deal_won", "plan.mde": "0.1", "plan.baseline": "0.1",
      "economics.unitsPerMonth": "3000", "value.0.metric": "converted", "value.0.amount": "12000",
      "costs.0.item": "CRM integration", "costs.0.oneTime": "600000", "readiness.dataOwner": "CRM team"
    })
    await owner.selectOption(`[name="metrics.1.pack"]`, "bot.complaints")
    await owner.click("button:has-text('Register')")
    await owner.waitForURL(`${base}/pilots/guided-bot`)
    expect(await owner.locator("h1").first().innerText()).toContain("Guided bot")
    // the registered definition is the downloaded file's
    const shown = await (await fetch(`${base}/api/pilots/guided-bot`, { headers: { authorization: `Bearer ${token["owner"]!}` } })).json() as { pilot: { definitionHash: string } }
    const fromFile = parsePilotFile(downloaded, "guided-bot.yaml")
    expect(fromFile._tag).toBe("Right")
    if (fromFile._tag === "Right") expect(shown.pilot.definitionHash).toBe(fingerprint(fromFile.right.definition).hash)
  })

  it("manages alert targets in the browser (admins only), the signing secret shown once", async () => {
    const admin = await loginAs("admin")
    await admin.click("header a:has-text('Alerts')")
    await admin.waitForURL(`${base}/alerts`)
    await admin.selectOption("#alert-kind", "telegram")
    await admin.fill("#alert-url", "https://api.telegram.org/bot123:abc/sendMessage")
    await admin.click("button:has-text('Add')")
    expect(await admin.locator("#alert-error").innerText()).toContain("a Telegram target needs --chat-id")
    await admin.fill("#alert-url", "https://api.telegram.org/bot123:abc/sendMessage")
    await admin.fill("#alert-chat", "-100123")
    await admin.selectOption("#alert-pilot", PILOT)
    await admin.click("button:has-text('Add')")
    expect(await admin.locator("#alert-secret").innerText()).toMatch(/^[A-Za-z0-9_-]{32}$/)
    const rows = await admin.locator("#alert-targets tbody tr").allInnerTexts()
    expect(rows).toHaveLength(1)
    expect(rows[0]).toContain("telegram")
    expect(rows[0]).toContain("api.telegram.org")
    expect(rows[0]).not.toContain("123:abc") // the bot token stays out of the page
    await shot(admin, "alerts")
    await admin.click("#alert-targets button:has-text('Remove')")
    await admin.waitForURL(`${base}/alerts`)
    expect(await admin.locator("#alert-targets tbody tr").count()).toBe(0)
    const owner = await loginAs("owner")
    expect((await owner.goto(`${base}/alerts`))?.status()).toBe(403)
  })

  it("labels every control, keeps the focus order the page's, and shows where the keyboard focus is", async () => {
    const page = await loginAs("admin")
    const paths = ["/", `/pilots/${PILOT}`, `/pilots/${PILOT}/finance`, `/pilots/${PILOT}/decide`, `/pilots/${PILOT}/events`, "/register", "/register/guided", "/tokens", "/alerts", "/pilots/reply-drafting-assistant/start"]
    for (const path of paths) {
      await page.goto(base + path)
      const unlabelled = await page.evaluate(() =>
        Array.from(document.querySelectorAll("input:not([type=hidden]), select, textarea"))
          .filter((el) => ((el as HTMLInputElement).labels?.length ?? 0) === 0 && (el.getAttribute("aria-label") ?? "") === "")
          .map((el) => el.getAttribute("name") ?? el.outerHTML.slice(0, 60)))
      expect(unlabelled, path).toEqual([])
      const reordered = await page.evaluate(() => Array.from(document.querySelectorAll("[tabindex]")).filter((el) => Number(el.getAttribute("tabindex")) > 0).length)
      expect(reordered, path).toBe(0)
      await page.keyboard.press("Tab")
      const outline = await page.evaluate(() => {
        const el = document.activeElement
        return el === null || el === document.body ? "none" : getComputedStyle(el).outlineStyle
      })
      expect(outline, path).toBe("solid")
    }
  })

  it("fits a 1280 px window: no page and no section scrolls sideways (the results table's last columns stay in view)", async () => {
    const page = await loginAs("admin", 1280)
    const paths = ["/", `/pilots/${PILOT}`, `/pilots/${PILOT}/finance`, "/pilots/assistant-and-scoring", "/tokens", "/register", `/pilots/${PILOT}/decide`, `/pilots/${PILOT}/events`, "/pilots/lead-scoring-queue-priority/rejects", "/pilots/lead-scoring-queue-priority/readiness/consent", "/pilots/reply-drafting-assistant/start", "/register/guided", "/alerts"]
    for (const path of paths) {
      await page.goto(base + path)
      const overflow = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        sections: Array.from(document.querySelectorAll("section"))
          .filter((s) => s.scrollWidth > s.clientWidth)
          .map((s) => `${s.querySelector("h1, h2")?.textContent ?? "?"}: ${s.scrollWidth - s.clientWidth} px`)
      }))
      expect(overflow, path).toEqual({ page: 0, sections: [] })
    }
    await page.goto(`${base}/pilots/${PILOT}`)
    await shot(page, "pilot-page-1280")
    await page.context().close()
  })
})
