/**
 * Number formatting for evidence lines. Deterministic (no locale): three significant digits,
 * thousands grouped with a space, and a comparison shows as many digits as it takes for the two
 * sides not to look equal ("0.7995 < 0.8", never "0.80 < 0.80"). Internal to the package.
 */

const group = (integer: number): string => {
  const digits = Math.abs(integer).toFixed(0)
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, " ")
  return integer < 0 ? `-${grouped}` : grouped
}

/** A number at `digits` significant digits; integers from 1 000 up are rounded and grouped. */
export const num = (x: number, digits = 3): string => {
  if (Number.isNaN(x)) return "NaN"
  if (x === Number.POSITIVE_INFINITY) return "∞"
  if (x === Number.NEGATIVE_INFINITY) return "-∞"
  if (x === 0) return "0"
  if (Math.abs(x) >= 1000 && Math.abs(x) < 1e15) return group(Math.round(x))
  return String(Number(x.toPrecision(digits)))
}

/** With an explicit sign: "+0.018", "-0.018", "0". */
export const signed = (x: number): string => (x > 0 ? `+${num(x)}` : num(x))

/** "[0.009, 0.027]". */
export const interval = (ci: { readonly lower: number; readonly upper: number }): string =>
  `[${num(ci.lower)}, ${num(ci.upper)}]`

type Formatter = (x: number, digits: number) => string

/** Significant digits (`num`). */
export const sig: Formatter = (x, digits) => num(x, digits)
/** Fixed decimals, for probabilities: "0.80". */
export const fixed: Formatter = (x, digits) => (Number.isFinite(x) ? x.toFixed(digits) : num(x))

/** `a` and `b` at the fewest digits (from `min`, at most 12) at which unequal values look unequal. */
export const pair = (a: number, b: number, format: Formatter = sig, min = 2): readonly [string, string] => {
  for (let digits = min; digits < 12; digits++) {
    const sa = format(a, digits)
    const sb = format(b, digits)
    if (a === b || sa !== sb) return [sa, sb]
  }
  return [format(a, 12), format(b, 12)]
}

/** "a ≥ b" or "a < b" (or the given operators), with both sides distinguishable. */
export const versus = (
  a: number,
  b: number,
  holds: boolean,
  operators: readonly [string, string] = ["≥", "<"],
  format: Formatter = sig
): string => {
  const [sa, sb] = pair(a, b, format)
  return `${sa} ${holds ? operators[0] : operators[1]} ${sb}`
}

/** A whole count, grouped: "2 000". */
export const count = (n: number): string => (Number.isFinite(n) ? group(Math.round(n)) : num(n))

/** Probability at two decimals (more only when needed to compare). */
export const prob = (p: number): string => (Number.isFinite(p) ? p.toFixed(2) : num(p))

/** The confidence level of an interval at `alpha`: "95 %". */
export const level = (alpha: number): string => `${num((1 - alpha) * 100)} %`

/** Plural helper: "1 failure", "2 failures". */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`
