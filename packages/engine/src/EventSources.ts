/**
 * Reading event files as batches of records, streaming (constant memory whatever the size):
 * CSV through `csv-parse` (header row, BOM, `,` `;` or tab detected from the header, rows it
 * cannot parse kept as rejects with their line), JSON lines one object a line.
 */
import { InputError } from "@pilotproof/domain"
import { type Options, Parser } from "csv-parse"
import { parse as parseSync } from "csv-parse/sync"
import { Effect, Stream } from "effect"
import { createReadStream, openSync, readSync, closeSync, statSync } from "node:fs"
import { createInterface } from "node:readline"
import type { RawReject, SourceItem } from "./EventRows.js"

export type EventFormat = "csv" | "jsonl"

/** A JSON object (not null, not an array): the shape of one event record. */
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value)

export const formatOf = (path: string): EventFormat | undefined =>
  /\.(csv|tsv|txt)$/i.test(path) ? "csv" : /\.(jsonl|ndjson|json)$/i.test(path) ? "jsonl" : undefined

/** The start of a file (at most 64 KiB), without a byte-order mark. */
const fileStart = (path: string): string => {
  const fd = openSync(path, "r")
  try {
    const buffer = Buffer.alloc(65_536)
    const n = readSync(fd, buffer, 0, buffer.length, 0)
    return buffer.subarray(0, n).toString("utf8").replace(/^\uFEFF/, "")
  } finally {
    closeSync(fd)
  }
}

/** The delimiter of a CSV file from its start: whichever of `,` `;` tab occurs most in its first non-blank line. */
export const detectDelimiter = (start: string): string => {
  const header = start.split(/\r?\n/).find((line) => line.trim() !== "") ?? ""
  const counts = [",", ";", "\t"].map((d) => [d, header.split(d).length - 1] as const)
  return counts.reduce((best, c) => (c[1] > best[1] ? c : best))[0]
}

/**
 * The header's column names as the import's parser reads them (quoted names may hold the
 * delimiter or a line break), or undefined when the first record cannot be parsed from the
 * start of the file — the import then reports it with its line.
 */
const headerColumns = (start: string, delimiter: string): ReadonlyArray<string> | undefined => {
  try {
    const [first] = parseSync(start, { delimiter, to: 1, relax_column_count: true, skip_empty_lines: true, bom: true }) as Array<Array<string>>
    return first?.map((h) => h.trim().toLowerCase())
  } catch {
    return undefined
  }
}

/**
 * csv-parse's message without the field's text (`…, value is "lead-42"`): a reason is stored
 * even where the row's text is not (under pseudonymization), so it must not quote an id.
 */
const csvProblem = (message: string | undefined): string =>
  message === undefined
    ? "unparseable"
    // control characters it quotes (a line break) shown as escapes: a reason is one line
    : message.replace(/,?\s*value is ".*$/s, "").replace(/[\u0000-\u001f]/g, (c) => JSON.stringify(c).slice(1, -1))

/** The columns every event file must have. */
export const REQUIRED_COLUMNS = ["unit_id", "type", "ts"] as const

/**
 * The required columns a CSV header lacks (as the parser will name them: trimmed, lower-case,
 * unquoted); empty when it has them all. Checked before anything is read or written, so a file
 * with the wrong header fails once, with one message, instead of rejecting every row.
 */
export const missingColumns = (columns: ReadonlyArray<string>): { readonly missing: ReadonlyArray<string>; readonly found: ReadonlyArray<string> } => {
  const found = columns.filter((h) => h !== "")
  return { missing: REQUIRED_COLUMNS.filter((c) => !found.includes(c)), found }
}

/**
 * csv-parse's parser, yielding each record with the line it ends on, and each row it cannot
 * parse as a reject in its place. `info: true` would build two info objects per record (a fifth
 * of an import's time); the parser's running `info.lines` is exact at the moment it pushes a
 * record, which it does synchronously while transforming a chunk.
 */
class LineNumberingParser extends Parser {
  constructor(options: Omit<Options, "info" | "on_skip" | "skip_records_with_error" | "columns"> & {
    readonly columns: (header: Array<string>) => Array<string>
  }) {
    let self: LineNumberingParser | undefined
    super({
      ...options,
      columns: (header: Array<string>) => {
        self?.countQuotedCrlf(header)
        return options.columns(header)
      },
      skip_records_with_error: true,
      on_skip: (error, raw) => {
        // A row with the wrong number of columns comes with its fields.
        const fields = (error as { record?: unknown } | undefined)?.record
        if (Array.isArray(fields)) self?.countQuotedCrlf(fields)
        if (self === undefined) return
        const at = ((error as { lines?: number } | undefined)?.lines ?? self.info.lines) - self.quotedCrlf
        // A quote never closed runs to the end of the file, whose line it would name (and its
        // CR LFs count twice there): the row starts on the line after the last row read.
        const line = (error as { code?: string } | undefined)?.code === "CSV_QUOTE_NOT_CLOSED" ? Math.min(at, self.lastEnd + 1) : at
        // the parser can stumble twice on one broken line: it is one rejected row
        if (self.lastRejectedLine === line) return
        self.lastRejectedLine = line
        self.lastEnd = line
        const reject: RawReject = { line, reason: `not a valid CSV row: ${csvProblem(error?.message)}`, raw: raw ?? "" }
        self.pushItem(reject)
      }
    })
    self = this
  }

  /** csv-parse counts a CR LF inside a quoted field as two lines; how many it has read so far. */
  private quotedCrlf = 0

  /** The line of the last row rejected as unparseable. */
  lastRejectedLine: number | undefined

  /** The line the last row read (or rejected) ended on. */
  lastEnd = 1

  private countQuotedCrlf(values: ReadonlyArray<unknown>): void {
    for (const value of values) {
      if (typeof value === "string" && value.length > 1) this.quotedCrlf += crlfCount(value)
    }
  }

  private pushItem(item: SourceItem): boolean {
    return super.push(item)
  }

  override push(record: unknown, encoding?: BufferEncoding): boolean {
    // csv-parse pushes each record as an object of columns (and null at the end)
    if (!isObject(record)) return super.push(record, encoding)
    const fields = record
    for (const key in fields) {
      const value = fields[key]
      if (typeof value === "string" && value.length > 1) this.quotedCrlf += crlfCount(value)
    }
    this.lastEnd = this.info.lines - this.quotedCrlf
    return this.pushItem({ line: this.lastEnd, fields })
  }
}

const crlfCount = (text: string): number => {
  let n = 0
  for (let i = text.indexOf("\r\n"); i !== -1; i = text.indexOf("\r\n", i + 2)) n++
  return n
}

/** How far a source has read its file (for progress). */
interface ReadPosition {
  bytes: () => number
}

/** Header names as an event file's are read: trimmed and lower-case. */
const eventColumns = (header: Array<string>) => header.map((h) => h.trim().toLowerCase())

async function* csvBatches(
  path: string,
  delimiter: string,
  batchSize: number,
  position: ReadPosition,
  columns: (header: Array<string>) => Array<string> = eventColumns
): AsyncGenerator<Array<SourceItem>> {
  let batch: Array<SourceItem> = []
  const input = createReadStream(path)
  position.bytes = () => input.bytesRead
  const parser = input.pipe(new LineNumberingParser({
    columns,
    bom: true,
    delimiter,
    // CR LF, LF or CR, mixed in one file (an export edited by hand); csv-parse would take the
    // first one it meets as the only one and read the others as part of a field
    record_delimiter: ["\r\n", "\n", "\r"],
    skip_empty_lines: true
  }))
  for await (const item of parser as AsyncIterable<SourceItem>) {
    batch.push(item)
    if (batch.length >= batchSize) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

async function* jsonlBatches(path: string, batchSize: number, position: ReadPosition): AsyncGenerator<Array<SourceItem>> {
  let batch: Array<SourceItem> = []
  let line = 0
  const input = createReadStream(path, { encoding: "utf8" })
  position.bytes = () => input.bytesRead
  const lines = createInterface({ input, crlfDelay: Infinity })
  for await (const text of lines) {
    line++
    const trimmed = line === 1 ? text.replace(/^\uFEFF/, "").trim() : text.trim()
    if (trimmed === "") continue
    let value: unknown
    try {
      value = JSON.parse(trimmed)
    } catch (e) {
      // Node's message quotes the line; the reason keeps only where it broke (it may be stored
      // where the line itself is not, under pseudonymization).
      const position = /position (\d+)/.exec((e as Error).message)?.[1]
      batch.push({ line, reason: `not valid JSON${position === undefined ? "" : ` (at character ${Number(position) + 1})`}`, raw: trimmed.slice(0, 2000) })
      continue
    }
    if (isObject(value)) batch.push({ line, fields: value })
    else batch.push({ line, reason: "a JSON line must be an object with unit_id, type and ts", raw: trimmed.slice(0, 2000) })
    if (batch.length >= batchSize) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

export interface SourceOptions {
  readonly format?: EventFormat
  readonly delimiter?: string
  readonly batchSize?: number
}

/** A file as a stream of record batches; fails with a clear `InputError` if it cannot be read. */
export const eventFileSource = (path: string, options: SourceOptions = {}) =>
  Effect.gen(function*() {
    const format = options.format ?? formatOf(path)
    if (format === undefined) {
      return yield* new InputError({ source: path, detail: "unknown format: name the file .csv, .tsv, .jsonl or .ndjson" })
    }
    const info = yield* Effect.try({ try: () => statSync(path), catch: () => new InputError({ source: path, detail: "no such file" }) })
    if (!info.isFile()) return yield* new InputError({ source: path, detail: "not a file" })
    const batchSize = options.batchSize ?? 5000
    // a CSV file's start is read once: for its delimiter and to check its header
    const start = format === "csv"
      ? yield* Effect.try({
        try: () => fileStart(path),
        catch: (e) => new InputError({ source: path, detail: `cannot read the file: ${(e as Error).message}` })
      })
      : ""
    const delimiter = format === "csv" ? options.delimiter ?? detectDelimiter(start) : ","
    if (format === "csv") {
      const columns = headerColumns(start, delimiter)
      const { found, missing } = missingColumns(columns ?? REQUIRED_COLUMNS)
      if (missing.length > 0) {
        return yield* new InputError({
          source: path,
          detail: `the header (line 1) has no ${missing.join(", ")} column${missing.length === 1 ? "" : "s"}; ` +
            `an event file needs ${REQUIRED_COLUMNS.join(", ")} (found: ${found.length === 0 ? "no columns" : found.join(", ")}); nothing was imported`
        })
      }
    }
    const position: ReadPosition = { bytes: () => 0 }
    return {
      /** The file's size in bytes. */
      bytes: info.size,
      /** Bytes read so far (the parser reads ahead of the records processed by up to ~64 KiB). */
      bytesRead: () => position.bytes(),
      batches: Stream.fromAsyncIterable(
        format === "csv" ? csvBatches(path, delimiter, batchSize, position) : jsonlBatches(path, batchSize, position),
        (e) => new InputError({ source: path, detail: `cannot read the file: ${(e as Error).message}` })
      )
    }
  })

/**
 * A CRM's CSV export (amoCRM, Bitrix24, HubSpot, Salesforce) as batches of rows keyed by their
 * header as written (trimmed; `Этап сделки`, `Deal Stage`, `STAGENAME`), with the header itself:
 * the connector resolves the columns, so no event columns are required here.
 */
export const crmExportSource = (path: string, options: Omit<SourceOptions, "format"> = {}) =>
  Effect.gen(function*() {
    const info = yield* Effect.try({ try: () => statSync(path), catch: () => new InputError({ source: path, detail: "no such file" }) })
    if (!info.isFile()) return yield* new InputError({ source: path, detail: "not a file" })
    const start = yield* Effect.try({
      try: () => fileStart(path),
      catch: (e) => new InputError({ source: path, detail: `cannot read the file: ${(e as Error).message}` })
    })
    const delimiter = options.delimiter ?? detectDelimiter(start)
    let header: ReadonlyArray<string> | undefined
    try {
      const [first] = parseSync(start, { delimiter, to: 1, relax_column_count: true, skip_empty_lines: true, bom: true }) as Array<Array<string>>
      header = first?.map((h) => h.trim())
    } catch {
      header = undefined
    }
    if (header === undefined || header.every((h) => h === "")) {
      return yield* new InputError({ source: path, detail: "the first line is not a CSV header row; nothing was imported" })
    }
    const position: ReadPosition = { bytes: () => 0 }
    return {
      header,
      bytes: info.size,
      bytesRead: () => position.bytes(),
      batches: Stream.fromAsyncIterable(
        csvBatches(path, delimiter, options.batchSize ?? 5000, position, (h) => h.map((c) => c.trim())),
        (e) => new InputError({ source: path, detail: `cannot read the file: ${(e as Error).message}` })
      ) as Stream.Stream<ReadonlyArray<{ readonly line: number; readonly fields: Readonly<Record<string, string>> } | RawReject>, InputError>
    }
  })

/** Records already in memory (an HTTP batch): each object is one line, numbered from 1. */
export const inMemorySource = (records: ReadonlyArray<unknown>, batchSize = 5000) =>
  Stream.fromIterable(records).pipe(
    Stream.zipWithIndex,
    Stream.map(([value, i]): SourceItem =>
      isObject(value)
        ? { line: i + 1, fields: value }
        : { line: i + 1, reason: "an event must be an object with unit_id, type and ts", raw: JSON.stringify(value) ?? "" }
    ),
    Stream.grouped(batchSize),
    Stream.map((chunk) => [...chunk])
  )
