/**
 * An event exactly as a CRM or helpdesk export would carry it: the wire form of
 * `IncomingEvent` (`@pilotproof/domain`, Event.ts), snake_case, the time as ISO 8601 with the
 * scenario's offset, contact fields as string attributes.
 */
export interface WireEvent {
  readonly event_id: string
  readonly unit_id: string
  readonly type: string
  /** Only on exposures. */
  readonly variant?: string
  /** Only on events that carry a value (consent 1, order amounts, minutes, scores). */
  readonly value?: number
  readonly ts: string
  readonly attributes: Readonly<Record<string, string>>
}
