/**
 * The benefit per unit of volume u = Σ_j c_j · effect_j (c_j = sign_j · value_j) when each
 * effect is uncertain, effect_j ~ Normal(estimate_j, se_j²) independently. Splits u into a
 * fixed part (metrics with se = 0 or, with a note, no distribution: effect 0) and the
 * stochastic terms the Monte Carlo draws. Internal to the package.
 */
import type { CashFlowBasis } from "./CashFlowBasis.js"
import type { EconomicsModel, EffectDistribution, ModelIssue, Note } from "./EconomicsModel.js"

export interface StochasticTerm {
  readonly metric: string
  readonly coefficient: number
  readonly estimate: number
  readonly standardError: number
}

export interface UncertainBenefit {
  /** Σ over metrics known exactly of c_j · estimate_j. */
  readonly fixed: number
  /** Metrics with se > 0, in the model's driver order (the order draws are taken in). */
  readonly terms: ReadonlyArray<StochasticTerm>
  /** E[u] = fixed + Σ c_j · estimate_j. */
  readonly mean: number
  /** Var[u] = Σ c_j² · se_j². */
  readonly variance: number
  readonly issues: ReadonlyArray<ModelIssue>
  readonly notes: ReadonlyArray<Note>
}

export const uncertainBenefit = (
  model: EconomicsModel,
  basis: CashFlowBasis,
  distributions: Readonly<Record<string, EffectDistribution>>
): UncertainBenefit => {
  const issues: Array<ModelIssue> = []
  const notes: Array<Note> = []
  const terms: Array<StochasticTerm> = []
  let fixed = 0
  let mean = 0
  let variance = 0
  for (const d of model.drivers) {
    const c = basis.coefficient.get(d.metric) ?? 0
    const dist = Object.hasOwn(distributions, d.metric) ? distributions[d.metric] : undefined
    if (dist === undefined) {
      notes.push({ code: "DISTRIBUTION_MISSING", message: `no effect distribution for valued metric "${d.metric}": effect taken as exactly 0` })
      continue
    }
    if (!Number.isFinite(dist.estimate) || !Number.isFinite(dist.standardError) || dist.standardError < 0) {
      issues.push({
        code: "INVALID_DISTRIBUTION",
        path: `distributions.${d.metric}`,
        message: `effect of "${d.metric}" needs a finite estimate and a finite standardError ≥ 0, got ${String(dist.estimate)} ± ${String(dist.standardError)}`
      })
      continue
    }
    mean += c * dist.estimate
    if (dist.standardError === 0 || c === 0) {
      fixed += c * dist.estimate
    } else {
      terms.push({ metric: d.metric, coefficient: c, estimate: dist.estimate, standardError: dist.standardError })
      variance += c * c * dist.standardError * dist.standardError
    }
  }
  for (const metric of Object.keys(distributions)) {
    if (!basis.coefficient.has(metric)) {
      notes.push({ code: "EFFECT_NOT_VALUED", message: `metric "${metric}" has a distribution but no money value: ignored` })
    }
  }
  if (issues.length === 0 && terms.length === 0) {
    notes.push({ code: "ZERO_VARIANCE", message: "no valued effect is uncertain: every draw gives the same cash flow" })
  }
  return { fixed, terms, mean, variance, issues, notes }
}
