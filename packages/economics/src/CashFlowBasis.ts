/**
 * The cash flow of a model decomposed into its part that does not depend on the effects and
 * the part that does. Benefits are volume × Σ_j sign_j · value_j · effect_j, so with the
 * benefit per unit of volume u = Σ_j sign_j · value_j · effect_j every month's net is linear
 * in one scalar:
 *
 *   net_t = base_t + u · volume_t,   NPV = NPV(base) + u · PV(volume).
 *
 * Break-even, the normal approximation and the Monte Carlo all work from this basis, so none
 * of them rebuilds the table per effect. Internal to the package.
 */
import { monthlyRate } from "./Discounting.js"
import type { EconomicsModel, Effects, ModelIssue, Note } from "./EconomicsModel.js"

export interface CashFlowBasis {
  readonly horizonMonths: number
  readonly monthlyRate: number
  /** Volume in month t (0 at month 0): unitsPerMonth · min(1, t / rampMonths). */
  readonly volume: Float64Array
  /** Discount factor (1 + m)^(−t). */
  readonly discount: Float64Array
  /** Cost in month t with contingency (does not depend on effects). */
  readonly cost: Float64Array
  /** Net in month t when every effect is zero: −cost_t. */
  readonly base: Float64Array
  /** Cumulative of `base` through month t. */
  readonly baseCumulative: Float64Array
  /** Cumulative of discounted `base` through month t. */
  readonly baseCumulativeDiscounted: Float64Array
  /** Cumulative volume through month t. */
  readonly volumeCumulative: Float64Array
  /** Cumulative discounted volume through month t. */
  readonly volumeCumulativeDiscounted: Float64Array
  /** NPV with every effect zero. */
  readonly npvBase: number
  /** Σ_t volume_t · (1 + m)^(−t): NPV gained per unit of benefit per unit of volume. */
  readonly pvVolume: number
  /** Σ_t volume_t. */
  readonly totalVolume: number
  /** metric → sign · value (money per unit of effect per unit of volume). */
  readonly coefficient: ReadonlyMap<string, number>
}

/** Volume ramp factor for month t ≥ 1: min(1, t / R); 1 without a ramp. */
export const rampFactor = (month: number, rampMonths: number | undefined): number =>
  rampMonths === undefined || rampMonths <= 0 ? 1 : Math.min(1, month / rampMonths)

/** Builds the basis of a model that passed `validateModel`. */
export const makeBasis = (model: EconomicsModel): CashFlowBasis => {
  const H = model.horizonMonths
  const n = H + 1
  const m = monthlyRate(model.annualDiscountRate)
  const k = 1 + model.contingency
  let oneTime = 0
  let monthly = 0
  let perUnit = 0
  for (const line of model.costs) {
    oneTime += line.oneTime ?? 0
    monthly += line.monthly ?? 0
    perUnit += line.perUnit ?? 0
  }
  const volume = new Float64Array(n)
  const discount = new Float64Array(n)
  const cost = new Float64Array(n)
  const base = new Float64Array(n)
  const baseCumulative = new Float64Array(n)
  const baseCumulativeDiscounted = new Float64Array(n)
  const volumeCumulative = new Float64Array(n)
  const volumeCumulativeDiscounted = new Float64Array(n)
  const v = 1 / (1 + m)
  let factor = 1
  let cum = 0
  let cumDisc = 0
  let vCum = 0
  let vCumDisc = 0
  for (let t = 0; t < n; t++) {
    const vol = t === 0 ? 0 : model.unitsPerMonth * rampFactor(t, model.rampMonths)
    const c = t === 0 ? k * oneTime : k * (monthly + perUnit * vol)
    volume[t] = vol
    discount[t] = factor
    cost[t] = c
    base[t] = -c
    cum += -c
    cumDisc += -c * factor
    vCum += vol
    vCumDisc += vol * factor
    baseCumulative[t] = cum
    baseCumulativeDiscounted[t] = cumDisc
    volumeCumulative[t] = vCum
    volumeCumulativeDiscounted[t] = vCumDisc
    factor *= v
  }
  const coefficient = new Map<string, number>()
  for (const d of model.drivers) coefficient.set(d.metric, (d.direction === "increase" ? 1 : -1) * d.valuePerUnit)
  return {
    horizonMonths: H,
    monthlyRate: m,
    volume,
    discount,
    cost,
    base,
    baseCumulative,
    baseCumulativeDiscounted,
    volumeCumulative,
    volumeCumulativeDiscounted,
    npvBase: cumDisc,
    pvVolume: vCumDisc,
    totalVolume: vCum,
    coefficient
  }
}

/** Notes that hold for the model itself, whatever the effects. */
export const modelNotes = (model: EconomicsModel): Array<Note> => {
  const notes: Array<Note> = []
  if (model.drivers.length === 0) {
    notes.push({ code: "NO_VALUE_DRIVERS", message: "no metric has a money value: benefits are zero and only costs count" })
  }
  if (model.unitsPerMonth === 0) {
    notes.push({ code: "ZERO_VOLUME", message: "unitsPerMonth is 0: no benefits and no per-unit costs" })
  }
  return notes
}

/**
 * Benefit per unit of volume u = Σ_j sign_j · value_j · effect_j for point effects, with the
 * issues (non-finite effect of a valued metric) and notes (missing or unvalued effects).
 */
export const benefitPerUnit = (
  model: EconomicsModel,
  basis: CashFlowBasis,
  effects: Effects
): { readonly u: number; readonly issues: ReadonlyArray<ModelIssue>; readonly notes: ReadonlyArray<Note> } => {
  const issues: Array<ModelIssue> = []
  const notes: Array<Note> = []
  let u = 0
  for (const d of model.drivers) {
    const e = Object.hasOwn(effects, d.metric) ? effects[d.metric] : undefined
    if (e === undefined) {
      notes.push({ code: "EFFECT_MISSING", message: `no effect given for valued metric "${d.metric}": taken as 0` })
      continue
    }
    if (!Number.isFinite(e)) {
      issues.push({ code: "INVALID_EFFECT", path: `effects.${d.metric}`, message: `effect of "${d.metric}" must be finite, got ${String(e)}` })
      continue
    }
    u += (basis.coefficient.get(d.metric) ?? 0) * e
  }
  for (const metric of Object.keys(effects)) {
    if (!basis.coefficient.has(metric)) {
      notes.push({ code: "EFFECT_NOT_VALUED", message: `metric "${metric}" has an effect but no money value: ignored` })
    }
  }
  return { u, issues, notes }
}
