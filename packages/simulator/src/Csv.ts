/**
 * CSV in the wire form the importer reads: a header, then one row per event. Fields are quoted
 * per RFC 4180 (a field holding a comma, a double quote, CR or LF is wrapped in double quotes,
 * inner quotes doubled); rows end with LF. The columns are fixed per scenario (the base columns,
 * then the scenario's attribute columns), so every export of a scenario has the same header.
 */
import type { Scenario } from "./Scenario.js"
import type { WireEvent } from "./WireEvent.js"

export const BASE_COLUMNS = ["event_id", "unit_id", "type", "variant", "value", "ts"] as const

/** The attribute columns a scenario's events can carry, in a fixed order: phone, email, channel. */
export const attributeColumns = (scenario: Scenario): ReadonlyArray<string> => {
  const a = scenario.attributes
  return [
    ...(a?.phone === undefined ? [] : ["phone"]),
    ...(a?.email === undefined ? [] : ["email"]),
    ...(a?.channel === undefined ? [] : ["channel"])
  ]
}

/** One field, quoted when RFC 4180 requires it. */
export const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s)

/** The header line (without the line break). */
export const csvHeader = (attributes: ReadonlyArray<string>): string => [...BASE_COLUMNS, ...attributes].map(csvField).join(",")

/**
 * One event as a row (without the line break). Throws when the event carries an attribute
 * outside `attributes`: silently dropping a column would lose data.
 */
export const csvRow = (event: WireEvent, attributes: ReadonlyArray<string>): string => {
  for (const key of Object.keys(event.attributes)) {
    if (!attributes.includes(key)) throw new Error(`event ${event.event_id} has attribute "${key}", not among the CSV columns (${attributes.join(", ")})`)
  }
  const fields = [
    event.event_id,
    event.unit_id,
    event.type,
    event.variant ?? "",
    event.value === undefined ? "" : String(event.value),
    event.ts,
    ...attributes.map((a) => event.attributes[a] ?? "")
  ]
  return fields.map(csvField).join(",")
}

/** Header and rows, each line ending with LF. */
export const toCsv = (events: Iterable<WireEvent>, attributes: ReadonlyArray<string>): string => {
  const lines = [csvHeader(attributes)]
  for (const event of events) lines.push(csvRow(event, attributes))
  return lines.join("\n") + "\n"
}
