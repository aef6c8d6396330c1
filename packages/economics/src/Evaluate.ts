/**
 * Every point figure of a model at given effects in one call: the cash-flow table, NPV, IRR,
 * ROI, simple and discounted payback, whether payback meets the target, and the break-even
 * effect of each valued metric (the others held at their given effects). Each figure keeps
 * its own coded reason when it does not exist (e.g. no IRR without a sign change).
 */
import { type BreakEvenResult, breakEvenEffect } from "./BreakEven.js"
import { type CashFlowTable, cashFlows } from "./CashFlows.js"
import type { EconomicsModel, Effects, InvalidModel } from "./EconomicsModel.js"
import { irr, type IrrResult } from "./Irr.js"
import { paybackMonth, type PaybackResult } from "./Payback.js"
import { roi, type RoiResult } from "./Roi.js"

export interface EconomicsEvaluation {
  readonly ok: true
  readonly table: CashFlowTable
  /** Σ_t net_t · (1 + m)^(−t), t = 0..H. */
  readonly npv: number
  readonly irr: IrrResult
  readonly roi: RoiResult
  readonly payback: PaybackResult
  readonly discountedPayback: PaybackResult
  /** Simple payback exists and is ≤ targetPaybackMonths. */
  readonly paybackWithinTarget: boolean
  /** metric → break-even effect, for every valued metric. */
  readonly breakEven: Readonly<Record<string, BreakEvenResult>>
}

/** All point figures of `model` at `effects`; `InvalidModel` when the inputs cannot be evaluated. */
export const evaluate = (model: EconomicsModel, effects: Effects): EconomicsEvaluation | InvalidModel => {
  const table = cashFlows(model, effects)
  if (!table.ok) return table
  const nets = table.rows.map((r) => r.net)
  const payback = paybackMonth(table.rows.map((r) => r.cumulative))
  const breakEven: Record<string, BreakEvenResult> = {}
  for (const d of model.drivers) {
    const result = breakEvenEffect(model, d.metric, effects)
    // The model and effects were validated by `cashFlows`, so only the coded outcomes remain.
    if (result.ok || result.reason !== "INVALID_MODEL") breakEven[d.metric] = result
  }
  return {
    ok: true,
    table,
    npv: table.totals.discountedNet,
    irr: irr(nets),
    roi: roi(table),
    payback,
    discountedPayback: paybackMonth(table.rows.map((r) => r.cumulativeDiscounted)),
    paybackWithinTarget: payback.ok && payback.months <= model.targetPaybackMonths,
    breakEven
  }
}
