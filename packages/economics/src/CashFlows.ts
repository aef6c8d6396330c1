/**
 * The monthly cash-flow table of a model at given point effects.
 *
 *   k          = 1 + contingency
 *   volume_t   = unitsPerMonth · min(1, t / rampMonths)   (t ≥ 1; no ramp: unitsPerMonth; month 0: 0)
 *   benefit_t  = volume_t · Σ_j sign_j · value_j · effect_j   (sign = +1 increase, −1 decrease)
 *   cost_0     = k · Σ oneTime
 *   cost_t     = k · (Σ monthly + Σ perUnit · volume_t)      (t ≥ 1)
 *   net_t      = benefit_t − cost_t,  cumulative_t = Σ_{s≤t} net_s
 *   discounted_t = net_t · (1 + m)^(−t),  m = (1 + r)^(1/12) − 1
 *
 * The ramp is linear in volume: month 1 runs at 1/R of full volume, month R and later at full
 * volume; per-unit costs ramp with it, monthly costs do not. Effects of metrics without a value
 * are ignored (noted); a valued metric without an effect counts as 0 (noted).
 */
import { benefitPerUnit, makeBasis, modelNotes } from "./CashFlowBasis.js"
import { type EconomicsModel, type Effects, type InvalidModel, invalidModel, type Note, validateModel } from "./EconomicsModel.js"

/** One month of the table. */
export interface CashFlowRow {
  /** 0 = scale-up date (one-time costs), 1..H = months after it. */
  readonly month: number
  readonly volume: number
  readonly benefit: number
  /** All costs of the month, contingency included. */
  readonly cost: number
  readonly net: number
  readonly cumulative: number
  /** (1 + m)^(−month). */
  readonly discountFactor: number
  readonly discountedNet: number
  readonly cumulativeDiscounted: number
}

/** The cash-flow table and its totals over months 0..H. */
export interface CashFlowTable {
  readonly ok: true
  readonly horizonMonths: number
  /** Monthly discount rate used, (1 + r)^(1/12) − 1. */
  readonly monthlyRate: number
  /** Benefit per unit of volume at full effect, Σ_j sign_j · value_j · effect_j. */
  readonly benefitPerUnit: number
  readonly rows: ReadonlyArray<CashFlowRow>
  readonly totals: {
    readonly benefit: number
    readonly cost: number
    readonly net: number
    readonly discountedBenefit: number
    readonly discountedCost: number
    /** = Σ discounted net = NPV. */
    readonly discountedNet: number
  }
  readonly notes: ReadonlyArray<Note>
}

/** The monthly cash-flow table of `model` at point `effects` (metric → treatment − control). */
export const cashFlows = (model: EconomicsModel, effects: Effects): CashFlowTable | InvalidModel => {
  const issues = validateModel(model)
  if (issues.length > 0) return invalidModel(issues)
  const basis = makeBasis(model)
  const point = benefitPerUnit(model, basis, effects)
  if (point.issues.length > 0) return invalidModel(point.issues)
  const u = point.u
  const rows: Array<CashFlowRow> = []
  let cumulative = 0
  let cumulativeDiscounted = 0
  let totalBenefit = 0
  let totalCost = 0
  let discountedBenefit = 0
  let discountedCost = 0
  for (let t = 0; t <= basis.horizonMonths; t++) {
    const volume = basis.volume[t]!
    const benefit = u * volume
    const cost = basis.cost[t]!
    const net = benefit - cost
    const discountFactor = basis.discount[t]!
    const discountedNet = net * discountFactor
    cumulative += net
    cumulativeDiscounted += discountedNet
    totalBenefit += benefit
    totalCost += cost
    discountedBenefit += benefit * discountFactor
    discountedCost += cost * discountFactor
    rows.push({ month: t, volume, benefit, cost, net, cumulative, discountFactor, discountedNet, cumulativeDiscounted })
  }
  return {
    ok: true,
    horizonMonths: basis.horizonMonths,
    monthlyRate: basis.monthlyRate,
    benefitPerUnit: u,
    rows,
    totals: {
      benefit: totalBenefit,
      cost: totalCost,
      net: totalBenefit - totalCost,
      discountedBenefit,
      discountedCost,
      discountedNet: cumulativeDiscounted
    },
    notes: [...modelNotes(model), ...point.notes]
  }
}
