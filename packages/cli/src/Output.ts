/**
 * Terminal output: aligned tables for people, JSON for programs. Commands print through
 * `Console` so tests and pipes see exactly what a user sees.
 */
import { Console, Effect, Schema } from "effect"

export type Format = "table" | "json"
export const formats = ["table", "json"] as const

/** Renders rows as a left-aligned table with a header and a rule under it. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd()
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")
}

/** Prints a value as indented JSON (the `--format json` contract). */
export const printJson = (value: unknown): Effect.Effect<void> => Console.log(JSON.stringify(value, null, 2))

/**
 * A value in its schema's JSON form (what the API sends: non-finite numbers spelled out), for
 * `--format json`. A value of ours that does not encode is a defect, not a user's error.
 */
export const encodeJson = <A, I>(schema: Schema.Schema<A, I>, value: A): Effect.Effect<I> => Effect.orDie(Schema.encode(schema)(value))

/** Prints a value in its schema's JSON form. */
export const printEncoded = <A, I>(schema: Schema.Schema<A, I>, value: A): Effect.Effect<void> =>
  Effect.flatMap(encodeJson(schema, value), printJson)

/** `key: value` lines with the keys aligned. */
export const fields = (pairs: ReadonlyArray<readonly [string, string]>): string => {
  const width = Math.max(...pairs.map(([k]) => k.length))
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`).join("\n")
}

/** 600000 → "600 000" (thin grouping, no locale surprises). */
export const money = (amount: number): string => {
  const [int, frac] = Math.abs(amount).toFixed(amount % 1 === 0 ? 0 : 2).split(".")
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, " ")
  return `${amount < 0 ? "-" : ""}${grouped}${frac === undefined ? "" : `.${frac}`}`
}

export interface ProgressState {
  readonly records: number
  readonly bytesRead: number
  readonly totalBytes: number
  readonly seconds: number
}

/** 75 → "1:15", 3725 → "1:02:05". */
const clock = (seconds: number): string => {
  const s = Math.round(seconds)
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60]
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}` : `${m}:${String(r).padStart(2, "0")}`
}

/**
 * One line of progress over the bytes of a file, fitted to `columns`: the label, a bar as wide
 * as the terminal leaves room for (at most 30, none under 8), the share done, records, rate and
 * the time left: `importing bot.csv [██████████░░░░░░░░░░░░░░]  42%  380,000 records  91,204/s  0:07 left`.
 */
/** "100%  9,999,999 records  999,999/s  99:59 left" */
const FIGURES_WIDTH = 46

export const progressLine = (label: string, state: ProgressState, columns: number): string => {
  const fraction = state.totalBytes > 0 ? Math.min(1, Math.max(0, state.bytesRead / state.totalBytes)) : 1
  const rate = state.seconds > 0 ? Math.round(state.records / state.seconds) : 0
  const left = fraction > 0 && fraction < 1 && state.seconds > 0 ? `  ${clock((state.seconds * (1 - fraction)) / fraction)} left` : ""
  const figures = `${`${Math.floor(fraction * 100)}%`.padStart(4)}  ${state.records.toLocaleString("en-US")} records  ${rate.toLocaleString("en-US")}/s${left}`
  // The bar keeps its width while the figures grow (room is kept for the usual widest ones), and
  // gives way to longer ones (hours left, tens of millions of records).
  const width = Math.min(30, columns - label.length - Math.max(FIGURES_WIDTH, figures.length) - 5)
  const bar = width < 8 ? "" : ` [${"█".repeat(Math.floor(fraction * width))}${"░".repeat(width - Math.floor(fraction * width))}]`
  const line = `${label}${bar} ${figures}`
  return line.length < columns ? line : `${line.slice(0, Math.max(0, columns - 2))}…`
}
