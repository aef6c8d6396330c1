/**
 * Discounting conventions shared by every figure in this package.
 *
 * - Month 0 is the scale-up date; its cash flow (the one-time costs) is not discounted.
 * - Month t ≥ 1 is received at the end of month t and discounted by (1 + m)^(−t).
 * - The monthly rate m is the compound equivalent of the annual rate r:
 *   m = (1 + r)^(1/12) − 1, so twelve months of discounting equal one year at r
 *   (Brealey, Myers & Allen, Principles of Corporate Finance, ch. 2).
 */

/** Monthly rate equivalent to an annual rate: (1 + r)^(1/12) − 1. Requires r > −1 (NaN otherwise). */
export const monthlyRate = (annualRate: number): number =>
  Number.isFinite(annualRate) && annualRate > -1 ? Math.pow(1 + annualRate, 1 / 12) - 1 : Number.NaN

/** Annual rate equivalent to a monthly rate: (1 + m)^12 − 1. */
export const annualRate = (monthly: number): number => Math.pow(1 + monthly, 12) - 1

/**
 * Net present value of monthly flows at an annual rate: NPV = Σ_{t=0..H} flows[t] · (1 + m)^(−t)
 * with m = (1 + r)^(1/12) − 1; `flows[0]` is month 0 (undiscounted). An empty array is worth 0.
 * The rate must be finite and > −1 and the flows finite; otherwise the result is NaN (the
 * model-level functions validate first and never reach that case).
 */
export const npv = (flows: ReadonlyArray<number>, annualDiscountRate: number): number =>
  npvAtMonthlyRate(flows, monthlyRate(annualDiscountRate))

/** NPV at a monthly rate m > −1: Σ flows[t] · (1 + m)^(−t). */
export const npvAtMonthlyRate = (flows: ReadonlyArray<number>, monthly: number): number => {
  if (!(monthly > -1) || !Number.isFinite(monthly)) return Number.NaN
  const v = 1 / (1 + monthly)
  let factor = 1
  let sum = 0
  for (const flow of flows) {
    sum += flow * factor
    factor *= v
  }
  return sum
}
