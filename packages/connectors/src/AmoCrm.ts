/**
 * amoCRM (Kommo): webhooks are form bodies, `leads[status][0][id|status_id|pipeline_id|
 * old_status_id|price|updated_at|…]` for a status change and `leads[add][0][…]` for a new lead,
 * several items per POST, with `account[id]` and `account[subdomain]`. They carry no signature:
 * the connector's URL holds its secret. Status 142 is "won" (Успешно реализовано), 143 "lost".
 * `leads[update]` (every field change) is not read: it repeats the status with a new time, and
 * would count one change many times.
 */
import type { ExportColumns } from "./ExportRow.js"
import { bare, type CrmProblem, type CrmRecord, MalformedDelivery, type ParsedDelivery } from "./CrmRecord.js"
import { type FormObject, groupAt, itemsOf, parseFormBody, textAt } from "./FormBody.js"
import { changeKey, epochMs } from "./SourceTime.js"

export interface AmoCrmAccount {
  readonly id: string | undefined
  readonly subdomain: string | undefined
}

/** The flat fields of one item: its scalars, and custom fields as `cf_<id>` (their first value). */
const flatFields = (item: FormObject): Record<string, string> => {
  const fields = bare<string>()
  for (const [k, v] of Object.entries(item)) if (typeof v === "string") fields[k] = v
  for (const cf of itemsOf(groupAt(item, "custom_fields"))) {
    const id = textAt(cf, "id")
    const value = textAt(itemsOf(groupAt(cf, "values"))[0], "value")
    if (id !== undefined && value !== undefined) fields[`cf_${id}`] = value
  }
  return fields
}

export const parseAmoCrmWebhook = (body: string): ParsedDelivery & { readonly account: AmoCrmAccount } => {
  const form = parseFormBody(body)
  const leads = groupAt(form, "leads")
  const account = { id: textAt(groupAt(form, "account"), "id"), subdomain: textAt(groupAt(form, "account"), "subdomain") }
  if (Object.keys(form).length === 0) throw new MalformedDelivery("the body is empty: amoCRM sends leads[status][…] or leads[add][…] form fields")
  // Other entities and actions (contacts[add], leads[update], leads[delete]) are amoCRM's too: a
  // webhook subscribed to more than Pilotproof reads is answered 200 and counted as skipped, or
  // amoCRM would take the errors as a broken endpoint and switch the webhook off.
  let skipped = 0
  for (const [entity, group] of Object.entries(form)) {
    if (entity === "account" || typeof group === "string") continue
    for (const [action, items] of Object.entries(group)) {
      if (entity === "leads" && (action === "status" || action === "add")) continue
      skipped += typeof items === "string" ? 1 : Math.max(1, itemsOf(items).length)
    }
  }
  const records: Array<CrmRecord> = []
  const problems: Array<CrmProblem> = []
  let position = 0
  for (const kind of leads === undefined ? [] : ["add", "status"] as const) {
    for (const item of itemsOf(groupAt(leads, kind))) {
      position++
      const fields = flatFields(item)
      const id = fields["id"]?.trim()
      if (id === undefined || id === "") {
        problems.push({ position, reason: `leads[${kind}] item ${position} has no id` })
        continue
      }
      const stage = fields["status_id"]?.trim()
      const occurredAt = epochMs(fields["updated_at"]) ?? epochMs(fields["last_modified"]) ?? epochMs(fields["created_at"])
      if (occurredAt === undefined) {
        problems.push({ position, id, reason: `lead ${kind} item ${position} has no updated_at, last_modified or created_at in unix seconds` })
        continue
      }
      if (account.id !== undefined) fields["account_id"] ??= account.id
      const pipeline = fields["pipeline_id"]?.trim()
      fields["stage"] = stage ?? ""
      if (pipeline !== undefined) fields["pipeline"] = pipeline
      records.push({
        source: "amocrm",
        entity: "lead",
        id,
        stage: stage === "" ? undefined : stage,
        pipeline: pipeline === "" ? undefined : pipeline,
        occurredAt,
        key: changeKey("lead", id, stage, occurredAt),
        fields,
        position
      })
    }
  }
  if (position === 0 && skipped === 0) {
    throw new MalformedDelivery(`no leads[status] or leads[add] items (found: ${Object.keys(form).slice(0, 5).join(", ")}); amoCRM sends lead status changes and new leads as leads[status][0][id]=…`)
  }
  return { records, problems, account, skipped }
}

/** amoCRM's leads export (Сделки → Экспорт, CSV), in Russian and English. */
export const AMOCRM_EXPORT: ExportColumns = {
  source: "amocrm",
  entity: "lead",
  id: "id",
  stage: "status_id",
  pipeline: "pipeline_id",
  times: ["closed_at", "updated_at", "created_at"],
  fields: {
    id: ["ID"],
    name: ["Название сделки", "Название", "Lead title", "Lead name"],
    status_id: ["Этап сделки", "Этап", "Статус", "Stage", "Lead status", "Status"],
    pipeline_id: ["Воронка", "Pipeline"],
    price: ["Бюджет", "Бюджет ₽", "Бюджет руб.", "Budget", "Sale"],
    responsible_user_id: ["Ответственный", "Responsible user"],
    created_at: ["Дата создания", "Дата создания сделки", "Created", "Date created"],
    updated_at: ["Дата редактирования", "Дата изменения", "Last modified", "Modified"],
    closed_at: ["Дата закрытия", "Closing date", "Closed"],
    contact_phone: ["Рабочий телефон", "Телефон", "Мобильный телефон", "Work phone", "Phone"],
    contact_email: ["Рабочий email", "Email", "E-mail", "Work email"]
  }
}
