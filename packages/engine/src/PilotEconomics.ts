/**
 * The pilot's economics from its measured effects, pure: the economics block of the definition
 * becomes an `EconomicsModel`; each treatment's effects (estimate and standard error of every
 * valued metric) give point figures (NPV, IRR, ROI, payback), a seeded Monte Carlo (P(NPV > 0),
 * P(payback ≤ target), NPV percentiles, cash-flow bands) and the break-even effect on the
 * primary metric. Formulas: docs/finance.md.
 */
import type { EconomicsOutcome, MetricAnalysis, PilotDefinition } from "@pilotproof/domain"
import {
  breakEvenEffect,
  type EconomicsModel,
  type EffectDistribution,
  evaluate,
  monteCarlo
} from "@pilotproof/economics"

export const economicsModel = (d: PilotDefinition): EconomicsModel => ({
  horizonMonths: d.economics.horizonMonths,
  annualDiscountRate: d.economics.discountRate,
  contingency: d.economics.contingency,
  targetPaybackMonths: d.economics.targetPaybackMonths,
  unitsPerMonth: d.economics.volume.unitsPerMonth,
  rampMonths: d.economics.rampMonths,
  drivers: Object.entries(d.economics.value).map(([metric, valuePerUnit]) => ({
    metric,
    valuePerUnit,
    direction: d.metrics.find((m) => m.key === metric)!.direction
  })),
  costs: d.economics.costs.map((c) => ({
    item: c.item,
    ...(c.oneTime === undefined ? {} : { oneTime: c.oneTime }),
    ...(c.monthly === undefined ? {} : { monthly: c.monthly }),
    ...(c.perUnit === undefined ? {} : { perUnit: c.perUnit })
  }))
})

/** A stable seed from a string (the design hash), so a decision's Monte Carlo is reproducible. */
export const seedOf = (text: string): number => {
  let h = 2166136261
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0
  return h
}

export const treatmentEconomics = (
  d: PilotDefinition,
  metrics: ReadonlyArray<MetricAnalysis>,
  variant: string,
  seed: number,
  draws = 10_000
): EconomicsOutcome => {
  const model = economicsModel(d)
  const primary = d.metrics.find((m) => m.role === "primary")!.key
  const effects: Record<string, EffectDistribution> = {}
  for (const driver of model.drivers) {
    const comparison = metrics.find((m) => m.key === driver.metric)?.comparisons.find((c) => c.variant === variant)
    if (comparison === undefined || comparison.degenerate !== undefined) {
      return { _tag: "NotEvaluated", variant, reason: `no usable estimate of "${driver.metric}" for ${variant}${comparison?.degenerate === undefined ? "" : ` (${comparison.degenerate})`}` }
    }
    effects[driver.metric] = { estimate: comparison.absolute.estimate, standardError: comparison.standardError }
  }
  if (model.drivers.length === 0) return { _tag: "NotEvaluated", variant, reason: "no metric has a value in economics.value" }
  const estimates = Object.fromEntries(Object.entries(effects).map(([k, e]) => [k, e.estimate]))
  const point = evaluate(model, estimates)
  if (!point.ok) return { _tag: "NotEvaluated", variant, reason: point.message }
  const mc = monteCarlo(model, effects, { seed, draws })
  if (!mc.ok) return { _tag: "NotEvaluated", variant, reason: mc.message }
  const breakEven = model.drivers.some((x) => x.metric === primary) ? breakEvenEffect(model, primary, estimates) : undefined
  const totals = point.table.rows.reduce((acc, r) => ({ cost: acc.cost + r.cost, benefit: acc.benefit + r.benefit }), { cost: 0, benefit: 0 })
  return {
    _tag: "Evaluated",
    economics: {
      variant,
      currency: d.economics.currency,
      effects,
      point: {
        npv: point.npv,
        ...(point.irr.ok ? { irrAnnual: point.irr.annual } : {}),
        ...(point.roi.ok ? { roi: point.roi.simple } : {}),
        ...(point.payback.ok ? { paybackMonths: point.payback.months } : {}),
        ...(point.discountedPayback.ok ? { discountedPaybackMonths: point.discountedPayback.months } : {}),
        totalCost: totals.cost,
        totalBenefit: totals.benefit
      },
      monteCarlo: {
        seed,
        draws: mc.draws,
        probNpvPositive: mc.probabilityNpvPositive,
        probPaybackWithinTarget: mc.probabilityPaybackWithinTarget,
        targetPaybackMonths: mc.targetPaybackMonths,
        npv: { mean: mc.npv.mean, p5: mc.npv.p5, p50: mc.npv.p50, p95: mc.npv.p95 },
        expectedLoss: mc.expectedLoss,
        bands: mc.bands
      },
      ...(breakEven !== undefined && breakEven.ok ? { breakEvenEffect: breakEven.effect } : {}),
      primaryMetric: primary
    }
  }
}
