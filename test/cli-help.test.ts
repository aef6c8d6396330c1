/**
 * Every command's help says what each of its arguments and options is: @effect/cli prints a
 * placeholder for the value's type ("A user-defined piece of text.", "An integer.", "One of the
 * following: …"), and an argument or option with nothing but that is undescribed. The commands
 * are the ones the top-level help lists, so a new command is checked without being named here.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { requireBin, runCli } from "./fixtures/Cli.js"

/** What @effect/cli writes by itself under an argument or option. */
const PLACEHOLDER = /^(A user-defined piece of text\.|An integer\.|A floating point number\.|A true or false value\.|One of the following: .*|A file system path\.?.*|A date.*|This setting is optional\.|This option can be repeated .*|This argument .*)$/

const ansi = /\x1b\[[0-9;]*m/g
const help = async (command: ReadonlyArray<string>) => {
  const run = await runCli(undefined, [...command, "--help"])
  expect(run.code, `${command.join(" ")} --help`).toBe(0)
  return run.stdout.replace(ansi, "")
}

/** The commands the top-level help lists (`- pilot register <file>...` → `pilot register`). */
const commandsOf = (text: string) =>
  (text.split("COMMANDS")[1] ?? "").split("\n").flatMap((line) => {
    const listed = /^\s+- (.*)$/.exec(line)
    if (listed === null) return []
    const words: Array<string> = []
    for (const word of listed[1]!.trim().split(/\s+/)) {
      if (/^[[<-]/.test(word) || /^[A-Z]/.test(word)) break
      words.push(word)
    }
    return [words]
  })

/** The arguments and options of one command's help with no description of their own. */
const undescribed = (text: string) => {
  const lines = text.split("--completions")[0]!.split("\n").map((l) => l.trim()).filter((l) => l !== "")
  const start = lines.findIndex((l) => l === "ARGUMENTS" || l === "OPTIONS")
  const found: Array<string> = []
  for (let i = Math.max(0, start); i < lines.length; i++) {
    if (!/^(--\S|<)/.test(lines[i]!)) continue
    const below: Array<string> = []
    for (let j = i + 1; j < lines.length && !/^(--\S|<|\(-|ARGUMENTS$|OPTIONS$)/.test(lines[j]!); j++) below.push(lines[j]!)
    if (below.every((l) => PLACEHOLDER.test(l))) found.push(lines[i]!)
  }
  return found
}

describe("the CLI's help", () => {
  let commands: Array<Array<string>> = []

  beforeAll(async () => {
    requireBin()
    commands = commandsOf(await help([]))
  })

  it("lists the commands, and describes every argument and option of each", async () => {
    expect(commands.map((c) => c.join(" "))).toEqual(expect.arrayContaining(["pilot validate", "events import", "analyze", "decide", "serve", "actuals record", "token revoke"]))
    const missing: Array<string> = []
    for (const command of commands) {
      for (const option of undescribed(await help(command))) missing.push(`${command.join(" ")}: ${option}`)
    }
    expect(missing).toEqual([])
  }, 120_000)

  it("the check finds an option with only the placeholder", () => {
    const text = ["OPTIONS", "--limit integer", "  An integer.", "  This setting is optional.", "--as-of text", "  A user-defined piece of text.", "  ISO timestamp: the data as it stood then"].join("\n")
    expect(undescribed(text)).toEqual(["--limit integer"])
  })
})
