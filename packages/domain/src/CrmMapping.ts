/**
 * How a CRM's records become a pilot's events: the `crm:` section of a pilot file. Each entry
 * names a registered connector (one CRM account, with its secret) and maps the record's stage
 * (amoCRM status, Bitrix24 STAGE_ID, HubSpot dealstage, Salesforce StageName) to the pilot's
 * outcome events; it says which field is the unit id and which carries a value. The CRM never
 * says which variant a unit saw: the pilot's assignment does. The section is part of the frozen
 * design, so what counts as a conversion cannot change after data arrives.
 *
 * ```yaml
 * crm:
 *   - connector: amo-main
 *     source: amocrm
 *     pipelines: ["7012345"]        # optional: other pipelines' records are rejected
 *     events:
 *       - { type: deal_won, stages: ["142", "Успешно реализовано"], value: price }
 *       - { type: deal_lost, stages: ["143"] }
 * ```
 */
import { Schema } from "effect"
import { EventName } from "./Ids.js"

/** The CRMs Pilotproof reads, by webhook and by their standard export. */
export const CRM_SOURCES = ["amocrm", "bitrix24", "hubspot", "salesforce"] as const
export type CrmSource = typeof CRM_SOURCES[number]

export const CrmSourceName = Schema.Literal(...CRM_SOURCES).annotations({
  message: (issue) => ({
    message: `must be one of ${CRM_SOURCES.map((s) => JSON.stringify(s)).join(", ")}; got ${"actual" in issue ? JSON.stringify(issue.actual) : "a different value"}`,
    override: true
  })
})

/** A connector's id: lower-case kebab case, as it appears in its webhook URL. */
export const ConnectorId = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, {
    message: () => "a connector id is lower-case kebab case (letters, digits, single hyphens), e.g. amo-main"
  }),
  Schema.maxLength(64, { message: () => "a connector id is at most 64 characters" })
)

/** A record's field as the connector names it (`id`, `stage`, `price`, `contact_phone`, `Amount`). */
export const CrmField = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z_][A-Za-z0-9_.]{0,63}$/, {
    message: () => "a field is a CRM field name such as id, price, amount or contact_phone"
  })
)

const Stage = Schema.Union(Schema.String, Schema.Number).pipe(
  Schema.transform(Schema.String, { strict: true, decode: (v) => String(v).trim(), encode: (s) => s }),
  Schema.filter((s) => s !== "" || "a stage must not be empty")
)

/** Records in one of `stages` become events of `type`; `value` names the field that is its value. */
export const CrmEventRule = Schema.Struct({
  type: EventName,
  stages: Schema.Array(Stage).pipe(Schema.minItems(1, { message: () => "a rule needs at least one stage" })),
  value: Schema.optional(CrmField)
})
export type CrmEventRule = typeof CrmEventRule.Type

export const CrmMapping = Schema.Struct({
  connector: ConnectorId,
  source: CrmSourceName,
  /** The field that is the unit id: the record's own id (default), or a contact's phone or e-mail. */
  unit: Schema.optionalWith(CrmField, { default: () => "id" }),
  /** Pipelines (amoCRM), categories (Bitrix24) or pipelines (HubSpot) the pilot reads; default all. */
  pipelines: Schema.optional(Schema.Array(Stage).pipe(Schema.minItems(1, { message: () => "list at least one pipeline, or leave pipelines out" }))),
  events: Schema.Array(CrmEventRule).pipe(Schema.minItems(1, { message: () => "a CRM mapping needs at least one event rule" }))
})
export type CrmMapping = typeof CrmMapping.Type
