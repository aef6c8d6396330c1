/**
 * Return on investment over the horizon (months 0..H):
 *
 *   ROI            = (Σ benefit − Σ cost) / Σ cost                      (undiscounted)
 *   discounted ROI = (PV(benefit) − PV(cost)) / PV(cost)                (at the model's rate)
 *
 * Costs include contingency. With no costs at all (or costs so small the ratio overflows) ROI is
 * undefined (`NO_COSTS`).
 */
import type { CashFlowTable } from "./CashFlows.js"

export type RoiResult =
  | { readonly ok: true; readonly simple: number; readonly discounted: number }
  | { readonly ok: false; readonly reason: "NO_COSTS"; readonly message: string }

/** ROI and discounted ROI of a cash-flow table. */
export const roi = (table: CashFlowTable): RoiResult => {
  const { benefit, cost, discountedBenefit, discountedCost } = table.totals
  if (!(cost > 0) || !(discountedCost > 0)) {
    return { ok: false, reason: "NO_COSTS", message: "total cost over the horizon is 0, so ROI is undefined" }
  }
  const simple = (benefit - cost) / cost
  const discounted = (discountedBenefit - discountedCost) / discountedCost
  if (!Number.isFinite(simple) || !Number.isFinite(discounted)) {
    return { ok: false, reason: "NO_COSTS", message: "total cost is too close to 0 for a finite ROI" }
  }
  return { ok: true, simple, discounted }
}
