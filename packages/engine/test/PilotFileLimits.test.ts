/**
 * Hostile pilot files: oversized text, YAML alias bombs and deep nesting come back as one
 * readable `InvalidPilotDefinition` issue, never as a thrown error or a stack overflow.
 */
import { describe, expect, it } from "@effect/vitest"
import { MAX_PILOT_FILE_BYTES, parsePilotFile, PilotRegistry } from "@pilotproof/engine"
import { Database } from "@pilotproof/store"
import { Effect, Either, Layer } from "effect"
import { minimalPilot } from "../../../test/fixtures/Definitions.js"

const issueOf = (text: string, source = "hostile.yaml") => {
  const result = parsePilotFile(text, source)
  if (Either.isRight(result)) throw new Error("expected the file to be refused")
  expect(result.left.source).toBe(source)
  expect(result.left.issues).toHaveLength(1)
  const [issue] = result.left.issues
  return { path: issue!.path, line: issue!.line, column: issue!.column, message: issue!.message }
}

const VALID = JSON.stringify(minimalPilot("limits"), null, 2)
const padded = (bytes: number) => `${VALID}\n#${"x".repeat(bytes - VALID.length - 2)}`

const TOO_DEEP = "nested too deeply (more than 64 levels): a pilot file has no need for deep nesting"

/** Each level holds nine of the level below: 9^7 ≈ 4.8 million strings from 7 short lines. */
const BILLION_LAUGHS = [
  `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`,
  ...["b", "c", "d", "e", "f", "g"].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdef"[i]}`).join(",")}]`)
].join("\n")

describe("parsePilotFile limits", () => {
  it("accepts a file of exactly the limit and refuses one byte more, counting UTF-8 bytes", () => {
    expect(MAX_PILOT_FILE_BYTES).toBe(256 * 1024)
    expect(Either.isRight(parsePilotFile(padded(MAX_PILOT_FILE_BYTES), "full.json"))).toBe(true)
    expect(issueOf(padded(MAX_PILOT_FILE_BYTES + 1), "big.json")).toEqual({
      path: "",
      line: 1,
      column: 1,
      message: "262,145 bytes is more than the 256 KiB a pilot file may have"
    })
    // 140,006 characters, 280,006 bytes.
    expect(issueOf(`name: ${"я".repeat(140_000)}`).message).toBe("280,006 bytes is more than the 256 KiB a pilot file may have")
    const fifty = issueOf(" ".repeat(50 * 1024 * 1024), "request body")
    expect(fifty.message).toBe("50 MiB is more than the 256 KiB a pilot file may have")
  })

  it("refuses a billion-laughs alias bomb, pointing at the first alias", () => {
    expect(issueOf(BILLION_LAUGHS)).toEqual({
      path: "",
      line: 2,
      column: 8,
      message: "too many aliases (more than 100): a pilot file has no need for YAML anchors in bulk"
    })
    expect(issueOf("id: *missing\n")).toEqual({
      path: "",
      line: 1,
      column: 5,
      message: "not valid YAML/JSON: Unresolved alias (the anchor must be set before the alias): missing"
    })
    // A few aliases are still plain YAML.
    const anchored = VALID.replace(`"name": "Minimal pilot"`, `"name": &n "Minimal pilot"`).replace(/"hypothesis": "[^"]*"/, `"hypothesis": *n`)
    const result = parsePilotFile(anchored, "anchored.yaml")
    expect(Either.isRight(result) && result.right.definition.hypothesis).toBe("Minimal pilot")
  })

  it("refuses nesting past 64 levels where it first goes too deep, at any depth up to 100,000", () => {
    expect(issueOf(`${"[".repeat(64)}${"]".repeat(64)}`).message).toBe("a pilot file is a mapping of fields (id, name, kind, …)")
    for (const depth of [65, 1_000, 3_000, 10_000, 100_000]) {
      expect(issueOf(`${"[".repeat(depth)}${"]".repeat(depth)}`)).toEqual({ path: "", line: 1, column: 65, message: TOO_DEEP })
    }
    // `{"a":` takes five characters a level, so 40,000 levels is as deep as a map gets under the size limit.
    for (const depth of [65, 10_000, 40_000]) {
      const json = `${"{\"a\":".repeat(depth)}1${"}".repeat(depth)}`
      expect(issueOf(json, `deep-${depth}.json`)).toEqual({ path: "", line: 1, column: 5 * 64 + 1, message: TOO_DEEP })
    }
    // Block sequences nest two characters a level.
    expect(issueOf(`${"- ".repeat(100_000)}x`)).toEqual({ path: "", line: 1, column: 2 * 64 + 1, message: TOO_DEEP })
    // …and block mappings by indentation, a key a line.
    const block = Array.from({ length: 100 }, (_, i) => `${" ".repeat(i)}k:`).join("\n")
    expect(issueOf(`${block} 1\n`)).toEqual({ path: "", line: 65, column: 65, message: TOO_DEEP })
  })

  it("refuses more than 1,000 fields and list items, before the duplicate-key check that costs their square", () => {
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}: 1`).join("\n")
    const allowed = parsePilotFile(keys(1_000), "many.yaml")
    const unexpected = Either.isLeft(allowed) ? allowed.left.issues.filter((i) => i.message.startsWith("is unexpected")) : []
    expect(unexpected).toHaveLength(1_000)
    // One more is refused before composing (25,000 keys took the duplicate-key check 6 seconds).
    expect(issueOf(keys(1_001))).toEqual({
      path: "",
      line: 1,
      column: 1,
      message: "more than 1,000 fields and list items: a pilot file has no need for so many"
    })
  })
})

describe("PilotRegistry limits", () => {
  const registry = PilotRegistry.Default.pipe(Layer.provide(Database.sqlite(":memory:")))

  it.effect("refuses an oversized or alias-bomb body from the API as InvalidPilotDefinition and stores nothing", () =>
    Effect.gen(function*() {
      const pilots = yield* PilotRegistry
      const big = yield* Effect.flip(pilots.register([{ source: "request body", text: padded(2 * MAX_PILOT_FILE_BYTES) }]))
      expect(big._tag).toBe("InvalidPilotDefinition")
      expect(big.message).toBe(
        "request body: 1 problem in the pilot definition\n  request body:1:1 (file): 512 KiB is more than the 256 KiB a pilot file may have"
      )
      const bomb = yield* Effect.flip(pilots.register([{ source: "bomb.yaml", text: BILLION_LAUGHS }]))
      expect(bomb.message).toContain("bomb.yaml:2:8 (file): too many aliases (more than 100)")
      expect(yield* pilots.list()).toEqual([])
    }).pipe(Effect.provide(registry)))
})
