/**
 * The validity suite's simulations, shared by the full suite (`test/validity/*.test.ts`, run by
 * `npm run validity`) and its small version (`test/validity.test.ts`, run by `npm test`).
 *
 * Everything runs in memory on sufficient statistics built from simulated per-unit values, with
 * randomness from `makeRandom(seed)`, through the real pure functions: `@pilotproof/analysis`' `compareMetric`
 * picks and runs the test exactly as `Analysis.analyze` does, and `decide(decisionInput(...))`
 * is the policy `Analysis.evaluate` applies. Nothing here re-implements a test or a rule.
 */
import { adjustSuccessMetrics, type AnalysisPlan, compareMetric, noveltyOf, segmentAnalysesOf, type WeekStats } from "@pilotproof/analysis"
import { type AnalysisReport, Metric, type MetricAnalysis, PilotDefinition } from "@pilotproof/domain"
import { type Decision, decide } from "@pilotproof/decision"
import { evaluate } from "@pilotproof/economics"
import { analysisPlan, decisionInput, economicsModel, metricPlanOf, plannedSampleSizePerArm, treatmentEconomics } from "@pilotproof/engine"
import { makeRandom, type Random, sampleRatioMismatch, type VariantStats } from "@pilotproof/stats"
import { Schema } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"

// ---------------------------------------------------------------------------------------------
// Metrics and per-unit simulation
// ---------------------------------------------------------------------------------------------

export const CONTROL = "control"
export const TREATMENT = "treatment"

const decodeMetric = Schema.decodeUnknownSync(Metric)

export const binomialMetric: Metric = decodeMetric({
  key: "converted",
  role: "primary",
  type: "binomial",
  event: "deal_won",
  direction: "increase"
})

export const durationMetric: Metric = decodeMetric({
  key: "handle_minutes",
  role: "primary",
  type: "duration",
  from: "assigned",
  to: "resolved",
  in: "minutes",
  direction: "decrease"
})

/** Running Σy, Σy² of one arm; `toStats` gives the `VariantStats` the store would produce. */
class Accumulator {
  n = 0
  sum = 0
  sumSquares = 0
  add(y: number): void {
    this.n++
    this.sum += y
    this.sumSquares += y * y
  }
  moments(): VariantStats {
    return { _tag: "Moments", moments: { n: this.n, sum: this.sum, sumSquares: this.sumSquares } }
  }
  duration(): VariantStats {
    return { _tag: "Duration", moments: { n: this.n, sum: this.sum, sumSquares: this.sumSquares }, open: 0 }
  }
}

/** n Bernoulli(p) units: the conversions count, as the store aggregates a binomial metric. */
const bernoulliArm = (rng: Random, n: number, p: number, acc = new Accumulator()): Accumulator => {
  for (let i = 0; i < n; i++) acc.add(rng.uniform() < p ? 1 : 0)
  return acc
}

/** n log-normal units exp(N(μ, σ²)) (median e^μ), as the store aggregates a duration metric. */
const lognormalArm = (rng: Random, n: number, mu: number, sigma: number, acc = new Accumulator()): Accumulator => {
  for (let i = 0; i < n; i++) acc.add(rng.lognormal(mu, sigma))
  return acc
}

const FIXED_PLAN: AnalysisPlan = { alpha: 0.05, sides: 2, sequential: false, mde: 0.2, baseline: 0.08 }

const comparison = (metric: Metric, control: VariantStats, treatment: VariantStats, plan: AnalysisPlan) =>
  compareMetric(metric, { [CONTROL]: control, [TREATMENT]: treatment }, CONTROL, [TREATMENT], plan).comparisons[0]!

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

/** A share estimated from `runs` independent simulated pilots, with its Monte Carlo SE. */
export interface Rate {
  readonly hits: number
  readonly runs: number
  readonly rate: number
  /** √(r(1 − r)/runs). */
  readonly se: number
}

export const rateOf = (hits: number, runs: number): Rate => {
  const rate = runs === 0 ? 0 : hits / runs
  return { hits, runs, rate, se: runs === 0 ? 0 : Math.sqrt((rate * (1 - rate)) / runs) }
}

/** The binomial SE a rate would have at its nominal value (what the acceptance band is built on). */
export const nominalSe = (nominal: number, runs: number): number => Math.sqrt((nominal * (1 - nominal)) / runs)

export const pct = (x: number, digits = 2): string => `${(100 * x).toFixed(digits)}%`
export const showRate = (r: Rate): string => `${pct(r.rate)} ± ${pct(r.se)} (${r.hits}/${r.runs})`

/** A plain table for the console: one row per figure. */
export const table = (title: string, rows: ReadonlyArray<readonly [string, string]>): string => {
  const width = Math.max(...rows.map(([k]) => k.length))
  return [`\n${title}`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join("\n")
}

// ---------------------------------------------------------------------------------------------
// 1. A/A false-positive rate at a fixed horizon
// ---------------------------------------------------------------------------------------------

export interface AaOptions {
  readonly pilots: number
  readonly seed: number
  /** 1: a one-sided plan (p on the metric's good side); default 2. */
  readonly sides?: 1 | 2
}

/** A/A pilots of a binomial metric (rate p, n per arm), fixed-horizon plan: share of p < α. */
export const aaBinomial = (o: AaOptions & { readonly p: number; readonly n: number }): Rate & { readonly method: string } => {
  const rng = makeRandom(o.seed)
  let hits = 0
  let method = ""
  for (let i = 0; i < o.pilots; i++) {
    const c = bernoulliArm(rng, o.n, o.p).moments()
    const t = bernoulliArm(rng, o.n, o.p).moments()
    const r = comparison(binomialMetric, c, t, { ...FIXED_PLAN, sides: o.sides ?? 2 })
    method = r.method
    if (r.pValue < FIXED_PLAN.alpha) hits++
  }
  return { ...rateOf(hits, o.pilots), method }
}

/** A/A pilots of a skewed duration (log-normal, median `median`, log-SD σ, n per arm). */
export const aaLognormal = (o: AaOptions & { readonly median: number; readonly sigma: number; readonly n: number }): Rate & { readonly method: string } => {
  const rng = makeRandom(o.seed)
  const mu = Math.log(o.median)
  let hits = 0
  let method = ""
  for (let i = 0; i < o.pilots; i++) {
    const c = lognormalArm(rng, o.n, mu, o.sigma).duration()
    const t = lognormalArm(rng, o.n, mu, o.sigma).duration()
    const r = comparison(durationMetric, c, t, { ...FIXED_PLAN, sides: o.sides ?? 2, baseline: o.median, mde: 0.1 })
    method = r.method
    if (r.pValue < FIXED_PLAN.alpha) hits++
  }
  return { ...rateOf(hits, o.pilots), method }
}

/** A quantile of the log-normal handle time: p`quantile` of assigned → resolved, in minutes. */
const quantileMetric = (quantile: number): Metric => decodeMetric({
  key: `handle_p${Math.round(quantile * 100)}`,
  role: "secondary",
  type: "quantile",
  quantile,
  of: { from: "assigned", to: "resolved", in: "minutes" },
  direction: "decrease"
})

/**
 * A/A pilots of a quantile metric: n log-normal units per arm (median `median`, log-SD σ), each
 * arm's duration statistics and per-unit values passed to `compareMetric` as the engine passes the
 * store's (the quantile is compared on the values): share of p < α.
 */
export const aaQuantile = (o: AaOptions & { readonly quantile: number; readonly median: number; readonly sigma: number; readonly n: number }): Rate & { readonly method: string } => {
  const rng = makeRandom(o.seed)
  const metric = quantileMetric(o.quantile)
  const mu = Math.log(o.median)
  let hits = 0
  let method = ""
  for (let i = 0; i < o.pilots; i++) {
    const values = [CONTROL, TREATMENT].map(() => Float64Array.from({ length: o.n }, () => rng.lognormal(mu, o.sigma)))
    const stats = Object.fromEntries([CONTROL, TREATMENT].map((v, k) => {
      const acc = new Accumulator()
      for (const y of values[k]!) acc.add(y)
      return [v, acc.duration()]
    }))
    const r = compareMetric(metric, stats, CONTROL, [TREATMENT], { ...FIXED_PLAN, sides: o.sides ?? 2 }, { [CONTROL]: values[0]!, [TREATMENT]: values[1]! }).comparisons[0]!
    method = r.method
    if (r.pValue < FIXED_PLAN.alpha) hits++
  }
  return { ...rateOf(hits, o.pilots), method }
}

/**
 * The segment analysis's error rates: pilots whose units fall into `segments` equal-sized values
 * (n per arm and value), a binomial primary at rate `p` with the same relative lift `lift` in every
 * value but the last, where it is `lastLift`. Each pilot's values are compared by
 * `segmentAnalysesOf` as the engine compares the store's per-segment statistics; returned: the
 * share where Cochran's Q rejects at α, and the share where some value's Holm-adjusted p < α
 * shows the effect on the wrong side (an effect of the opposite sign "found" in a subgroup).
 */
export const segmentFlags = (o: AaOptions & {
  readonly segments: number
  readonly n: number
  readonly p: number
  readonly lift: number
  readonly lastLift?: number
}): { readonly heterogeneity: Rate; readonly wrongSide: Rate } => {
  const rng = makeRandom(o.seed)
  let q = 0
  let wrong = 0
  for (let i = 0; i < o.pilots; i++) {
    const rows = Array.from({ length: o.segments }, (_, k) => {
      const lift = k === o.segments - 1 ? o.lastLift ?? o.lift : o.lift
      return { value: `s${k}`, stats: { [CONTROL]: bernoulliArm(rng, o.n, o.p).moments(), [TREATMENT]: bernoulliArm(rng, o.n, o.p * (1 + lift)).moments() } }
    })
    const [analysis] = segmentAnalysesOf(binomialMetric, "segment", rows, CONTROL, [TREATMENT], FIXED_PLAN)
    if (analysis!.heterogeneity.pValue < FIXED_PLAN.alpha) q++
    if (analysis!.values.some((v) => v.adjustedPValue < FIXED_PLAN.alpha && v.estimate < 0)) wrong++
  }
  return { heterogeneity: rateOf(q, o.pilots), wrongSide: rateOf(wrong, o.pilots) }
}

/** The outcome of a cluster-randomized A/A run: the cluster-level test's rate and the naive per-unit one. */
export interface ClusterAaResult {
  readonly cluster: Rate & { readonly method: string }
  readonly naive: Rate & { readonly method: string }
}

/**
 * A/A pilots randomized by cluster (managers): `clustersPerArm` clusters per arm, each with
 * round(m·U(0.5, 1.5)) units (deals; m = `meanSize`), the cluster's rate Beta-distributed around
 * `p` with intra-cluster correlation `icc` (a = p(1 − ICC)/ICC, b = (1 − p)(1 − ICC)/ICC), the
 * units Bernoulli at their cluster's rate. Each pilot is analysed twice by `compareMetric`: on
 * per-cluster totals (`Clusters` stats, as the store aggregates a cluster-randomized pilot: the
 * cluster-level t) and naively as if every deal were randomized on its own (`Moments`: the z-test).
 */
export const aaClusters = (o: AaOptions & {
  readonly clustersPerArm: number
  readonly icc: number
  readonly meanSize?: number
  readonly p?: number
  /** The treatment arm's rate (default p: an A/A pilot); with it, the rates are the power. */
  readonly treatmentP?: number
  /** Every cluster of exactly `meanSize` units (default: round(m·U(0.5, 1.5))). */
  readonly equalSizes?: boolean
}): ClusterAaResult => {
  const rng = makeRandom(o.seed)
  const m = o.meanSize ?? 30
  const arm = (p: number) => {
    const a = (p * (1 - o.icc)) / o.icc
    const b = ((1 - p) * (1 - o.icc)) / o.icc
    let n = 0, sumX = 0, sumY = 0, sumX2 = 0, sumY2 = 0, sumXY = 0, units = 0, conversions = 0
    for (let c = 0; c < o.clustersPerArm; c++) {
      const size = o.equalSizes === true ? m : Math.max(1, Math.round(m * (0.5 + rng.uniform())))
      const rate = rng.beta(a, b)
      let y = 0
      for (let i = 0; i < size; i++) if (rng.uniform() < rate) y++
      n++
      sumX += y
      sumX2 += y * y
      sumY += size
      sumY2 += size * size
      sumXY += y * size
      units += size
      conversions += y
    }
    const clustered: VariantStats = { _tag: "Clusters", moments: { n, sumX, sumY, sumX2, sumY2, sumXY }, units, open: 0 }
    const naive: VariantStats = { _tag: "Moments", moments: { n: units, sum: conversions, sumSquares: conversions } }
    return { clustered, naive }
  }
  let clusterHits = 0
  let naiveHits = 0
  let clusterMethod = ""
  let naiveMethod = ""
  const p = o.p ?? 0.2
  for (let i = 0; i < o.pilots; i++) {
    const c = arm(p)
    const t = arm(o.treatmentP ?? p)
    const clustered = comparison(binomialMetric, c.clustered, t.clustered, FIXED_PLAN)
    const naive = comparison(binomialMetric, c.naive, t.naive, FIXED_PLAN)
    clusterMethod = clustered.method
    naiveMethod = naive.method
    if (clustered.pValue < FIXED_PLAN.alpha) clusterHits++
    if (naive.pValue < FIXED_PLAN.alpha) naiveHits++
  }
  return { cluster: { ...rateOf(clusterHits, o.pilots), method: clusterMethod }, naive: { ...rateOf(naiveHits, o.pilots), method: naiveMethod } }
}

/**
 * The novelty check's error rates: pilots of `weeks` weekly cohorts of `perWeek` units per arm, a
 * binomial primary at rate `p` in control whose relative lift is `lift`·`fade`^w in week w (fade 1:
 * a steady effect). Each pilot's cohorts are compared and trended by `noveltyOf`, exactly as the
 * engine does with the store's per-week statistics; the share flagged `decaying` is returned.
 */
export const noveltyFlags = (o: AaOptions & {
  readonly weeks: number
  readonly perWeek: number
  readonly p: number
  readonly lift: number
  readonly fade: number
}): Rate => {
  const rng = makeRandom(o.seed)
  let hits = 0
  for (let i = 0; i < o.pilots; i++) {
    const weeks: Array<WeekStats> = []
    let pooled = 0
    for (let w = 0; w < o.weeks; w++) {
      const c = bernoulliArm(rng, o.perWeek, o.p).moments()
      const t = bernoulliArm(rng, o.perWeek, o.p * (1 + o.lift * o.fade ** w)).moments()
      pooled += (t.moments as { sum: number }).sum - (c.moments as { sum: number }).sum
      weeks.push({ week: w, from: `week ${w}`, stats: { [CONTROL]: c, [TREATMENT]: t } })
    }
    const novelty = noveltyOf(binomialMetric, weeks, CONTROL, TREATMENT, FIXED_PLAN, pooled / (o.weeks * o.perWeek))
    if (novelty?.decaying === true) hits++
  }
  return rateOf(hits, o.pilots)
}

// ---------------------------------------------------------------------------------------------
// 2. Peeking: daily looks at an A/A pilot
// ---------------------------------------------------------------------------------------------

export interface PeekingResult {
  /** Stopped at some look with the always-valid (mSPRT) p < α. */
  readonly sequential: Rate
  /** Stopped at some look with the fixed-horizon p < α (the naive daily check). */
  readonly naive: Rate
  /** Only the last look with the fixed-horizon test (what the design allows). */
  readonly finalLookOnly: Rate
  readonly sequentialMethod: string
}

/**
 * A/A pilots gaining `perDay` units per arm each day, analysed after every day for `looks`
 * days: the same data read by the sequential plan (mSPRT, τ = baseline × MDE)
 * and by the fixed-horizon test. A pilot "stops falsely" at its first look with p < α.
 */
export const peeking = (o: AaOptions & {
  readonly perDay: number
  readonly looks: number
  readonly mde: number
  /** A binomial metric with this rate, or a log-normal duration with this median and log-SD. */
  readonly metric: { readonly p: number } | { readonly median: number; readonly sigma: number }
  /** The asymptotic confidence sequence tuned at N* in place of mSPRT. */
  readonly sequentialMethod?: AnalysisPlan["sequentialMethod"]
}): PeekingResult => {
  const rng = makeRandom(o.seed)
  const m = o.metric
  const metric = "p" in m ? binomialMetric : durationMetric
  const baseline = "p" in m ? m.p : m.median
  const addDay = (acc: Accumulator) =>
    "p" in m ? bernoulliArm(rng, o.perDay, m.p, acc) : lognormalArm(rng, o.perDay, Math.log(m.median), m.sigma, acc)
  const stats = (acc: Accumulator) => ("p" in m ? acc.moments() : acc.duration())
  const sequentialPlan: AnalysisPlan = { alpha: 0.05, sides: o.sides ?? 2, sequential: true, sequentialMethod: o.sequentialMethod, mde: o.mde, baseline }
  const fixedPlan: AnalysisPlan = { ...sequentialPlan, sequential: false }
  let seqHits = 0
  let naiveHits = 0
  let finalHits = 0
  let sequentialMethod = ""
  for (let i = 0; i < o.pilots; i++) {
    const c = new Accumulator()
    const t = new Accumulator()
    let seqStopped = false
    let naiveStopped = false
    for (let day = 1; day <= o.looks; day++) {
      addDay(c)
      addDay(t)
      if (!seqStopped) {
        const s = comparison(metric, stats(c), stats(t), sequentialPlan)
        sequentialMethod = s.method
        if (s.pValue < sequentialPlan.alpha) seqStopped = true
      }
      if (!naiveStopped || day === o.looks) {
        const f = comparison(metric, stats(c), stats(t), fixedPlan)
        if (f.pValue < fixedPlan.alpha) {
          naiveStopped = true
          if (day === o.looks) finalHits++
        }
      }
    }
    if (seqStopped) seqHits++
    if (naiveStopped) naiveHits++
  }
  return {
    sequential: rateOf(seqHits, o.pilots),
    naive: rateOf(naiveHits, o.pilots),
    finalLookOnly: rateOf(finalHits, o.pilots),
    sequentialMethod
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Power at the planned sample size
// ---------------------------------------------------------------------------------------------

/**
 * Binomial pilots with a true absolute lift `delta` over `baseline`, n per arm (the planned
 * size), fixed-horizon plan: the share that rejects with the estimate on the good side.
 */
export const power = (o: AaOptions & { readonly baseline: number; readonly delta: number; readonly n: number; readonly sequential?: boolean }): Rate => {
  const rng = makeRandom(o.seed)
  let hits = 0
  // a sequential plan is read here at its last look only: the power the planner promises
  const plan: AnalysisPlan = { ...FIXED_PLAN, sides: o.sides ?? 2, baseline: o.baseline, sequential: o.sequential ?? false, mde: o.delta / o.baseline }
  for (let i = 0; i < o.pilots; i++) {
    const c = bernoulliArm(rng, o.n, o.baseline).moments()
    const t = bernoulliArm(rng, o.n, o.baseline + o.delta).moments()
    const r = comparison(binomialMetric, c, t, plan)
    if (r.pValue < FIXED_PLAN.alpha && r.absolute.estimate > 0) hits++
  }
  return rateOf(hits, o.pilots)
}

// ---------------------------------------------------------------------------------------------
// 4. Decision quality on a real pilot file
// ---------------------------------------------------------------------------------------------

export const EXPERIMENT = "experiments/support-bot-lead-qualification.yaml"

export const loadDefinition = (path = EXPERIMENT): PilotDefinition =>
  Schema.decodeUnknownSync(PilotDefinition)(
    parse(readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), "utf8"))
  )

/** The true effects of one simulated pilot (treatment − control, absolute, per lead). */
export interface TrueEffects {
  readonly scenario: "null" | "small" | "large" | "costly" | "harmful"
  /** converted: absolute change in the conversion rate. */
  readonly converted: number
  /** handle_minutes: change in manager minutes per lead (negative saves money). */
  readonly handle: number
  /** first_reply_minutes: multiplicative change of the time to first reply. */
  readonly replyFactor: number
  /** complaint: absolute change in the complaint rate (guardrail, margin 0.01). */
  readonly complaint: number
}

/**
 * The prior the pilots' true effects are drawn from (the share of each scenario in brackets):
 * - null (45 %): the bot changes nothing that matters (conversion, minutes, complaints as control;
 *   it still replies faster, which is not valued);
 * - small (25 %): relative conversion lift ~ N(4 %, 5 %), minutes ~ N(0, 0.5);
 * - large (12 %): relative lift ~ U(15 %, 35 %), minutes ~ N(−1, 0.5);
 * - costly (8 %): relative lift ~ U(5 %, 20 %) but managers spend ~ U(+2, +4) more minutes per
 *   lead, which can sink the NPV although the primary improves;
 * - harmful (10 %): relative lift ~ U(0 %, 25 %) and complaints up by U(1.5, 3) points, beyond
 *   the guardrail's margin of 1 point.
 */
export const drawEffects = (rng: Random, baseline: number): TrueEffects => {
  const u = rng.uniform()
  const between = (a: number, b: number) => a + (b - a) * rng.uniform()
  const faster = between(0.05, 0.3)
  if (u < 0.45) return { scenario: "null", converted: 0, handle: 0, replyFactor: faster, complaint: 0 }
  if (u < 0.70) return { scenario: "small", converted: baseline * rng.normal(0.04, 0.05), handle: rng.normal(0, 0.5), replyFactor: faster, complaint: 0 }
  if (u < 0.82) return { scenario: "large", converted: baseline * between(0.15, 0.35), handle: rng.normal(-1, 0.5), replyFactor: faster, complaint: 0 }
  if (u < 0.90) return { scenario: "costly", converted: baseline * between(0.05, 0.2), handle: between(2, 4), replyFactor: faster, complaint: 0 }
  return { scenario: "harmful", converted: baseline * between(0, 0.25), handle: rng.normal(0, 0.5), replyFactor: faster, complaint: between(0.015, 0.03) }
}

/** Control-arm levels of the simulated support bot pilot. */
const LEVELS = {
  /** Manager minutes per lead: gamma with mean 20 and SD 12. */
  handleMean: 20,
  handleSd: 12,
  /** Time to first reply: log-normal, median 45 min, log-SD 1. */
  replyMedian: 45,
  replySigma: 1,
  complaint: 0.02
} as const

export interface PilotOutcome {
  readonly effects: TrueEffects
  readonly trueNpv: number
  /** The guardrail's true effect is beyond its margin. */
  readonly trulyHarmful: boolean
  /** The policy at the planned sample (day 30). */
  readonly first: Decision
  /** The policy's last word: day 30, or day 60 (`maxDays`, twice the units) if day 30 said EXTEND. */
  readonly final: Decision
  /** The naive rule at the planned sample: the primary better with the fixed-horizon p < α. */
  readonly naiveGo: boolean
}

type Arm = Record<string, Accumulator>

const newArm = (): Arm => ({
  converted: new Accumulator(),
  first_reply_minutes: new Accumulator(),
  handle_minutes: new Accumulator(),
  complaint: new Accumulator()
})

/** Adds n leads to one arm of the support bot pilot (the four metrics' running sums). */
const addLeads = (rng: Random, arm: Arm, n: number, e: TrueEffects | undefined, baseline: number): void => {
  const mean = LEVELS.handleMean + (e?.handle ?? 0)
  // Gamma with the control's SD and the arm's mean: shape k = (mean/sd)², rate k/mean.
  const k = (mean / LEVELS.handleSd) ** 2
  const muReply = Math.log(LEVELS.replyMedian * (e?.replyFactor ?? 1))
  const pConv = baseline + (e?.converted ?? 0)
  const pComplaint = LEVELS.complaint + (e?.complaint ?? 0)
  for (let i = 0; i < n; i++) {
    arm["converted"]!.add(rng.uniform() < pConv ? 1 : 0)
    arm["first_reply_minutes"]!.add(rng.lognormal(muReply, LEVELS.replySigma))
    arm["handle_minutes"]!.add(rng.gamma(k, k / mean))
    arm["complaint"]!.add(rng.uniform() < pComplaint ? 1 : 0)
  }
}

const armStats = (d: PilotDefinition, arm: Arm, key: string): VariantStats => {
  const metric = d.metrics.find((m) => m.key === key)!
  return metric.type === "duration" ? arm[key]!.duration() : arm[key]!.moments()
}

/**
 * The policy's decision on the data so far, as `Analysis.evaluate` makes it: every metric
 * through `compareMetric` under the file's plan (sequential: mSPRT intervals), Holm across the
 * success metrics, `treatmentEconomics` (10 000 seeded Monte Carlo draws), `decisionInput`,
 * `decide`. Readiness is clean and the split exact (SRM p = 1): the data-validity rule is not
 * what is being tested here.
 */
const policyDecision = (d: PilotDefinition, control: Arm, treatment: Arm, days: number, seed: number): Decision => {
  const controlKey = d.variants[0]!.key
  const treatmentKey = d.variants[1]!.key
  // the engine's own plan and per-metric plan, as `Analysis.analyze` reads them
  const plan = analysisPlan(d)
  const metrics: Array<MetricAnalysis> = d.metrics.map((m) => {
    const stats = { [controlKey]: armStats(d, control, m.key), [treatmentKey]: armStats(d, treatment, m.key) }
    return compareMetric(m, stats, controlKey, [treatmentKey], metricPlanOf(plan, m))
  })
  const adjusted = adjustSuccessMetrics(metrics)
  const nC = control["converted"]!.n
  const nT = treatment["converted"]!.n
  const units = { [controlKey]: nC, [treatmentKey]: nT }
  const srm = sampleRatioMismatch([nC, nT], d.variants.map((v) => v.weight))
  const planned = plannedSampleSizePerArm(d)
  const analysis: AnalysisReport = {
    pilotId: d.id,
    name: d.name,
    status: "running",
    asOf: "2026-01-01T00:00:00.000Z",
    alpha: d.plan.alpha,
    ...(d.plan.sides === 1 ? { sides: 1 as const } : {}),
    sequential: d.plan.sequential,
    control: controlKey,
    treatments: [treatmentKey],
    runtime: { days, minDays: d.plan.minDays, maxDays: d.plan.maxDays },
    plannedPerArm: planned,
    readiness: {
      pilotId: d.id,
      asOf: "2026-01-01T00:00:00.000Z",
      status: "pass",
      exposure: { units, multiVariantUnits: 0, withoutConsent: 0, assignmentMismatches: 0 },
      plannedPerArm: planned,
      srm: { pValue: srm.pValue, statistic: srm.statistic, observed: units, expectedShare: { [controlKey]: 0.5, [treatmentKey]: 0.5 } },
      checks: []
    },
    metrics: adjusted
  }
  return decide(decisionInput(d, analysis, [treatmentEconomics(d, adjusted, treatmentKey, seed)]))
}

/**
 * One simulated pilot of `d` (the support bot file) with true effects `e`. The policy reads it
 * at the planned sample size on day 30 and, if it says EXTEND, again on day 60 (`maxDays`) with
 * twice the units, as a sequential plan allows. The naive rule reads the primary once, at the
 * planned sample, with the plain fixed-horizon test.
 */
export const simulatePilot = (d: PilotDefinition, e: TrueEffects, rng: Random, seed: number): PilotOutcome => {
  const n = plannedSampleSizePerArm(d)
  const baseline = d.plan.baseline!
  const control = newArm()
  const treatment = newArm()
  addLeads(rng, control, n, undefined, baseline)
  addLeads(rng, treatment, n, e, baseline)
  const controlKey = d.variants[0]!.key
  const treatmentKey = d.variants[1]!.key

  const primary = d.metrics.find((m) => m.role === "primary")!
  const fixedPlan: AnalysisPlan = { alpha: d.plan.alpha, sides: d.plan.sides ?? 2, sequential: false, mde: d.plan.mde, baseline }
  const naive = compareMetric(
    primary,
    { [controlKey]: armStats(d, control, primary.key), [treatmentKey]: armStats(d, treatment, primary.key) },
    controlKey,
    [treatmentKey],
    fixedPlan
  ).comparisons[0]!
  const naiveGo = naive.pValue < d.plan.alpha && (primary.direction === "increase" ? naive.absolute.estimate > 0 : naive.absolute.estimate < 0)

  const first = policyDecision(d, control, treatment, 30, seed)
  let final = first
  if (first.verdict === "EXTEND") {
    addLeads(rng, control, n, undefined, baseline)
    addLeads(rng, treatment, n, e, baseline)
    final = policyDecision(d, control, treatment, d.plan.maxDays, seed)
  }

  const truth = evaluate(economicsModel(d), { converted: e.converted, handle_minutes: e.handle })
  if (!truth.ok) throw new Error(`true NPV not computable: ${truth.message}`)
  const margin = d.metrics.find((m) => m.key === "complaint")?.margin ?? 0
  return { effects: e, trueNpv: truth.npv, trulyHarmful: e.complaint > margin, first, final, naiveGo }
}

export interface RuleQuality {
  readonly go: Rate
  /** GO when the true NPV < 0, among all pilots. */
  readonly wrongGo: Rate
  /** GO when a guardrail is truly beyond its margin, among all pilots. */
  readonly harmfulGo: Rate
  /** Share of GOs that are wrong (true NPV < 0 or a truly breached guardrail). */
  readonly badShareOfGos: Rate
  /** Not GO, among the clearly worthwhile pilots. */
  readonly missedGo: Rate
}

export interface DecisionQuality {
  readonly pilots: number
  readonly plannedPerArm: number
  readonly npvNegative: number
  readonly clearlyWorthwhile: number
  /** True NPV at which a pilot counts as clearly worthwhile. */
  readonly clearNpv: number
  /** The policy at day 30 (planned sample). */
  readonly policyFirst: RuleQuality
  /** The policy's last word (day 30, or day 60 after an EXTEND). */
  readonly policy: RuleQuality
  readonly naive: RuleQuality
  /** Final policy verdicts by the check that decided them, e.g. "ITERATE (no-effect)". */
  readonly verdicts: Readonly<Record<string, number>>
  readonly byScenario: Readonly<Record<string, { readonly pilots: number; readonly npvNegative: number; readonly policyGo: number; readonly naiveGo: number }>>
}

/**
 * `pilots` simulated support bot pilots with true effects from `drawEffects`. A pilot is
 * clearly worthwhile when no guardrail is truly breached and its true NPV is at least
 * `clearNpv`: the NPV of the plan's MDE on conversion with minutes unchanged, i.e. an effect the
 * design is powered to find.
 */
export const decisionQuality = (o: AaOptions & { readonly definition?: PilotDefinition }): DecisionQuality => {
  const d = o.definition ?? loadDefinition()
  const baseline = d.plan.baseline!
  const rng = makeRandom(o.seed)
  const mdeNpv = evaluate(economicsModel(d), { converted: baseline * d.plan.mde, handle_minutes: 0 })
  if (!mdeNpv.ok) throw new Error(`NPV at the MDE not computable: ${mdeNpv.message}`)
  const clearNpv = mdeNpv.npv
  const outcomes: Array<PilotOutcome> = []
  for (let i = 0; i < o.pilots; i++) outcomes.push(simulatePilot(d, drawEffects(rng, baseline), rng, o.seed + i))
  const clear = outcomes.filter((x) => !x.trulyHarmful && x.trueNpv >= clearNpv)
  const quality = (go: (x: PilotOutcome) => boolean): RuleQuality => {
    const gos = outcomes.filter(go)
    return {
      go: rateOf(gos.length, outcomes.length),
      wrongGo: rateOf(gos.filter((x) => x.trueNpv < 0).length, outcomes.length),
      harmfulGo: rateOf(gos.filter((x) => x.trulyHarmful).length, outcomes.length),
      badShareOfGos: rateOf(gos.filter((x) => x.trueNpv < 0 || x.trulyHarmful).length, gos.length),
      missedGo: rateOf(clear.filter((x) => !go(x)).length, clear.length)
    }
  }
  const verdicts: Record<string, number> = {}
  const byScenario: Record<string, { pilots: number; npvNegative: number; policyGo: number; naiveGo: number }> = {}
  for (const x of outcomes) {
    const key = `${x.final.verdict} (${x.final.decidedBy})`
    verdicts[key] = (verdicts[key] ?? 0) + 1
    const s = (byScenario[x.effects.scenario] ??= { pilots: 0, npvNegative: 0, policyGo: 0, naiveGo: 0 })
    s.pilots++
    if (x.trueNpv < 0) s.npvNegative++
    if (x.final.verdict === "GO") s.policyGo++
    if (x.naiveGo) s.naiveGo++
  }
  return {
    pilots: o.pilots,
    plannedPerArm: plannedSampleSizePerArm(d),
    npvNegative: outcomes.filter((x) => x.trueNpv < 0).length,
    clearlyWorthwhile: clear.length,
    clearNpv,
    policyFirst: quality((x) => x.first.verdict === "GO"),
    policy: quality((x) => x.final.verdict === "GO"),
    naive: quality((x) => x.naiveGo),
    verdicts,
    byScenario
  }
}
