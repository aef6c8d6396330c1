/**
 * Reading a pilot file: YAML (or JSON, which YAML 1.2 reads too) → a decoded, validated
 * `PilotDefinition`, or every problem at once with its field path, line and column.
 */
import {
  crossFieldIssues,
  DefinitionIssue,
  definitionWarnings,
  Economics,
  expandMetricPacks,
  InvalidPilotDefinition,
  Plan,
  PilotDefinition,
  PilotDefinitionFields,
  type RuleSections,
  withoutOptionalNoise
} from "@pilotproof/domain"
import { Either, ParseResult, Schema } from "effect"
import { Buffer } from "node:buffer"
import { type CST, type Document, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, Parser, stringify, visit } from "yaml"

export interface ParsedPilotFile {
  readonly definition: PilotDefinition
  readonly warnings: ReadonlyArray<DefinitionIssue>
}

/**
 * The most a pilot file (or a pilot registered through the API) may weigh. A real one is 2–3 KB
 * of YAML; 256 KiB leaves a hundredfold room, keeps a device, a runaway file or a hostile request
 * body from costing gigabytes, and keeps the worst parse under a second (the YAML parser needs
 * seconds per MiB of dense tokens). Readers check it before and while reading.
 */
export const MAX_PILOT_FILE_BYTES = 256 * 1024

/** Alias expansions allowed; YAML's own default, stated so a "billion laughs" file is refused. */
const MAX_ALIASES = 100

/** Nesting allowed; a pilot nests four levels, and composing the document recurses once a level. */
const MAX_NESTING = 64

/**
 * Fields and list items allowed in all; a pilot has about a hundred, and checking keys for
 * duplicates (and reporting each stray key) costs the square of their number.
 */
const MAX_ITEMS = 1_000

const KiB = 1024
const MiB = 1024 * KiB

/** `52428800` → `50 MiB`, `262144` → `256 KiB`, `262145` → `262,145 bytes`: sizes in the words of a limit message. */
export const formatSize = (bytes: number): string =>
  bytes >= 10 * MiB || bytes % MiB === 0
    ? `${Math.round(bytes / MiB)} MiB`
    : bytes % KiB === 0
    ? `${bytes / KiB} KiB`
    : `${bytes.toLocaleString("en-US")} bytes`

/** The message for a pilot file over `MAX_PILOT_FILE_BYTES`; `bytes` undefined when only "more" is known. */
export const tooLargeDetail = (bytes?: number): string =>
  `${bytes === undefined ? "more" : `${formatSize(bytes)} is more`} than the ${formatSize(MAX_PILOT_FILE_BYTES)} a pilot file may have`

const decodeOptions = { errors: "all", onExcessProperty: "error" } as const
const decodeDefinition = Schema.decodeUnknownEither(PilotDefinition, decodeOptions)

/** `["metrics", 2, "margin"]` → `metrics[2].margin` */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out === "" ? String(key) : `${out}.${String(key)}`), "")

/**
 * Parses and validates a pilot file's text. `source` names the file in every message.
 * Never throws: syntax errors, schema errors, cross-field rule violations and text past the
 * limits (size, nesting, items, aliases) all come back as one `InvalidPilotDefinition`.
 */
export const parsePilotFile = (text: string, source: string): Either.Either<ParsedPilotFile, InvalidPilotDefinition> => {
  const fileIssue = (message: string, line = 1, column = 1) =>
    Either.left(new InvalidPilotDefinition({ source, issues: [new DefinitionIssue({ path: "", message, line, column })] }))
  // Text from the API never passed the CLI's reader, so the size is checked here too.
  const bytes = Buffer.byteLength(text, "utf8")
  if (bytes > MAX_PILOT_FILE_BYTES) return fileIssue(tooLargeDetail(bytes))
  const shape = shapeIssue(text)
  if (shape !== undefined) return fileIssue(shape.message, shape.line, shape.col)

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
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES })
  } catch (e) {
    // Expanding aliases is where a "billion laughs" file blows up, or an alias finds no anchor.
    if (!(e instanceof ReferenceError)) throw e
    const message = e.message.startsWith("Excessive alias count")
      ? `too many aliases (more than ${MAX_ALIASES}): a pilot file has no need for YAML anchors in bulk`
      : `not valid YAML/JSON: ${e.message}`
    const at = lineCounter.linePos(firstAliasOffset(doc))
    return fileIssue(message, at.line, at.col)
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return fileIssue("a pilot file is a mapping of fields (id, name, kind, …)")
  }

  const packs = expandMetricPacks(value as Record<string, unknown>)
  const place = (path: ReadonlyArray<PropertyKey>, message: string) => {
    const at = packs.toSource(path, message)
    return at === undefined ? undefined : locate(at.path, at.message)
  }
  const placed = (issues: ReadonlyArray<{ readonly path: ReadonlyArray<PropertyKey>; readonly message: string }>) =>
    issues.flatMap((i) => place(i.path, i.message) ?? [])
  const packIssues = packs.issues.map((i) => locate(i.path, i.message))

  return Either.match(decodeDefinition(packs.value), {
    onRight: (definition) =>
      Either.right({ definition, warnings: placed(definitionWarnings(definition)) }),
    onLeft: (error) => {
      const issues = [...packIssues, ...placed(withoutOptionalNoise(ParseResult.ArrayFormatter.formatErrorSync(error)))]
      // A structural error stops the whole-definition refinement from running; check the
      // cross-field rules between the sections that did decode, so one pass shows everything.
      const crossIssues = placed(crossFieldIssues(decodeSections(packs.value)))
      const seen = new Set(issues.map((i) => `${i.path}\u0000${i.message}`))
      const all = [...issues, ...crossIssues.filter((i) => !seen.has(`${i.path}\u0000${i.message}`))]
      all.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
      return Either.left(new InvalidPilotDefinition({ source, issues: all }))
    }
  })
}

/**
 * Nesting deeper than `MAX_NESTING`, or more than `MAX_ITEMS` items, found on the parser's tokens
 * before composing: composing recurses once a level, and a stack overflow there can bring down
 * the process (V8 gives up in the middle of compiling a RegExp). A loop, since depth is in doubt.
 */
const shapeIssue = (text: string): { readonly message: string; readonly line: number; readonly col: number } | undefined => {
  const lines = new LineCounter()
  const stack: Array<[CST.Token | null | undefined, number]> = []
  for (const token of new Parser(lines.addNewLine).parse(text)) stack.push([token, 0])
  let items = 0
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!
    if (token?.type === "document") stack.push([token.value, depth])
    if (token?.type === "block-map" || token?.type === "block-seq" || token?.type === "flow-collection") {
      if (depth >= MAX_NESTING) {
        return { message: `nested too deeply (more than ${MAX_NESTING} levels): a pilot file has no need for deep nesting`, ...lines.linePos(token.offset) }
      }
      items += token.items.length
      if (items > MAX_ITEMS) {
        const count = MAX_ITEMS.toLocaleString("en-US")
        return { message: `more than ${count} fields and list items: a pilot file has no need for so many`, ...lines.linePos(token.offset) }
      }
      for (const item of token.items) stack.push([item.key, depth + 1], [item.value, depth + 1])
    }
  }
  return undefined
}

/** Where the first alias is: the place to point at when expanding aliases fails. */
const firstAliasOffset = (doc: Document): number => {
  let offset = 0
  visit(doc, {
    Alias: (_, node) => {
      offset = node.range?.[0] ?? 0
      return visit.BREAK
    }
  })
  return offset
}

/**
 * Each top-level section decoded on its own. A broken struct section (plan, economics) keeps the
 * fields that decode on their own, and the broken ones are named in `failed`; other broken
 * sections are left out (a list with a broken item could hide, say, the one primary metric).
 */
const decodeSections = (value: Record<string, unknown>): RuleSections => {
  const out: Record<string, unknown> = {}
  const failed = new Set<string>()
  const decode = (schema: unknown, input: unknown) =>
    Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>, decodeOptions)(input)
  for (const [key, schema] of Object.entries(PilotDefinitionFields.fields)) {
    if (!(key in value)) continue
    // decoded as a one-field struct: an optional field's schema is a property signature, not a schema
    const decoded = decode(Schema.Struct({ [key]: schema }), { [key]: value[key] })
    if (Either.isRight(decoded)) Object.assign(out, decoded.right)
    else if (key === "plan" || key === "economics") {
      const section = value[key]
      if (section === null || typeof section !== "object" || Array.isArray(section)) continue
      const fields: Schema.Struct.Fields = (key === "plan" ? Plan : Economics).fields
      const partial: Record<string, unknown> = {}
      for (const [field, fieldSchema] of Object.entries(fields)) {
        const given = section as Record<string, unknown>
        const one = decode(Schema.Struct({ [field]: fieldSchema }), field in given ? { [field]: given[field] } : {})
        if (Either.isRight(one)) Object.assign(partial, one.right)
        else failed.add(`${key}.${field}`)
      }
      out[key] = partial
    }
  }
  return { ...out, failed }
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

/** A pilot file's value as the YAML a product owner would write (the guided form's download). */
export const pilotYaml = (value: unknown): string => stringify(value, { lineWidth: 100 })
