/**
 * Terminal output: aligned tables for people, JSON for programs. Commands print through
 * `Console` so tests and pipes see exactly what a user sees.
 */
import { Console, Effect } from "effect"

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
