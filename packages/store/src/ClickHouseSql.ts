/**
 * SQL text for ClickHouse, built only through the `ch` template tag: every interpolated value is
 * escaped by its type (a string quoted, a number checked finite and written as a literal, an
 * array as a tuple, an identifier checked against a strict pattern), and a nested `ch` fragment
 * is inserted as it is. Kysely has no ClickHouse dialect and Debian 12's ClickHouse (18.16)
 * predates server-side query parameters (`{name:Type}` fails with "Unknown setting param_…"), so
 * this tag is the one place where values become SQL text — the counterpart of Kysely's `sql`.
 */

/** A piece of ClickHouse SQL whose values are already escaped. */
export class ChSql {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

/** A table or column name, refused unless it is a plain identifier (optionally `database.table`). */
export class ChIdent {
  constructor(readonly name: string) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) throw new Error(`"${name}" is not a ClickHouse identifier`)
  }
}

export type ChValue = string | number | boolean | null | ChSql | ChIdent | ReadonlyArray<string | number>

/** A string literal: backslashes and quotes escaped, as ClickHouse reads single-quoted strings. */
export const quote = (s: string): string => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`

const literal = (value: ChValue): string => {
  if (value instanceof ChSql) return value.text
  if (value instanceof ChIdent) return value.name.split(".").map((part) => `\`${part}\``).join(".")
  if (value === null) return "NULL"
  if (typeof value === "boolean") return value ? "1" : "0"
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${value} cannot be written into ClickHouse SQL`)
    return String(value)
  }
  if (typeof value === "string") return quote(value)
  return `(${value.length === 0 ? "NULL" : value.map((v) => literal(v)).join(", ")})`
}

/** ClickHouse SQL with escaped values: ch`SELECT … WHERE pilot_id = ${id}`. */
export const ch = (strings: TemplateStringsArray, ...values: ReadonlyArray<ChValue>): ChSql => {
  let text = strings[0] ?? ""
  values.forEach((value, i) => {
    text += literal(value) + (strings[i + 1] ?? "")
  })
  return new ChSql(text)
}

/** Fragments joined by a separator (`, ` by default). */
export const chJoin = (parts: ReadonlyArray<ChSql>, separator = ", "): ChSql => new ChSql(parts.map((p) => p.text).join(separator))

/** An array literal of numbers or strings (an interpolated array is a tuple, for IN). */
export const chArray = (values: ReadonlyArray<string | number>): ChSql => new ChSql(`[${values.map((v) => literal(v)).join(", ")}]`)

/** An identifier: ch`SELECT … FROM ${ident("pilotproof.events_local")}`. */
export const ident = (name: string): ChIdent => new ChIdent(name)
