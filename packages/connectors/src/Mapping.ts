/**
 * A record through a pilot's frozen CRM mapping: the events it makes (one per rule whose stages
 * hold the record's stage), nothing (a stage the pilot does not read: most of a CRM's changes),
 * or a reject with its reason (a pipeline the mapping does not know, no unit id, a value that is
 * not a number). The event carries the record's idempotency key and the source's time; the
 * engine checks it like every other event, pseudonymizes it and stores it.
 */
import type { CrmMapping } from "@pilotproof/domain"
import type { CrmRecord } from "./CrmRecord.js"

/** An event as the engine's import reads it (the wire form of `IncomingEvent`). */
export interface MappedEvent {
  readonly event_id: string
  readonly unit_id: string
  readonly type: string
  readonly ts: string
  readonly value?: string
  /** The stage the CRM named (an event attribute, for segments and for fixing a mapping). */
  readonly crm_stage: string
}

export type MapOutcome =
  | { readonly _tag: "Events"; readonly events: ReadonlyArray<MappedEvent> }
  | { readonly _tag: "Ignored" }
  | { readonly _tag: "Rejected"; readonly reason: string }

const WHY_NO_FIELD: Partial<Record<string, string>> = {
  hubspot: "HubSpot's webhook carries only the property that changed; read the value from the deals export (pilotproof events import --from hubspot)",
  salesforce: "add the field to the outbound message's selected fields",
  amocrm: "amoCRM's status webhook carries the lead's own fields, not its contact's",
  bitrix24: "crm.deal.get returns the deal's own fields"
}

/**
 * A mapped event's id: the entity and the event type, so "this deal reached won" is one event
 * however it arrives — a retry, an echo, HubSpot's three days of redeliveries (whose eventIds are
 * not even unique), Salesforce's notification for every later edit, the export imported after
 * the webhooks. Where the same event arrives with another time, the store keeps the earliest:
 * deliveries out of order end as the source's times say.
 */
export const mappedEventId = (record: CrmRecord, type: string): string => `${record.source}:${record.entity}:${record.id}:${type}`

export const mapRecord = (record: CrmRecord, mapping: CrmMapping): MapOutcome => {
  const label = `${record.entity} (item ${record.position})`
  if (mapping.pipelines !== undefined && !mapping.pipelines.includes(record.pipeline ?? "")) {
    return {
      _tag: "Rejected",
      reason: record.pipeline === undefined
        ? `${label} names no pipeline, and the mapping reads only pipelines ${mapping.pipelines.join(", ")}`
        : `${label} is in pipeline ${record.pipeline}, which the mapping of connector ${mapping.connector} does not read (${mapping.pipelines.join(", ")}; exports name a pipeline, webhooks give its id: list both)`
    }
  }
  if (record.stage === undefined) return { _tag: "Ignored" }
  const rules = mapping.events.filter((rule) => rule.stages.includes(record.stage!))
  if (rules.length === 0) return { _tag: "Ignored" }
  const unit = record.fields[mapping.unit]?.trim()
  if (unit === undefined || unit === "") {
    return { _tag: "Rejected", reason: `${label} has no ${mapping.unit}, the mapping's unit field${mapping.unit === "id" ? "" : ` (${WHY_NO_FIELD[record.source] ?? "map a field the record has"})`}` }
  }
  const ts = new Date(record.occurredAt).toISOString()
  const events: Array<MappedEvent> = []
  for (const rule of rules) {
    let value: string | undefined
    if (rule.value !== undefined) {
      value = record.fields[rule.value]?.trim().replace(/[\s\u00a0]/g, "")
      if (value === undefined || value === "") {
        return { _tag: "Rejected", reason: `${label} at stage ${record.stage} has no ${rule.value}, the value of ${rule.type} (${WHY_NO_FIELD[record.source] ?? "map a field the record has"})` }
      }
    }
    events.push({
      event_id: mappedEventId(record, rule.type),
      unit_id: unit,
      type: rule.type,
      ts,
      ...(value === undefined ? {} : { value }),
      crm_stage: record.stage
    })
  }
  return { _tag: "Events", events }
}
