/**
 * Every CLI example in the README, run as written (`npx pilotproof …`, in the README's order) in
 * a fresh directory that sees this checkout's experiments/ and installed node_modules: each one
 * exits 0 and prints no stack trace. CI runs it on a fresh clone after `npm ci`, which is the
 * README's first command. The only liberties: `[--log-exposures]` is written without its
 * brackets, `export.csv` and `amocrm-leads.csv` are small exports made here first, and `serve`
 * is stopped once it has printed its banner.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { requireBin } from "./fixtures/Cli.js"

const ROOT = fileURLToPath(new URL("..", import.meta.url))
const README = readFileSync(join(ROOT, "README.md"), "utf8")

/** The commands of the README's "Using the CLI" block, comments removed. */
export const readmeCommands = (readme: string): Array<string> => {
  const section = readme.slice(readme.indexOf("## Using the CLI"))
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? ""
  return block.split("\n").map((line) => line.replace(/\s+#.*$/, "").trim()).filter((line) => line.startsWith("npx pilotproof "))
}

/** Splits a command line into words (double quotes group words; no other shell syntax is used there). */
const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!)

const run = (cwd: string, args: ReadonlyArray<string>, untilBanner = false) =>
  new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    // the README's own database, ./pilotproof.db in the directory: PILOTPROOF_DB unset
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", PILOTPROOF_PORT: "0" }
    delete env["PILOTPROOF_DB"]
    // its own process group, so that stopping `serve` stops npx's child too
    const child = spawn(args[0]!, args.slice(1), { cwd, env, detached: true })
    let out = ""
    const take = (d: Buffer) => {
      out += d.toString("utf8")
      if (untilBanner && out.includes("Ctrl-C stops the server.")) process.kill(-child.pid!, "SIGTERM")
    }
    child.stdout.on("data", take)
    child.stderr.on("data", take)
    child.on("error", reject)
    child.on("close", (code) => resolve({ code: untilBanner && out.includes("Ctrl-C stops the server.") ? 0 : code, out }))
  })

describe("the README's CLI examples", () => {
  let dir: string
  beforeAll(() => {
    requireBin()
    dir = mkdtempSync(join(tmpdir(), "pilotproof-readme-"))
    symlinkSync(join(ROOT, "experiments"), join(dir, "experiments"))
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"))
    writeFileSync(join(dir, "export.csv"), [
      "event_id,unit_id,type,variant,value,ts",
      "e1,lead-42,exposure,bot,,2026-11-02T10:00:00Z",
      "e2,lead-43,exposure,control,,2026-11-02T10:05:00Z",
      "e3,lead-42,deal_won,,,2026-11-03T09:00:00Z",
      "e4,lead-44,exposure,purple,,2026-11-02T10:00:00Z"
    ].join("\n") + "\n")
    // amoCRM's leads export (Russian headers, local dates): one won lead, one still open
    writeFileSync(join(dir, "amocrm-leads.csv"), [
      "ID;Название сделки;Бюджет;Этап сделки;Воронка;Дата создания;Дата закрытия",
      "lead-42;Заказ с сайта;15000;Успешно реализовано;Продажи;02.11.2026 13:00:00;04.11.2026 12:30:00",
      "lead-43;Звонок;0;Переговоры;Продажи;02.11.2026 13:05:00;"
    ].join("\n") + "\n")
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("lists the commands it runs (the block was found)", () => {
    expect(readmeCommands(README).length).toBeGreaterThanOrEqual(15)
  })

  it("runs every one as written, in order: exit 0, no stack trace", async () => {
    const commands = readmeCommands(README)
    for (const line of commands) {
      const args = words(line.replace("[--log-exposures]", "--log-exposures"))
      const result = await run(dir, args, args[2] === "serve")
      expect(result.code, `${line}\n${result.out}`).toBe(0)
      expect(result.out, line).not.toMatch(/\n\s+at .+[:(]/)
    }
    expect(readFileSync(join(dir, "report.html"), "utf8")).toContain("Pilotproof report")
    expect(readFileSync(join(dir, "events.csv"), "utf8").split("\n")[0]).toContain("unit_id")
  }, 600_000)
})
