/**
 * Reading a pilot file: YAML (or JSON, which YAML 1.2 reads too) → a decoded, validated
 * `PilotDefinition`, or every problem at once with its field path, line and column.
 */
import {
  crossFieldIssues,
  DefinitionIssue,
  definitionWarnings,
  InvalidPilotDefinition,
  PilotDefinition,
  PilotDefinitionFields
} from "@pilotproof/domain"
import { Either, ParseResult, Schema } from "effect"
import { type Document, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument } from "yaml"

export interface ParsedPilotFile {
  readonly definition: PilotDefinition
  readonly warnings: ReadonlyArray<DefinitionIssue>
}

const decodeOptions = { errors: "all", onExcessProperty: "error" } as const
const decodeDefinition = Schema.decodeUnknownEither(PilotDefinition, decodeOptions)

/** `["metrics", 2, "margin"]` → `metrics[2].margin` */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out === "" ? String(key) : `${out}.${String(key)}`), "")

/**
 * Parses and validates a pilot file's text. `source` names the file in every message.
 * Never throws: syntax errors, schema errors and cross-field rule violations all come back
 * as one `InvalidPilotDefinition` listing each problem.
 */
export const parsePilotFile = (text: string, source: string): Either.Either<ParsedPilotFile, InvalidPilotDefinition> => {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false })
  const locate = (path: ReadonlyArray<PropertyKey>, message: string): DefinitionIssue => {
    const offset = offsetOf(doc, path)
    const pos = offset === undefined ? undefined : lineCounter.linePos(offset)
    return new DefinitionIssue({ path: formatPath(path), message, ...(pos === undefined ? {} : { line: pos.line, column: pos.col }) })
  }

  if (doc.errors.length > 0) {
    return Either.left(
      new InvalidPilotDefinition({
        source,
        issues: doc.errors.map((e) => {
          const pos = lineCounter.linePos(e.pos[0])
          return new DefinitionIssue({
            path: "",
            message: `not valid YAML/JSON: ${e.message.split("\n")[0]}`,
            line: pos.line,
            column: pos.col
          })
        })
      })
    )
  }
  const value: unknown = doc.toJS()
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return Either.left(
      new InvalidPilotDefinition({
        source,
        issues: [new DefinitionIssue({ path: "", message: "a pilot file is a mapping of fields (id, name, kind, …)", line: 1, column: 1 })]
      })
    )
  }

  return Either.match(decodeDefinition(value), {
    onRight: (definition) =>
      Either.right({ definition, warnings: definitionWarnings(definition).map((w) => locate(w.path, w.message)) }),
    onLeft: (error) => {
      const raw = ParseResult.ArrayFormatter.formatErrorSync(error)
      // An optional field with a default decodes as `T | undefined`; its "Expected undefined"
      // branch is noise beside the real message for the same field.
      const noise = (i: (typeof raw)[number]) =>
        i.message.startsWith("Expected undefined,") && raw.some((j) => j !== i && formatPath(j.path) === formatPath(i.path))
      const issues = raw.filter((i) => !noise(i)).map((i) => locate(i.path, i.message))
      // A structural error stops the whole-definition refinement from running; check the
      // cross-field rules between the sections that did decode, so one pass shows everything.
      const crossIssues = crossFieldIssues(decodeSections(value as Record<string, unknown>)).map((i) => locate(i.path, i.message))
      const seen = new Set(issues.map((i) => `${i.path}\u0000${i.message}`))
      const all = [...issues, ...crossIssues.filter((i) => !seen.has(`${i.path}\u0000${i.message}`))]
      all.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
      return Either.left(new InvalidPilotDefinition({ source, issues: all }))
    }
  })
}

/** Each top-level section decoded on its own; the broken ones are left out. */
const decodeSections = (value: Record<string, unknown>): Partial<typeof PilotDefinitionFields.Type> => {
  const out: Record<string, unknown> = {}
  for (const [key, schema] of Object.entries(PilotDefinitionFields.fields)) {
    if (!(key in value)) continue
    const decoded = Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>, decodeOptions)(value[key])
    if (Either.isRight(decoded)) out[key] = decoded.right
  }
  return out as Partial<typeof PilotDefinitionFields.Type>
}

/**
 * The text offset of the node at `path`, or of its deepest existing ancestor when the field is
 * missing (a missing field is reported where its parent starts). Keys point at the key itself.
 */
const offsetOf = (doc: Document, path: ReadonlyArray<PropertyKey>): number | undefined => {
  const start = (n: unknown): number | undefined => (isNode(n) ? (n.range?.[0] ?? undefined) : undefined)
  let node: unknown = doc.contents
  let offset = start(node)
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? p.key.value : p.key) === key)
      if (pair === undefined) return offset
      node = pair.value
      offset = start(node) ?? start(pair.key) ?? offset
    } else if (isSeq(node) && typeof key === "number" && key < node.items.length) {
      node = node.items[key]
      offset = start(node) ?? offset
    } else {
      return offset
    }
  }
  return offset
}
