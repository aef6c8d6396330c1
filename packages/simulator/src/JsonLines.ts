/**
 * JSON Lines: one JSON object per event and line, keys in the wire order (event_id, unit_id,
 * type, variant, value, ts, attributes), absent optional fields left out; lines end with LF.
 */
import type { WireEvent } from "./WireEvent.js"

export const jsonLine = (event: WireEvent): string =>
  JSON.stringify({
    event_id: event.event_id,
    unit_id: event.unit_id,
    type: event.type,
    ...(event.variant === undefined ? {} : { variant: event.variant }),
    ...(event.value === undefined ? {} : { value: event.value }),
    ts: event.ts,
    attributes: event.attributes
  })

export const toJsonLines = (events: Iterable<WireEvent>): string => {
  let out = ""
  for (const event of events) out += jsonLine(event) + "\n"
  return out
}
