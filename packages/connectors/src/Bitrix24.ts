/**
 * Bitrix24: an outbound event handler receives `event=ONCRMDEALUPDATE` (or `ONCRMDEALADD`) with
 * `data[FIELDS][ID]`, `ts` and `auth[application_token]`, the token Bitrix24 gave at install.
 * The body names only the deal, so the deal is fetched with `crm.deal.get` from the portal
 * (a port: the engine calls the portal's REST with a timeout and bounded retries).
 *
 * A handler that writes back to a deal makes Bitrix24 fire ONCRMDEALUPDATE again, with the same
 * stage: the change's key is the deal, its STAGE_ID and MOVED_TIME (when it last moved stage),
 * so such an echo — and any update that did not move the stage — is the same change.
 */
import { parseTimestamp } from "@pilotproof/domain"
import { bare, type CrmRecord, MalformedDelivery } from "./CrmRecord.js"
import type { ExportColumns } from "./ExportRow.js"
import { groupAt, parseFormBody, textAt } from "./FormBody.js"
import { changeKey, epochMs } from "./SourceTime.js"

export const BITRIX24_EVENTS = ["ONCRMDEALADD", "ONCRMDEALUPDATE"] as const

export interface Bitrix24Notice {
  readonly event: string
  /** The deal, for the deal events Pilotproof reads; undefined for any other event (skipped). */
  readonly dealId: string | undefined
  /** The notice's unix time (`ts`), epoch ms, when given. */
  readonly ts: number | undefined
  readonly applicationToken: string | undefined
  readonly domain: string | undefined
}

export const parseBitrix24Webhook = (body: string): Bitrix24Notice => {
  const form = parseFormBody(body)
  const event = textAt(form, "event")?.trim().toUpperCase()
  if (event === undefined) throw new MalformedDelivery("no event field: Bitrix24 sends event=ONCRMDEALUPDATE with data[FIELDS][ID]")
  const auth = groupAt(form, "auth")
  const read = (BITRIX24_EVENTS as ReadonlyArray<string>).includes(event)
  const dealId = textAt(groupAt(groupAt(form, "data"), "FIELDS"), "ID")?.trim()
  if (read && (dealId === undefined || !/^\d{1,18}$/.test(dealId))) throw new MalformedDelivery("data[FIELDS][ID] is missing or not a deal id")
  return { event, dealId: read ? dealId : undefined, ts: epochMs(textAt(form, "ts")), applicationToken: textAt(auth, "application_token"), domain: textAt(auth, "domain") }
}

/** The fetched deal (`crm.deal.get`'s `result`) → a record; a string when it is not a deal. */
export const bitrix24DealRecord = (result: unknown, position: number): CrmRecord | string => {
  if (result === null || typeof result !== "object" || Array.isArray(result)) return "crm.deal.get returned no deal object"
  const fields = bare<string>()
  for (const [k, v] of Object.entries(result)) {
    if (typeof v === "string" || typeof v === "number") fields[k] = String(v)
  }
  const id = fields["ID"]
  if (id === undefined) return "the deal has no ID"
  const stage = fields["STAGE_ID"]
  const moved = fields["MOVED_TIME"] ?? fields["DATE_MODIFY"]
  const occurredAt = moved === undefined ? undefined : parseTimestamp(moved)
  if (occurredAt === undefined) return "the deal has no MOVED_TIME or DATE_MODIFY in ISO 8601"
  const pipeline = fields["CATEGORY_ID"]
  fields["id"] = id
  if (stage !== undefined) fields["stage"] = stage
  if (pipeline !== undefined) fields["pipeline"] = pipeline
  return { source: "bitrix24", entity: "deal", id, stage, pipeline, occurredAt, key: changeKey("deal", id, stage, occurredAt), fields, position }
}

/** Bitrix24's deals export (CRM → Сделки → Экспорт в CSV). */
export const BITRIX24_EXPORT: ExportColumns = {
  source: "bitrix24",
  entity: "deal",
  id: "ID",
  stage: "STAGE_ID",
  pipeline: "CATEGORY_ID",
  times: ["MOVED_TIME", "CLOSEDATE", "DATE_MODIFY", "DATE_CREATE"],
  fields: {
    ID: ["ID"],
    TITLE: ["Название сделки", "Deal name", "Название"],
    STAGE_ID: ["Стадия сделки", "Стадия", "Deal stage", "Stage"],
    CATEGORY_ID: ["Направление", "Воронка", "Pipeline", "Category"],
    OPPORTUNITY: ["Сумма", "Deal amount", "Amount", "Income"],
    CURRENCY_ID: ["Валюта", "Currency"],
    MOVED_TIME: ["Дата перемещения", "Date moved"],
    // the actual closing date, not "Предполагаемая дата закрытия" (the planned one)
    CLOSEDATE: ["Дата завершения", "Дата закрытия", "Closing date", "Close date"],
    DATE_MODIFY: ["Дата изменения", "Modified", "Date modified"],
    DATE_CREATE: ["Дата создания", "Created", "Date created"],
    CONTACT_ID: ["Контакт", "Contact"]
  }
}
