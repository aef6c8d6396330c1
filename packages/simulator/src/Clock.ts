/**
 * Time for the simulator: epoch milliseconds inside, ISO 8601 with the scenario's UTC offset
 * outside. The offset is taken from the scenario's `start` and used for every timestamp, the
 * way one CRM export writes all its times in one zone.
 */

export interface Clock {
  readonly startMs: number
  /** Offset from UTC in minutes (+180 for +03:00). */
  readonly offsetMinutes: number
  /** `2026-03-02T09:15:04+03:00` (whole seconds). */
  readonly format: (ms: number) => string
  /** Day of week in local time, 0 = Sunday … 6 = Saturday. */
  readonly weekday: (ms: number) => number
  /** Milliseconds since local midnight. */
  readonly timeOfDay: (ms: number) => number
}

/** A clock for an ISO timestamp with seconds and an offset (`Z` or `±hh:mm`). */
export const makeClock = (start: string): Clock => {
  const match = /(Z|([+-])(\d{2}):(\d{2}))$/.exec(start)
  if (match === null) throw new Error(`start "${start}" has no UTC offset`)
  const suffix = match[1] === "Z" ? "Z" : `${match[2]}${match[3]}:${match[4]}`
  const offsetMinutes = match[1] === "Z" ? 0 : (match[2] === "-" ? -1 : 1) * (Number(match[3]) * 60 + Number(match[4]))
  const shift = offsetMinutes * 60_000
  return {
    startMs: Date.parse(start),
    offsetMinutes,
    format: (ms) => new Date(Math.floor(ms / 1000) * 1000 + shift).toISOString().slice(0, 19) + suffix,
    weekday: (ms) => new Date(ms + shift).getUTCDay(),
    timeOfDay: (ms) => (((ms + shift) % 86_400_000) + 86_400_000) % 86_400_000
  }
}
