/**
 * A statistic as JSON carries it. JSON has no Infinity or NaN, so a value that is not finite is
 * written out explicitly — `"Infinity"`, `"-Infinity"` or `"NaN"` — and decodes back to the
 * number. `null` is still read (decision records stored before schema version 2 wrote
 * non-finite values as `null`): as NaN, or as the unbounded end for an interval's bounds.
 */
import { Schema } from "effect"

const NonFinite = Schema.Literal("Infinity", "-Infinity", "NaN")

const encodeNumber = (n: number): number | typeof NonFinite.Type =>
  Number.isFinite(n) ? n : Number.isNaN(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity"

const decodeNumber = (whenNull: number) => (n: number | typeof NonFinite.Type | null): number =>
  n === null ? whenNull : typeof n === "number" ? n : n === "NaN" ? Number.NaN : n === "Infinity" ? Infinity : -Infinity

const statistic = (whenNull: number, description: string) =>
  Schema.transform(Schema.Union(Schema.Number, NonFinite, Schema.Null), Schema.Number, {
    strict: true,
    decode: decodeNumber(whenNull),
    encode: encodeNumber
  }).annotations({ description })

/** A statistic that may be undefined for the data (NaN) or infinite. */
export const Stat = statistic(Number.NaN, `a number, or "Infinity", "-Infinity" or "NaN" when it is not finite`)

/** A closed interval; either end may be unbounded. */
export const Interval = Schema.Struct({
  lower: statistic(-Infinity, `the lower bound; "-Infinity" when unbounded below`),
  upper: statistic(Infinity, `the upper bound; "Infinity" when unbounded above`)
}).annotations({ identifier: "Interval" })
export type Interval = typeof Interval.Type

/** An estimate with its confidence interval. */
export const EffectEstimate = Schema.Struct({ estimate: Stat, ci: Interval }).annotations({ identifier: "EffectEstimate" })
export type EffectEstimate = typeof EffectEstimate.Type

/** A field that may be left out (never `undefined` when present). */
export const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })
