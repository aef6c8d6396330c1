/**
 * From (pilot definition, scenario) to what the generator and the truth helpers need: the
 * event processes with their parameters per arm (lifts applied), and every way the scenario
 * does not fit its pilot, each with its field path.
 *
 * Each event type is produced by exactly one process. A metric may omit its truth when another
 * metric's truth already produces its events (`orders` counts the `order` events that `revenue`
 * sums); its true value is then derived from that process.
 */
import type { Metric, PilotDefinition } from "@pilotproof/domain"
import { controlVariant, CONSENT, DAY_MS, EXPOSURE } from "@pilotproof/domain"
import { normalQuantile } from "@pilotproof/stats"
import { Either } from "effect"
import { InvalidScenario, ScenarioIssue } from "./InvalidScenario.js"
import type { Delay, EventCount, EventProcess, Lifts, MetricTruth, Scenario, ValueDistribution } from "./Scenario.js"
import { cumulate, scoreMean, tiltScores } from "./Sampling.js"

const UNIT_MS = { minutes: 60_000, hours: 3_600_000, days: DAY_MS } as const

export type CountModel = { readonly kind: "poisson"; readonly mean: number } | { readonly kind: "share"; readonly p: number }

export type ValueModel =
  | { readonly kind: "lognormal"; readonly mu: number; readonly sigma: number; readonly mean: number; readonly meanSquare: number }
  | { readonly kind: "scores"; readonly probabilities: ReadonlyArray<number>; readonly cumulative: ReadonlyArray<number>; readonly mean: number; readonly meanSquare: number }

/** Delay after exposure in ms; `limitMs` is the metric window (Infinity without one). */
export type DelayModel =
  | { readonly kind: "exponential"; readonly meanMs: number; readonly limitMs: number }
  | { readonly kind: "uniform"; readonly spanMs: number }

export interface StreamArm {
  readonly count: CountModel
  readonly value: ValueModel | undefined
}

/** At most one event per unit, with probability `p` per arm (binomial truth). */
export interface OnceProcess {
  readonly kind: "once"
  readonly metric: string
  readonly event: string
  readonly arms: ReadonlyMap<string, number>
  readonly delay: DelayModel
  /** A novelty effect: the lift of a unit first exposed w weeks after the start is lift·fade^w. */
  readonly fade?: { readonly factor: number; readonly control: number }
}

/** Pre-exposure events for CUPED: Poisson(preMean · F) over [exposure − days, exposure). */
export interface CovariateModel {
  readonly event: string
  readonly daysMs: number
  readonly preMean: number
  /** Variance of the Gamma frailty F (mean 1) shared with the post-period rate; 0 = none. */
  readonly frailtyVariance: number
}

/** A count of events per unit, each with an optional value (mean and ratio truths). */
export interface StreamProcess {
  readonly kind: "stream"
  readonly metric: string
  readonly event: string
  readonly arms: ReadonlyMap<string, StreamArm>
  readonly delay: DelayModel
  readonly covariate: CovariateModel | undefined
}

/** `from` one second after exposure; `to` a log-normal time later for a `completion` share. */
export interface DurationProcess {
  readonly kind: "duration"
  readonly metric: string
  readonly from: string
  readonly to: string
  readonly unitMs: number
  readonly completion: number
  readonly sigma: number
  /** ln(median in ms) per arm. */
  readonly arms: ReadonlyMap<string, number>
}

export type Process = OnceProcess | StreamProcess | DurationProcess

/** Who produces an event type: a process, in one role. */
export type Producer =
  | { readonly role: "once"; readonly process: OnceProcess }
  | { readonly role: "stream"; readonly process: StreamProcess }
  | { readonly role: "start" }
  | { readonly role: "end"; readonly process: DurationProcess }

/**
 * A scoring diagnostic's scores: for a `share` of the units, one `event` a minute after exposure
 * whose value is the calibrated chance of the `outcome` (a once process) given a binormal latent
 * with separation d (AUC Φ(d/√2)); `rates` is the outcome's chance per arm.
 */
export interface ScoreProcess {
  readonly diagnostic: string
  readonly event: string
  readonly outcome: string
  readonly separation: number
  readonly share: number
  readonly rates: ReadonlyMap<string, number>
}

export interface SimulationPlan {
  readonly definition: PilotDefinition
  readonly scenario: Scenario
  readonly control: string
  /** Every variant key in the definition's order. */
  readonly variants: ReadonlyArray<string>
  readonly processes: ReadonlyArray<Process>
  /** Scoring diagnostics' scores, drawn from streams of their own (the metrics' events stay as they were). */
  readonly scores: ReadonlyArray<ScoreProcess>
  /** Duration start events, each emitted once per unit. */
  readonly starts: ReadonlyArray<string>
  readonly producers: ReadonlyMap<string, Producer>
}

type Issue = { readonly path: string; readonly message: string }

const valueModel = (v: ValueDistribution): ValueModel => {
  if ("lognormal" in v) {
    const { median, sigma } = v.lognormal
    const mean = median * Math.exp((sigma * sigma) / 2)
    return { kind: "lognormal", mu: Math.log(median), sigma, mean, meanSquare: mean * mean * Math.exp(sigma * sigma) }
  }
  return scoresModel(v.scores)
}

const scoresModel = (probabilities: ReadonlyArray<number>): ValueModel => ({
  kind: "scores",
  probabilities,
  cumulative: cumulate(probabilities),
  mean: scoreMean(probabilities),
  meanSquare: probabilities.reduce((s, p, i) => s + p * (i + 1) * (i + 1), 0)
})

const countModel = (c: EventCount): CountModel => ("poisson" in c ? { kind: "poisson", mean: c.poisson } : { kind: "share", p: c.share })

const delayModel = (d: Delay | undefined, windowDays: number | undefined): DelayModel => {
  const limitMs = windowDays === undefined ? Infinity : windowDays * DAY_MS
  if (d !== undefined && "uniformDays" in d) return { kind: "uniform", spanMs: Math.min(d.uniformDays * DAY_MS, limitMs) }
  return { kind: "exponential", meanMs: (d?.meanDays ?? 1) * DAY_MS, limitMs }
}

/** Expected events per unit. */
export const countMean = (c: CountModel): number => (c.kind === "poisson" ? c.mean : c.p)

const liftCount = (c: CountModel, lift: number): CountModel =>
  c.kind === "poisson" ? { kind: "poisson", mean: c.mean * (1 + lift) } : { kind: "share", p: c.p * (1 + lift) }

const liftValue = (v: ValueModel, lift: number): ValueModel | undefined => {
  if (lift === 0) return v
  if (v.kind === "lognormal") {
    const f = 1 + lift
    return { ...v, mu: v.mu + Math.log(f), mean: v.mean * f, meanSquare: v.meanSquare * f * f }
  }
  const tilted = tiltScores(v.probabilities, v.mean * (1 + lift))
  return tilted === undefined ? undefined : scoresModel(tilted)
}

/**
 * Correlation of the pre-period aggregate X and post-period aggregate Y of a Poisson process
 * whose rate is multiplied by a frailty F (E F = 1, Var F = v) in both periods; (a, b) are the
 * first and second moments of one event's contribution (1, 1 for a count; E V, E V² for a sum):
 * Cov = λ₁λ₂a₁a₂v, Var X = λ₁b₁ + λ₁²a₁²v (law of total variance), likewise Y.
 */
export const frailtyCorrelation = (l1: number, a1: number, b1: number, l2: number, a2: number, b2: number, v: number): number =>
  (l1 * l2 * a1 * a2 * v) / Math.sqrt((l1 * b1 + l1 * l1 * a1 * a1 * v) * (l2 * b2 + l2 * l2 * a2 * a2 * v))

/** The frailty variance giving correlation `rho` (increasing in v; bisection on log v). */
export const solveFrailtyVariance = (rho: number, l1: number, a1: number, b1: number, l2: number, a2: number, b2: number): number => {
  if (rho <= 0) return 0
  let lo = -30
  let hi = 30
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2
    if (frailtyCorrelation(l1, a1, b1, l2, a2, b2, Math.exp(mid)) < rho) lo = mid
    else hi = mid
  }
  return Math.exp((lo + hi) / 2)
}

const momentsFor = (aggregate: string, value: ValueModel | undefined): readonly [number, number] =>
  aggregate === "count" || value === undefined ? [1, 1] : [value.mean, value.meanSquare]

/**
 * Resolves a scenario against its pilot: the processes to simulate, or every problem found.
 * Lifts are looked up per treatment variant (missing = 0).
 */
export const planSimulation = (
  definition: PilotDefinition,
  scenario: Scenario,
  source = "scenario"
): Either.Either<SimulationPlan, InvalidScenario> => {
  const issues: Array<Issue> = []
  const at = (path: string, message: string) => issues.push({ path, message })
  const control = controlVariant(definition).key as string
  const variants = definition.variants.map((v) => v.key as string)
  const treatments = variants.filter((v) => v !== control)

  if (scenario.pilot !== definition.id) at("pilot", `the scenario is for pilot "${scenario.pilot}", not "${definition.id}"`)
  if (definition.analysisUnit !== undefined && scenario.clusters === undefined) {
    at("clusters", `pilot "${definition.id}" is cluster-randomized (${definition.unit}s): the scenario needs clusters: { count, icc }`)
  }
  if (definition.analysisUnit === undefined && scenario.clusters !== undefined) {
    at("clusters", `pilot "${definition.id}" randomizes ${definition.unit}s one by one: clusters applies to a pilot with an analysisUnit`)
  }

  const metricsByKey = new Map<string, Metric>(definition.metrics.map((m) => [m.key as string, m]))
  for (const key of Object.keys(scenario.metrics)) {
    if (!metricsByKey.has(key)) {
      at(`metrics.${key}`, `"${key}" is not a metric of pilot "${definition.id}" (${[...metricsByKey.keys()].join(", ")})`)
    }
  }
  const split = scenario.defects?.split
  if (split !== undefined) {
    for (const key of Object.keys(split)) {
      if (!variants.includes(key)) at(`defects.split.${key}`, `"${key}" is not a variant (${variants.join(", ")})`)
    }
    for (const key of variants) if (!(key in split)) at("defects.split", `the split needs a weight for every variant; "${key}" has none`)
  }

  const liftOf = (path: string, lifts: Lifts | undefined): ((variant: string) => number) => {
    for (const key of Object.keys(lifts ?? {})) {
      if (key === control) at(`${path}.lift.${key}`, `"${key}" is the control: lifts are relative to it`)
      else if (!treatments.includes(key)) at(`${path}.lift.${key}`, `"${key}" is not a treatment variant (${treatments.join(", ")})`)
    }
    return (variant) => (variant === control ? 0 : (lifts?.[variant] ?? 0))
  }

  const processes: Array<Process> = []
  const starts: Array<string> = []
  const producers = new Map<string, Producer>()
  const produce = (path: string, event: string, producer: Producer) => {
    if (event === EXPOSURE || event === CONSENT) {
      at(path, `"${event}" is reserved for the simulator's own exposure and consent events`)
    } else if (producers.has(event)) {
      at(path, `event "${event}" is already produced by another metric's truth; give each event's truth once`)
    } else {
      producers.set(event, producer)
    }
  }

  const stream = (
    path: string,
    metric: string,
    event: string,
    p: EventProcess,
    liftTarget: "count" | "value",
    lift: (variant: string) => number,
    windowDays: number | undefined
  ): StreamProcess => {
    const base = countModel(p.events)
    const value = p.value === undefined ? undefined : valueModel(p.value)
    const arms = new Map<string, StreamArm>()
    for (const variant of variants) {
      const l = lift(variant)
      if (liftTarget === "value" && value !== undefined) {
        const lifted = liftValue(value, l)
        if (lifted === undefined) at(`${path}.lift.${variant}`, `a lift of ${l} moves the score mean outside the score range`)
        arms.set(variant, { count: base, value: lifted ?? value })
      } else {
        const lifted = liftCount(base, l)
        if (lifted.kind === "share" && lifted.p > 1) at(`${path}.lift.${variant}`, `the lifted share ${lifted.p} exceeds 1`)
        arms.set(variant, { count: lifted, value })
      }
    }
    return { kind: "stream", metric, event, arms, delay: delayModel(p.delay, windowDays), covariate: undefined }
  }

  const truths: Array<readonly [Metric, MetricTruth]> = definition.metrics.flatMap((m) => {
    const t = scenario.metrics[m.key]
    return t === undefined ? [] : [[m, t] as const]
  })
  for (const [metric, truth] of truths) {
    const key = metric.key as string
    const path = `metrics.${key}`
    if (truth.type !== metric.type) {
      at(`${path}.type`, `metric "${key}" is ${metric.type} in the pilot, the truth says ${truth.type}`)
      continue
    }
    const lift = liftOf(path, truth.lift)
    const windowDays = metric.window?.days
    if (truth.type === "binomial" && metric.type === "binomial") {
      const arms = new Map<string, number>()
      for (const variant of variants) {
        const p = truth.rate * (1 + lift(variant))
        if (p > 1) at(`${path}.lift.${variant}`, `rate ${truth.rate} × (1 + ${lift(variant)}) = ${p} exceeds 1`)
        arms.set(variant, Math.min(1, p))
      }
      const process: OnceProcess = {
        kind: "once",
        metric: key,
        event: metric.event,
        arms,
        delay: delayModel(truth.delay, windowDays),
        ...(truth.fade === undefined ? {} : { fade: { factor: truth.fade, control: arms.get(control)! } })
      }
      processes.push(process)
      produce(path, metric.event, { role: "once", process })
    } else if (truth.type === "mean" && metric.type === "mean") {
      const target = metric.aggregate === "count" || truth.value === undefined ? "count" : "value"
      if (metric.aggregate !== "count" && truth.value === undefined) {
        at(`${path}.value`, `"${key}" ${metric.aggregate === "sum" ? "sums" : "averages"} event values: give a value distribution`)
      }
      let process = stream(path, key, metric.event, truth, target, lift, windowDays)
      const cov = metric.covariate
      if (cov !== undefined && truth.covariate === undefined) {
        at(path, `the pilot's metric "${key}" has a covariate (${cov.event}): add covariate: { correlation } to its truth`)
      } else if (cov === undefined && truth.covariate !== undefined) {
        at(`${path}.covariate`, `the pilot's metric "${key}" has no covariate`)
      } else if (cov !== undefined && truth.covariate !== undefined) {
        const controlArm = process.arms.get(control)!
        if (controlArm.count.kind !== "poisson") {
          at(`${path}.events`, "a covariate needs Poisson events (events: { poisson: mean }) to share a propensity")
        } else {
          const preMean = truth.covariate.events ?? (windowDays === undefined ? undefined : (controlArm.count.mean * cov.days) / windowDays)
          if (preMean === undefined) {
            at(`${path}.covariate.events`, `"${key}" has no window, so the pre-period mean cannot be derived: give covariate.events`)
          } else {
            const [a1, b1] = momentsFor(cov.aggregate, controlArm.value)
            const [a2, b2] = momentsFor(metric.aggregate, controlArm.value)
            const frailtyVariance = solveFrailtyVariance(truth.covariate.correlation, preMean, a1, b1, controlArm.count.mean, a2, b2)
            process = { ...process, covariate: { event: cov.event, daysMs: cov.days * DAY_MS, preMean, frailtyVariance } }
          }
        }
      }
      processes.push(process)
      produce(path, metric.event, { role: "stream", process })
    } else if (truth.type === "ratio" && metric.type === "ratio") {
      const num = metric.numerator
      const den = metric.denominator
      if (num.aggregate === "sum" && truth.numerator.value === undefined) at(`${path}.numerator.value`, "the numerator sums values: give a value distribution")
      if (den.aggregate === "sum" && truth.denominator.value === undefined) at(`${path}.denominator.value`, "the denominator sums values: give a value distribution")
      const numerator = stream(path, key, num.event, truth.numerator, num.aggregate === "sum" ? "value" : "count", lift, windowDays)
      const denominator = stream(path, key, den.event, truth.denominator, "count", () => 0, windowDays)
      processes.push(numerator, denominator)
      produce(`${path}.numerator`, num.event, { role: "stream", process: numerator })
      produce(`${path}.denominator`, den.event, { role: "stream", process: denominator })
    } else if (truth.type === "duration" && metric.type === "duration") {
      const unitMs = UNIT_MS[metric.in]
      const arms = new Map(variants.map((v) => [v, Math.log(truth.median * unitMs * (1 + lift(v)))] as const))
      const process: DurationProcess = {
        kind: "duration", metric: key, from: metric.from, to: metric.to, unitMs, completion: truth.completion ?? 1, sigma: truth.sigma, arms
      }
      processes.push(process)
      if (!starts.includes(metric.from)) {
        produce(path, metric.from, { role: "start" })
        starts.push(metric.from)
      }
      produce(path, metric.to, { role: "end", process })
    }
  }

  // Metrics without truth must be derivable from the events other truths produce.
  for (const metric of definition.metrics) {
    if (scenario.metrics[metric.key] !== undefined) continue
    const problem = derivationProblem(metric, producers)
    if (problem !== undefined) at("metrics", `no truth for metric "${metric.key}" (${metric.type}) and ${problem}: add metrics.${metric.key}`)
  }

  // A conversion's cancelling events (`unless`) count inside its window only: their truths must
  // draw them inside the same window, or the true value (TrueEffects) would count later ones.
  for (const metric of definition.metrics) {
    if (metric.type !== "binomial" || metric.unless === undefined || metric.window === undefined) continue
    const windowMs = metric.window.days * DAY_MS
    for (const cancel of metric.unless) {
      const producer = producers.get(cancel)
      const process = producer?.role === "once" || producer?.role === "stream" ? producer.process : undefined
      const reach = process === undefined ? 0 : process.delay.kind === "exponential" ? process.delay.limitMs : process.delay.spanMs
      if (process !== undefined && reach > windowMs) {
        at(`metrics.${process.metric}`, `"${cancel}" cancels "${metric.key}" within ${metric.window.days} days, but its truth draws it up to ${reach === Infinity ? "any time" : `${+(reach / DAY_MS).toFixed(2)} days`} after exposure: give its metric the same window`)
      }
    }
  }

  // Scoring diagnostics' truths: scores of a binomial truth's outcome.
  const scores: Array<ScoreProcess> = []
  for (const [key, truth] of Object.entries(scenario.diagnostics ?? {})) {
    const path = `diagnostics.${key}`
    const diagnostic = definition.diagnostics?.find((d) => d.key === key)
    if (diagnostic === undefined || diagnostic.type !== "scoring") {
      const scoring = (definition.diagnostics ?? []).filter((d) => d.type === "scoring").map((d) => d.key)
      at(path, `"${key}" is not a scoring diagnostic of pilot "${definition.id}"${scoring.length === 0 ? "" : ` (${scoring.join(", ")})`}`)
      continue
    }
    const outcome = producers.get(diagnostic.outcome)
    if (outcome?.role !== "once") {
      at(path, `the outcome "${diagnostic.outcome}" of "${key}" must be a binomial metric's event with a truth in this scenario`)
      continue
    }
    if (producers.has(diagnostic.score) || scores.some((s) => s.event === diagnostic.score)) {
      at(path, `the score event "${diagnostic.score}" is already produced by another truth`)
      continue
    }
    scores.push({
      diagnostic: key,
      event: diagnostic.score,
      outcome: diagnostic.outcome,
      separation: Math.SQRT2 * normalQuantile(truth.auc),
      share: truth.share ?? 1,
      rates: outcome.process.arms
    })
  }

  if (issues.length > 0) {
    return Either.left(new InvalidScenario({ source, issues: issues.map((i) => new ScenarioIssue(i)) }))
  }
  return Either.right({ definition, scenario, control, variants, processes, scores, starts, producers })
}

/** Why a metric's true value cannot be derived from the producers, or undefined when it can. */
const derivationProblem = (metric: Metric, producers: ReadonlyMap<string, Producer>): string | undefined => {
  const needs = (event: string, aggregate: "count" | "sum" | "mean"): string | undefined => {
    const p = producers.get(event)
    if (p === undefined) return `no other truth produces its event "${event}"`
    if (aggregate === "count") return undefined
    return p.role === "stream" && p.process.arms.values().next().value?.value !== undefined
      ? undefined
      : `its event "${event}" carries no values to ${aggregate}`
  }
  switch (metric.type) {
    case "binomial":
      return needs(metric.event, "count")
    case "mean":
      return needs(metric.event, metric.aggregate)
    case "ratio":
      return needs(metric.numerator.event, metric.numerator.aggregate) ?? needs(metric.denominator.event, metric.denominator.aggregate)
    case "duration":
      return "a duration's truth is never derived"
    case "quantile": {
      // the quantile of a duration another truth produces, or of a value as a mean would read it
      const of = metric.of
      if ("event" in of) return needs(of.event, of.aggregate)
      const end = producers.get(of.to)
      return end?.role === "end" && end.process.from === of.from
        ? undefined
        : `no duration truth produces "${of.from}" → "${of.to}"`
    }
  }
}

/** The plan, or throws `InvalidScenario` (for callers that already checked the scenario). */
export const planOrThrow = (definition: PilotDefinition, scenario: Scenario): SimulationPlan =>
  Either.getOrThrowWith(planSimulation(definition, scenario), (e) => e)
