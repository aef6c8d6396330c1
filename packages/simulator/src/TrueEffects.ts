/**
 * The truth a scenario implies, computed analytically from its parameters (no simulation): each
 * metric's true value per arm and the true absolute effect treatment − control in the metric's
 * units (a rate difference, minutes, roubles). Validity tests compare estimates with it; the
 * economics truth feeds it to the cash-flow model.
 *
 * Conventions: values are per unit over the full metric window (no censoring by the end of the
 * observation period); a duration's value is the mean over completed units (log-normal mean
 * median·e^{σ²/2}); a mean-aggregate metric is the mean of a unit's values over units with at
 * least one; a binomial metric on a Poisson stream with frailty variance v converts with
 * 1 − (1 + λv)^{−1/v} (1 − e^{−λ} without frailty); one with events that cancel it (`unless`)
 * converts with that times each cancelling event's chance of not happening (the simulator draws
 * them independently, and the plan refuses a cancelling truth that reaches past the window).
 */
import type { Metric, PilotDefinition } from "@pilotproof/domain"
import { normalQuantile } from "@pilotproof/stats"
import type { Scenario } from "./Scenario.js"
import { countMean, planOrThrow, type Producer, type SimulationPlan } from "./SimulationPlan.js"

export interface TreatmentTruth {
  /** The metric's true value in this arm. */
  readonly value: number
  /** treatment − control, in the metric's units. */
  readonly effect: number
  /** effect / control (the relative lift; NaN when the control value is 0). */
  readonly lift: number
}

export interface MetricTrueEffect {
  readonly metric: string
  readonly type: Metric["type"]
  readonly control: number
  /** Per treatment variant key. */
  readonly treatments: Readonly<Record<string, TreatmentTruth>>
}

const eventExpectation = (producer: Producer | undefined, variant: string, aggregate: "count" | "sum" | "mean", binary: boolean): number => {
  if (producer === undefined) return NaN
  switch (producer.role) {
    case "start":
      return 1
    case "end":
      return producer.process.completion
    case "once":
      return producer.process.arms.get(variant)!
    case "stream": {
      const arm = producer.process.arms.get(variant)!
      if (binary) {
        if (arm.count.kind === "share") return arm.count.p
        const v = producer.process.covariate?.frailtyVariance ?? 0
        const l = arm.count.mean
        return v > 0 ? 1 - Math.pow(1 + l * v, -1 / v) : 1 - Math.exp(-l)
      }
      const n = countMean(arm.count)
      const value = arm.value?.mean ?? NaN
      return aggregate === "count" ? n : aggregate === "sum" ? n * value : value
    }
  }
}

const metricValue = (plan: SimulationPlan, metric: Metric, variant: string): number => {
  const producers = plan.producers
  switch (metric.type) {
    case "binomial":
      // events that cancel the conversion are drawn independently of it, inside its window
      return (metric.unless ?? []).reduce(
        (p, cancel) => (producers.has(cancel) ? p * (1 - eventExpectation(producers.get(cancel), variant, "count", true)) : p),
        eventExpectation(producers.get(metric.event), variant, "count", true)
      )
    case "mean":
      return eventExpectation(producers.get(metric.event), variant, metric.aggregate, false)
    case "ratio":
      return (
        eventExpectation(producers.get(metric.numerator.event), variant, metric.numerator.aggregate, false) /
        eventExpectation(producers.get(metric.denominator.event), variant, metric.denominator.aggregate, false)
      )
    case "duration": {
      const p = plan.processes.find((q) => q.kind === "duration" && q.metric === metric.key)
      if (p === undefined || p.kind !== "duration") return NaN
      return Math.exp(p.arms.get(variant)! + (p.sigma * p.sigma) / 2) / p.unitMs
    }
    case "quantile": {
      // a log-normal duration's quantile among the units that finish: exp(μ + σ·Φ⁻¹(q)) in the metric's unit
      const of = metric.of
      if (!("from" in of)) return NaN
      const p = plan.processes.find((q) => q.kind === "duration" && q.from === of.from && q.to === of.to)
      if (p === undefined || p.kind !== "duration") return NaN
      const scale = of.in === "minutes" ? 60_000 : of.in === "hours" ? 3_600_000 : 86_400_000
      return Math.exp(p.arms.get(variant)! + p.sigma * normalQuantile(metric.quantile)) / scale
    }
  }
}

/**
 * The true value and effect of every metric of the pilot under the scenario, keyed by metric
 * key. Throws `InvalidScenario` when the scenario does not fit the pilot.
 */
export const trueEffects = (definition: PilotDefinition, scenario: Scenario): Readonly<Record<string, MetricTrueEffect>> => {
  const plan = planOrThrow(definition, scenario)
  const out: Record<string, MetricTrueEffect> = {}
  for (const metric of definition.metrics) {
    const control = metricValue(plan, metric, plan.control)
    const treatments: Record<string, TreatmentTruth> = {}
    for (const variant of plan.variants) {
      if (variant === plan.control) continue
      const value = metricValue(plan, metric, variant)
      treatments[variant] = { value, effect: value - control, lift: control === 0 ? NaN : (value - control) / control }
    }
    out[metric.key] = { metric: metric.key, type: metric.type, control, treatments }
  }
  return out
}
