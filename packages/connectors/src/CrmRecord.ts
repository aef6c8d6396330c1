/**
 * What every CRM source yields, whether from a webhook delivery or a row of its standard export:
 * records of one entity (a lead, a deal, an opportunity) at one stage, with the source's own
 * time of the change and the key that makes re-delivering the change harmless.
 */
import type { CrmSource } from "@pilotproof/domain"

export interface CrmRecord {
  readonly source: CrmSource
  /** What the record is: `lead` (amoCRM), `deal` (Bitrix24, HubSpot), `Opportunity` (Salesforce). */
  readonly entity: string
  /** The CRM's id of the entity. */
  readonly id: string
  /** The stage it is in: amoCRM status_id, Bitrix24 STAGE_ID, HubSpot dealstage, Salesforce StageName. */
  readonly stage: string | undefined
  /** Its pipeline (amoCRM pipeline_id, Bitrix24 CATEGORY_ID), where the source has one. */
  readonly pipeline: string | undefined
  /** The source's time of the change, epoch milliseconds. */
  readonly occurredAt: number
  /**
   * The change's idempotency key within the source: HubSpot's eventId, Salesforce's notification
   * Id, a hash of entity + stage + source time for amoCRM and Bitrix24 (and for export rows).
   */
  readonly key: string
  /** Every field the source sent, as text, by the source's name; `id`, `stage` and `pipeline` too. */
  readonly fields: Readonly<Record<string, string>>
  /** 1-based: the item's place in the delivery, or the row's line in the export. */
  readonly position: number
}

/** A part of a delivery (or an export row) that is no record: why, and the entity's id if it had one. */
export interface CrmProblem {
  readonly position: number
  readonly reason: string
  readonly id?: string | undefined
}

export interface ParsedDelivery {
  readonly records: ReadonlyArray<CrmRecord>
  readonly problems: ReadonlyArray<CrmProblem>
  /** Items of kinds Pilotproof does not read (amoCRM `leads[update]`, `contacts[…]`): answered 200, counted. */
  readonly skipped?: number
}

/** A delivery that cannot be read at all (malformed body): the reason, said to the sender too. */
export class MalformedDelivery extends Error {
  readonly _tag = "MalformedDelivery"
  constructor(readonly reason: string) {
    super(reason)
  }
}

/** A plain object without a prototype, so that no key (`__proto__`, `constructor`) is special. */
export const bare = <A>(): Record<string, A> => Object.create(null) as Record<string, A>
