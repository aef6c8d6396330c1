/**
 * Payback period from a cumulative net cash flow series (index = month, index 0 = month 0).
 *
 * Payback is the earliest time after which the cumulative net stays ≥ 0 through the last
 * month given. For the usual profile (outlay first, then inflows) this is the first month
 * the cumulative reaches 0; for a profile that turns negative again later it refuses an early
 * crossing that does not last. Within the crossing month the month's net is taken to accrue
 * evenly, so the crossing is interpolated linearly:
 *
 *   payback = (t − 1) + (−cum_{t−1}) / (cum_t − cum_{t−1})   where cum_{t−1} < 0 ≤ cum_t.
 *
 * A series that is never negative pays back at 0. A series that ends below 0 has no payback
 * within the horizon (`NOT_WITHIN_HORIZON`). Discounted payback is the same rule applied to the
 * cumulative discounted net.
 */

export type PaybackResult =
  | { readonly ok: true; readonly months: number }
  | { readonly ok: false; readonly reason: "NOT_WITHIN_HORIZON" | "NO_MONTHS"; readonly message: string }

/** Payback month (fractional) of a cumulative series; see the file comment for the rule. */
export const paybackMonth = (cumulative: ArrayLike<number>): PaybackResult => {
  const n = cumulative.length
  if (n === 0) return { ok: false, reason: "NO_MONTHS", message: "no months to pay back in" }
  const last = cumulative[n - 1]!
  if (!(last >= 0)) {
    return { ok: false, reason: "NOT_WITHIN_HORIZON", message: `cumulative net is ${last} at month ${n - 1}: not paid back` }
  }
  for (let t = n - 2; t >= 0; t--) {
    const c = cumulative[t]!
    if (c < 0) {
      const next = cumulative[t + 1]!
      return { ok: true, months: t + -c / (next - c) }
    }
  }
  return { ok: true, months: 0 }
}

/**
 * Payback of the linear family cum_t = base_t + u · slope_t without building the series
 * (used per Monte Carlo draw). Returns the payback month or −1 when not within the horizon.
 */
export const paybackOfLinear = (base: Float64Array, slope: Float64Array, u: number): number => {
  const n = base.length
  if (n === 0) return -1
  let next = base[n - 1]! + u * slope[n - 1]!
  if (!(next >= 0)) return -1
  for (let t = n - 2; t >= 0; t--) {
    const c = base[t]! + u * slope[t]!
    if (c < 0) return t + -c / (next - c)
    next = c
  }
  return 0
}
