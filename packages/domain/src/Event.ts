/**
 * Events: what happened to a unit, when. Exposures say which variant a unit saw; `consent`
 * records a unit's consent (value 0 withdraws it); every other type is a metric's event
 * (`deal_won`, `first_reply`, `csat_score`), with a numeric `value` where the metric sums or
 * averages values.
 *
 * The wire form (CSV columns, JSON fields) is snake_case: `event_id` (optional: a stable hash
 * of the row is used instead), `unit_id`, `type`, `variant`, `value`, `ts` (ISO 8601 with a
 * UTC offset); any other column is kept as a string attribute (`phone`, `email`, `channel`).
 */
import { Schema } from "effect"

/** The event type that says which variant a unit saw. */
export const EXPOSURE = "exposure"
/** The event type that records a unit's consent (value 0 withdraws it). */
export const CONSENT = "consent"

/** Milliseconds in a day: metric windows and runtimes are whole days of epoch milliseconds. */
export const DAY_MS = 86_400_000

/** A week in milliseconds: the novelty check's exposure cohorts. */
export const WEEK_MS = 7 * DAY_MS

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/

/**
 * Epoch milliseconds of an ISO 8601 timestamp with an explicit UTC offset, or `undefined` when
 * the text is not one or names no real moment. Stricter than `Date.parse`, which turns
 * 2026-02-30 into 2 March and accepts 24:00.
 */
export const parseTimestamp = (text: string): number | undefined => {
  const m = TIMESTAMP.exec(text)
  if (m === null) return undefined
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || (m[6] !== undefined && Number(m[6]) > 59)) return undefined
  if (m[7] !== undefined && (Number(m[8]) > 14 || Number(m[9]) > 59)) return undefined
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}

const DATE = /^\d{4}-\d{2}-\d{2}$/

/**
 * An as-of moment (`--as-of`, `?asOf=`): a timestamp as `parseTimestamp` reads it, or a bare date
 * meaning its midnight UTC. `undefined` when it is neither or names no real day.
 */
export const parseMoment = (text: string): number | undefined => parseTimestamp(DATE.test(text) ? `${text}T00:00Z` : text)

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const

/** Days in `month` (1–12) of `year` in the proleptic Gregorian calendar (what `Date` uses). */
const daysInMonth = (year: number, month: number): number =>
  month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : DAYS_IN_MONTH[month - 1]!

/** An ISO 8601 timestamp with an explicit offset (`Z` or `+03:00`); no offset is ambiguous. */
export const Timestamp = Schema.String.pipe(
  Schema.pattern(TIMESTAMP, {
    message: () => "ts must be ISO 8601 with a UTC offset, e.g. 2026-03-01T09:30:00+03:00"
  }),
  Schema.filter((s) => parseTimestamp(s) !== undefined || `ts "${s}" is not a real date and time`)
)

/**
 * The largest magnitude an event's value may have: values are amounts, counts, minutes and
 * scores, and 10^15 leaves every sum of squares a pilot can aggregate (10^30 per unit, times
 * millions of units) far inside double precision's range, so aggregation cannot overflow.
 */
export const MAX_ABS_VALUE = 1e15

/**
 * A value as CSV text: plain decimal notation with an optional sign, a decimal point or comma
 * and an exponent (`12`, `-3.5`, `12,5`, `1e3`). Hexadecimal (`0x10`), `Infinity`, `NaN` and
 * thousands separators are not numbers here.
 */
export const DECIMAL = /^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$/

/** Why `value` is not an event value, or `undefined` when it is one. */
export const valueProblem = (value: number): string | undefined =>
  !Number.isFinite(value)
    ? "value must be a finite number"
    : Math.abs(value) > MAX_ABS_VALUE
    ? `value ${value} is outside the allowed range (at most ${MAX_ABS_VALUE.toExponential()} in magnitude)`
    : undefined

/** One event as it arrives (a CSV row or a JSON line), before pseudonymization. */
export const IncomingEvent = Schema.Struct({
  event_id: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))),
  unit_id: Schema.Trim.pipe(Schema.minLength(1, { message: () => "unit_id is empty" }), Schema.maxLength(200)),
  type: Schema.String.pipe(
    Schema.pattern(/^[A-Za-z][A-Za-z0-9_.:-]*$/, { message: () => "type must be an event name such as exposure, consent or deal_won" }),
    Schema.maxLength(64)
  ),
  variant: Schema.optional(Schema.String.pipe(Schema.maxLength(32))),
  value: Schema.optional(Schema.Number.pipe(Schema.filter((v) => valueProblem(v) ?? true))),
  ts: Timestamp,
  attributes: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), { default: () => ({}) })
})
export type IncomingEvent = typeof IncomingEvent.Type

/** An event as stored: the unit id possibly pseudonymized, the time as epoch milliseconds. */
export interface StoredEvent {
  readonly pilotId: string
  readonly eventId: string
  readonly unitId: string
  readonly type: string
  readonly variant: string | null
  readonly value: number | null
  readonly tsMs: number
  readonly attributes: Readonly<Record<string, string>>
}
