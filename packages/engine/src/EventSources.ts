/**
 * Reading event files as batches of records, streaming (constant memory whatever the size):
 * CSV through `csv-parse` (header row, BOM, `,` `;` or tab detected from the header, rows it
 * cannot parse kept as rejects with their line), JSON lines one object a line.
 */
import { InputError } from "@pilotproof/domain"
import { parse } from "csv-parse"
import { Effect, Stream } from "effect"
import { createReadStream, openSync, readSync, closeSync, statSync } from "node:fs"
import { createInterface } from "node:readline"
import type { RawRecord, RawReject, SourceItem } from "./EventRows.js"

export type EventFormat = "csv" | "jsonl"

export const formatOf = (path: string): EventFormat | undefined =>
  /\.(csv|tsv|txt)$/i.test(path) ? "csv" : /\.(jsonl|ndjson|json)$/i.test(path) ? "jsonl" : undefined

/** The delimiter of a CSV file: whichever of `,` `;` tab occurs most in its header line. */
export const detectDelimiter = (path: string): string => {
  const fd = openSync(path, "r")
  try {
    const buffer = Buffer.alloc(8192)
    const n = readSync(fd, buffer, 0, buffer.length, 0)
    const header = buffer.subarray(0, n).toString("utf8").split(/\r?\n/)[0] ?? ""
    const counts = [",", ";", "\t"].map((d) => [d, header.split(d).length - 1] as const)
    return counts.reduce((best, c) => (c[1] > best[1] ? c : best))[0]
  } finally {
    closeSync(fd)
  }
}

async function* csvBatches(path: string, delimiter: string, batchSize: number): AsyncGenerator<Array<SourceItem>> {
  let batch: Array<SourceItem> = []
  const skipped: Array<RawReject> = []
  const parser = createReadStream(path).pipe(parse({
    columns: (header: Array<string>) => header.map((h) => h.trim().toLowerCase()),
    bom: true,
    delimiter,
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error, raw) => {
      const lines = (error as { lines?: number } | undefined)?.lines ?? 0
      skipped.push({ line: lines, reason: `not a valid CSV row: ${error?.message ?? "unparseable"}`, raw: raw ?? "" })
      return undefined
    }
  }))
  for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    if (skipped.length > 0) batch.push(...skipped.splice(0))
    batch.push({ line: item.info.lines, fields: item.record } satisfies RawRecord)
    if (batch.length >= batchSize) {
      yield batch
      batch = []
    }
  }
  batch.push(...skipped.splice(0))
  if (batch.length > 0) yield batch
}

async function* jsonlBatches(path: string, batchSize: number): AsyncGenerator<Array<SourceItem>> {
  let batch: Array<SourceItem> = []
  let line = 0
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity })
  for await (const text of lines) {
    line++
    const trimmed = line === 1 ? text.replace(/^\uFEFF/, "").trim() : text.trim()
    if (trimmed === "") continue
    let value: unknown
    try {
      value = JSON.parse(trimmed)
    } catch (e) {
      batch.push({ line, reason: `not valid JSON: ${(e as Error).message}`, raw: trimmed.slice(0, 2000) })
      continue
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      batch.push({ line, reason: "a JSON line must be an object with unit_id, type and ts", raw: trimmed.slice(0, 2000) })
    } else {
      batch.push({ line, fields: value as Record<string, unknown> })
    }
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
    const delimiter = format === "csv" ? options.delimiter ?? (yield* Effect.try({
      try: () => detectDelimiter(path),
      catch: (e) => new InputError({ source: path, detail: `cannot read the file: ${(e as Error).message}` })
    })) : ","
    return {
      bytes: info.size,
      batches: Stream.fromAsyncIterable(
        format === "csv" ? csvBatches(path, delimiter, batchSize) : jsonlBatches(path, batchSize),
        (e) => new InputError({ source: path, detail: `cannot read the file: ${(e as Error).message}` })
      )
    }
  })

/** Records already in memory (an HTTP batch): each object is one line, numbered from 1. */
export const inMemorySource = (records: ReadonlyArray<unknown>, batchSize = 5000) =>
  Stream.fromIterable(records).pipe(
    Stream.zipWithIndex,
    Stream.map(([value, i]): SourceItem =>
      value !== null && typeof value === "object" && !Array.isArray(value)
        ? { line: i + 1, fields: value as Record<string, unknown> }
        : { line: i + 1, reason: "an event must be an object with unit_id, type and ts", raw: JSON.stringify(value) ?? "" }
    ),
    Stream.grouped(batchSize),
    Stream.map((chunk) => [...chunk])
  )
