/**
 * The times CRMs write: unix seconds (amoCRM webhooks, Bitrix24's `ts`), epoch milliseconds
 * (HubSpot), ISO 8601 with an offset (Bitrix24's REST, Salesforce), and in exports a local
 * date-time without an offset (`01.03.2026 09:30:00`, `2026-03-01 09:30`), which is read in the
 * account's UTC offset given to the import — never guessed.
 */
import { parseTimestamp } from "@pilotproof/domain"
import { createHash } from "node:crypto"

/** Unix seconds (10 digits) or milliseconds (13) as epoch milliseconds. */
export const epochMs = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^\d{9,13}$/.test(text.trim())) return undefined
  const n = Number(text.trim())
  return text.trim().length >= 12 ? n : n * 1000
}

const LOCAL = /^(?:(\d{2})\.(\d{2})\.(\d{4})|(\d{4})-(\d{2})-(\d{2}))(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/

/** A UTC offset as `+03:00`, `-0500` or `Z`; its minutes east of UTC, or undefined. */
export const offsetMinutes = (text: string): number | undefined => {
  if (text === "Z" || text === "+00:00") return 0
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text)
  if (m === null || Number(m[2]) > 14 || Number(m[3]) > 59) return undefined
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]))
}

export type ExportTime =
  | { readonly _tag: "Time"; readonly ms: number }
  | { readonly _tag: "NeedsOffset" }
  | { readonly _tag: "Invalid" }

/**
 * An export's date-time: ISO 8601 with an offset as written; a local `dd.mm.yyyy hh:mm[:ss]` or
 * `yyyy-mm-dd hh:mm[:ss]` (a date alone is its midnight) in `offset` minutes east of UTC.
 */
export const exportTime = (text: string, offset: number | undefined): ExportTime => {
  const trimmed = text.trim()
  const iso = parseTimestamp(trimmed)
  if (iso !== undefined) return { _tag: "Time", ms: iso }
  const m = LOCAL.exec(trimmed)
  if (m === null) return { _tag: "Invalid" }
  if (offset === undefined) return { _tag: "NeedsOffset" }
  const [day, month, year] = m[1] !== undefined ? [m[1], m[2], m[3]] : [m[6], m[5], m[4]]
  const sign = offset < 0 ? "-" : "+"
  const abs = Math.abs(offset)
  const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`
  const ms = parseTimestamp(`${year}-${month}-${day}T${m[7] ?? "00"}:${m[8] ?? "00"}:${m[9] ?? "00"}${zone}`)
  return ms === undefined ? { _tag: "Invalid" } : { _tag: "Time", ms }
}

/** The idempotency key of a change that has no id of its own: entity, stage and the source's time. */
export const changeKey = (entity: string, id: string, stage: string | undefined, occurredAt: number): string =>
  createHash("sha256").update(JSON.stringify([entity, id, stage ?? null, occurredAt])).digest("hex").slice(0, 32)
