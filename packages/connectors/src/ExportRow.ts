/**
 * A row of a CRM's standard CSV export → a record, by the source's column names. Each source
 * names the columns its export writes for each field (in Russian and English where the CRM
 * exports both), so a mapping names a field once (`price`, `OPPORTUNITY`, `amount`, `Amount`)
 * and reads it from a webhook and from an export alike. The change's time is the first of the
 * source's time columns that is filled (closing date before modification date before creation).
 */
import type { CrmSource } from "@pilotproof/domain"
import { bare, type CrmProblem, type CrmRecord } from "./CrmRecord.js"
import { changeKey, exportTime } from "./SourceTime.js"

export interface ExportColumns {
  readonly source: CrmSource
  readonly entity: string
  /** Field (as webhooks name it) → the export's column names for it (matched ignoring case). */
  readonly fields: Readonly<Record<string, ReadonlyArray<string>>>
  /** The fields that hold the entity's id, its stage and its pipeline. */
  readonly id: string
  readonly stage: string
  readonly pipeline?: string
  /** Time fields, in the order they are tried. */
  readonly times: ReadonlyArray<string>
}

const norm = (header: string): string => header.trim().toLowerCase().replace(/\s+/g, " ")

/**
 * For each field, the headers (as written in the file) that may hold it, in the order they are
 * read: a row takes the first one it has filled (a lead with only its mobile phone).
 */
export const resolveColumns = (columns: ExportColumns, headers: ReadonlyArray<string>): ReadonlyMap<string, ReadonlyArray<string>> => {
  const byNorm = new Map(headers.map((h) => [norm(h), h]))
  const out = new Map<string, ReadonlyArray<string>>()
  for (const [field, names] of Object.entries(columns.fields)) {
    const found = [...new Set([field, ...names].flatMap((n) => byNorm.get(norm(n)) ?? []))]
    if (found.length > 0) out.set(field, found)
  }
  return out
}

/** The export's header lacks the id or the stage column: what to say (undefined when it has both). */
export const missingExportColumns = (columns: ExportColumns, headers: ReadonlyArray<string>): string | undefined => {
  const resolved = resolveColumns(columns, headers)
  const missing = [columns.id, columns.stage].filter((f) => !resolved.has(f))
  if (missing.length === 0 && columns.times.some((t) => resolved.has(t))) return undefined
  const wanted = [...missing, ...(columns.times.some((t) => resolved.has(t)) ? [] : [columns.times.join(" or ")])]
  return `this is not a ${columns.source} export of ${columns.entity} records: no column for ${wanted.map((f) => `${f} (${(columns.fields[f] ?? [f]).slice(0, 3).join(", ")})`).join("; ")}`
}

/** One export row → a record, or the problem that keeps it from being one. */
export const exportRecord = (
  columns: ExportColumns,
  resolved: ReadonlyMap<string, ReadonlyArray<string>>,
  row: Readonly<Record<string, string>>,
  line: number,
  offsetMinutes: number | undefined
): CrmRecord | CrmProblem => {
  const fields = bare<string>()
  for (const [header, value] of Object.entries(row)) if (value.trim() !== "") fields[header] = value.trim()
  const headerOf = new Map<string, string>()
  for (const [field, headers] of resolved) {
    for (const header of headers) {
      const value = row[header]?.trim()
      if (value === undefined || value === "") continue
      fields[field] = value
      headerOf.set(field, header)
      break
    }
  }
  const id = fields[columns.id]
  if (id === undefined) return { position: line, reason: `${columns.id} is empty` }
  let occurredAt: number | undefined
  for (const t of columns.times) {
    const text = fields[t]
    if (text === undefined) continue
    const time = exportTime(text, offsetMinutes)
    if (time._tag === "NeedsOffset") {
      return { position: line, id, reason: `${headerOf.get(t) ?? t} "${text}" has no UTC offset: give the account's offset (--utc-offset +03:00)` }
    }
    if (time._tag === "Invalid") return { position: line, id, reason: `${headerOf.get(t) ?? t} "${text}" is not a date and time (dd.mm.yyyy hh:mm, yyyy-mm-dd hh:mm or ISO 8601)` }
    occurredAt = time.ms
    break
  }
  if (occurredAt === undefined) return { position: line, id, reason: `no time: ${columns.times.map((t) => resolved.get(t)?.[0] ?? t).join(", ")} are all empty` }
  const stage = fields[columns.stage]
  const pipeline = columns.pipeline === undefined ? undefined : fields[columns.pipeline]
  fields["id"] = id
  if (stage !== undefined) fields["stage"] = stage
  if (pipeline !== undefined) fields["pipeline"] = pipeline
  return {
    source: columns.source,
    entity: columns.entity,
    id,
    stage,
    pipeline,
    occurredAt,
    key: changeKey(columns.entity, id, stage, occurredAt),
    fields,
    position: line
  }
}

export const isProblem = (value: CrmRecord | CrmProblem): value is CrmProblem => "reason" in value
