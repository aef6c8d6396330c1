/**
 * Analysing a pilot and deciding it: readiness and SRM, every metric's comparisons (the method
 * chosen by the pure `@pilotproof/analysis` core from the sufficient statistics loaded here),
 * Holm across success metrics, the economics of each treatment, and the pre-registered
 * decision policy's verdict with every check.
 */
import {
  type AnalysisPlan,
  adjustSuccessMetrics,
  compareMetric,
  noveltyOf,
  ratioDiagnosticOf,
  scoringDiagnosticOf,
  segmentAnalysesOf
} from "@pilotproof/analysis"
import {
  AnalysisReport,
  clusterDesignOf,
  controlVariant,
  DAY_MS,
  type DiagnosticAnalysis,
  diagnosticRatioMetric,
  type EconomicsOutcome,
  type EffectAtTime,
  Evaluation,
  type Metric,
  type MetricAnalysis,
  type Pilot,
  type PilotDefinition,
  primaryMetric,
  type SegmentAnalysis,
  sidesOf,
  WEEK_MS
} from "@pilotproof/domain"
import { decide, type DecisionInput, type EconomicsEvidence } from "@pilotproof/decision"
import type { VariantStats } from "@pilotproof/stats"
import { Aggregation, PilotRepo } from "@pilotproof/store"
import { Clock, Effect } from "effect"
import { seedOf, treatmentEconomics } from "./PilotEconomics.js"
import { aggregationScope, plannedSampleSizePerArm, Readiness } from "./Readiness.js"


/**
 * The moments of the primary's effect-over-time chart: as the data stood each day (short pilots)
 * or week, at most 10 points, from the first exposure to the last one (or the as-of moment, if
 * earlier), the last point at the as-of moment at most.
 */
export const overTimeMoments = (firstExposureMs: number, lastExposureMs: number | undefined, asOf: number): Array<number> => {
  const last = Math.min(asOf, lastExposureMs ?? asOf)
  const days = Math.max(1, Math.ceil((last - firstExposureMs) / DAY_MS))
  const step = Math.max(days <= 21 ? 1 : 7, Math.ceil(days / 10)) * DAY_MS
  const times: Array<number> = []
  for (let t = firstExposureMs + step; t < last; t += step) times.push(t)
  times.push(Math.min(last + 1, asOf))
  return times
}

/** Per-unit values are read for rank tests, and scores for a scoring diagnostic, up to this many units per arm (memory stays bounded). */
const MAX_UNIT_VALUES = 250_000

/** The plan's figures the method choice reads; the primary's baseline scales mSPRT. */
export const analysisPlan = (d: PilotDefinition): AnalysisPlan => ({
  alpha: d.plan.alpha,
  sides: sidesOf(d.plan),
  sequential: d.plan.sequential,
  sequentialMethod: d.plan.sequentialMethod === "asymptotic-cs"
    ? { _tag: "asymptotic-cs", tuning: d.plan.sequentialTuning ?? 2 * plannedSampleSizePerArm(d) }
    : undefined,
  mde: d.plan.mde,
  ...(d.plan.baseline === undefined ? {} : { baseline: d.plan.baseline })
})

/** The plan a metric is analysed with: the primary's plan, or without the baseline (mSPRT then scales on the metric's control mean). */
export const metricPlanOf = (plan: AnalysisPlan, metric: Metric): AnalysisPlan => {
  if (metric.role === "primary") return plan
  const { baseline: _, ...rest } = plan
  return rest
}

/** Whole days of data: from the first exposure to the as-of moment or the last exposure. */
const runtimeDays = (first: number | undefined, last: number | undefined, asOf: number) =>
  first === undefined ? 0 : Math.max(0, Math.floor((Math.min(asOf, last ?? asOf) - first) / DAY_MS) + 1)

export const decisionInput = (d: PilotDefinition, analysis: AnalysisReport, economics: ReadonlyArray<EconomicsOutcome>): DecisionInput => ({
  policy: d.policy,
  alpha: d.plan.alpha,
  plan: {
    minDays: d.plan.minDays,
    maxDays: d.plan.maxDays,
    sequential: d.plan.sequential,
    sampleSizePerArm: analysis.plannedPerArm,
    sides: sidesOf(d.plan)
  },
  runtime: { days: analysis.runtime.days, unitsPerArm: analysis.readiness.exposure.units },
  dataQuality: {
    srmPValue: analysis.readiness.srm.pValue,
    checks: analysis.readiness.checks.map((c) => ({ check: c.check, status: c.status, message: c.message }))
  },
  metrics: analysis.metrics.flatMap((m) =>
    m.comparisons.map((c) => ({
      metric: m.key,
      role: m.role,
      direction: m.direction,
      variant: c.variant,
      estimate: c.absolute.estimate,
      ci: c.absolute.ci,
      pValue: c.pValue,
      ...(c.adjustedPValue === undefined ? {} : { adjustedPValue: c.adjustedPValue }),
      ...(m.margin === undefined ? {} : { margin: m.margin }),
      method: c.method,
      ...(c.degenerate === undefined ? {} : { degenerate: c.degenerate }),
      ...(c.novelty === undefined
        ? {}
        : {
          novelty: {
            weeks: c.novelty.weeks.map((w) => ({ week: w.week, from: w.from, estimate: w.estimate })),
            slope: c.novelty.slope,
            pValue: c.novelty.pValue,
            decaying: c.novelty.decaying
          }
        })
    }))
  ),
  economics: Object.fromEntries(
    economics.flatMap((e): Array<[string, EconomicsEvidence]> =>
      e._tag === "Evaluated"
        ? [[e.economics.variant, {
          probNpvPositive: e.economics.monteCarlo.probNpvPositive,
          probPaybackWithinTarget: e.economics.monteCarlo.probPaybackWithinTarget,
          npvMedian: e.economics.monteCarlo.npv.p50,
          currency: e.economics.currency,
          targetPaybackMonths: e.economics.monteCarlo.targetPaybackMonths,
          ...(e.economics.breakEvenEffect === undefined ? {} : { breakEvenEffect: e.economics.breakEvenEffect })
        }]]
        : []
    )
  )
})

export class Analysis extends Effect.Service<Analysis>()("@pilotproof/engine/Analysis", {
  effect: Effect.gen(function*() {
    const pilots = yield* PilotRepo
    const aggregation = yield* Aggregation
    const readiness = yield* Readiness

    const analyze = Effect.fn("Analysis.analyze")(function*(pilotId: string, asOfMs?: number) {
      return yield* analyzePilot(yield* pilots.get(pilotId), asOfMs ?? (yield* Clock.currentTimeMillis))
    })

    /** The primary's per-variant stats at each of the chart's moments, read as of the last. */
    const chartStats = (d: PilotDefinition, moments: ReadonlyArray<number>) =>
      aggregation.metricStatsOverTime(aggregationScope(d, moments[moments.length - 1]!), primaryMetric(d), moments)

    /** Every aggregation of the analysis starts from the same exposed units: collected once (or the open collection). */
    const analyzePilot = (pilot: Pilot, asOf: number) =>
      Effect.map(aggregation.withExposedUnits(aggregationScope(pilot.definition, asOf), analyzeAt(pilot, asOf, false)), (a) => a.report)

    /**
     * The analysis as of `asOf` and, with `withOverTime`, the primary's sufficient statistics at
     * each moment of its effect-over-time chart. The primary of an individually randomized pilot
     * (not a quantile) is read in one query with its novelty cohorts and those moments
     * (`Aggregation.metricHistory`), whether or not the chart is wanted, so an analysis and a
     * snapshot sum the same rows the same way.
     */
    const analyzeAt = Effect.fn("Analysis.analyzeAt")(function*(pilot: Pilot, asOf: number, withOverTime: boolean) {
      const pilotId = pilot.id
      const d = pilot.definition
      const ready = yield* readiness.report(pilotId, asOf)
      const control = controlVariant(d).key
      const treatments = d.variants.map((v) => v.key).filter((v) => v !== control)
      const scope = aggregationScope(d, asOf)
      const plan = analysisPlan(d)
      const cluster = clusterDesignOf(d)
      const ex = ready.exposure
      const primary = primaryMetric(d)

      // The novelty check of the primary: individually randomized pilots (a cluster's deals span
      // weeks), a primary compared on sufficient statistics (not a quantile), and a metric with a window — without one, later cohorts have had less time and
      // every effect would seem to fade. Windows must have closed by the data's horizon: the last
      // exposure (exports stop with the pilot), or the as-of moment if earlier.
      const origin = ex.firstExposureMs
      const novelty = cluster === undefined && primary.type !== "quantile" && primary.window !== undefined && origin !== undefined
        ? { originMs: origin, windowsClosedBy: Math.min(asOf, ex.lastExposureMs ?? asOf) }
        : undefined
      const chart = withOverTime && origin !== undefined ? overTimeMoments(origin, ex.lastExposureMs, asOf) : []
      const history = cluster === undefined && primary.type !== "quantile"
        ? yield* aggregation.metricHistory(scope, primary, chart[chart.length - 1] === asOf ? chart : [...chart, asOf], novelty)
        : undefined

      const metrics: Array<MetricAnalysis> = []
      for (const metric of d.metrics) {
        const stats = history !== undefined && metric.key === primary.key ? history.atMoments[history.atMoments.length - 1]! : yield* aggregation.metricStats(scope, metric)
        let values: Record<string, Float64Array> | undefined
        const largest = Math.max(0, ...Object.values(stats).map((s) => s.moments.n))
        // durations for their Mann–Whitney check (up to a size), quantiles always: they are compared on the values
        if ((metric.type === "duration" && cluster === undefined && largest <= MAX_UNIT_VALUES) || metric.type === "quantile") {
          const read = yield* aggregation.unitValues(scope, metric)
          values = Object.fromEntries([control, ...treatments].map((v) => [v, read[v] ?? new Float64Array(0)]))
        }
        metrics.push(compareMetric(metric, stats, control, treatments, metricPlanOf(plan, metric), values))
      }
      if (novelty !== undefined && history !== undefined) {
        const weeks = history.weeks.map((w) => ({ ...w, from: new Date(novelty.originMs + w.week * WEEK_MS).toISOString().slice(0, 10) }))
        const at = metrics.findIndex((m) => m.key === primary.key)
        const m = metrics[at]!
        metrics[at] = {
          ...m,
          comparisons: m.comparisons.map((c) => {
            const novelty = noveltyOf(primary, weeks, control, c.variant, plan, c.absolute.estimate)
            return novelty === undefined ? c : { ...c, novelty }
          })
        }
      }
      // pre-registered segments: the primary's effect by each (informative; the decision never reads them)
      const segments: Array<SegmentAnalysis> = []
      if (cluster === undefined && primary.type !== "quantile") {
        for (const attribute of d.segments ?? []) {
          const rows = yield* aggregation.metricStatsBySegment(scope, primary, attribute)
          segments.push(...segmentAnalysesOf(primary, attribute, rows, control, treatments, plan))
        }
      }
      // diagnostics: what the AI did, on every arm that has it (the decision never reads them)
      const diagnostics: Array<DiagnosticAnalysis> = []
      const variants = [control, ...treatments]
      for (const diagnostic of d.diagnostics ?? []) {
        if (diagnostic.type === "ratio") {
          const stats = yield* aggregation.metricStats(scope, diagnosticRatioMetric(diagnostic))
          diagnostics.push(ratioDiagnosticOf(diagnostic, stats, variants, d.plan.alpha))
        } else {
          const scored = yield* aggregation.scoredUnits(scope, diagnostic, MAX_UNIT_VALUES)
          diagnostics.push(scoringDiagnosticOf(diagnostic, scored, variants, d.plan.alpha))
        }
      }
      const report = new AnalysisReport({
        pilotId,
        name: d.name,
        status: pilot.status,
        ...(pilot.designHash === undefined ? {} : { designHash: pilot.designHash }),
        asOf: new Date(asOf).toISOString(),
        alpha: d.plan.alpha,
        ...(d.plan.sides === 1 ? { sides: 1 as const } : {}),
        ...(cluster === undefined ? {} : { cluster: { unit: cluster.unit, analysisUnit: cluster.analysisUnit } }),
        sequential: d.plan.sequential,
        control,
        treatments,
        runtime: {
          ...(ex.firstExposureMs === undefined ? {} : { firstExposure: new Date(ex.firstExposureMs).toISOString() }),
          ...(ex.lastExposureMs === undefined ? {} : { lastExposure: new Date(ex.lastExposureMs).toISOString() }),
          days: runtimeDays(ex.firstExposureMs, ex.lastExposureMs, asOf),
          minDays: d.plan.minDays,
          maxDays: d.plan.maxDays
        },
        plannedPerArm: plannedSampleSizePerArm(d),
        readiness: ready,
        metrics: adjustSuccessMetrics(metrics),
        ...(segments.length === 0 ? {} : { segments }),
        ...(diagnostics.length === 0 ? {} : { diagnostics })
      })
      if (chart.length === 0) return { report }
      return { report, overTime: { moments: chart, stats: history !== undefined ? history.atMoments.slice(0, chart.length) : yield* chartStats(d, chart) } }
    })

    /** Analysis, economics per treatment, and the policy's decision. */
    const evaluate = Effect.fn("Analysis.evaluate")(function*(pilotId: string, asOfMs?: number) {
      return yield* evaluatePilot(yield* pilots.get(pilotId), asOfMs ?? (yield* Clock.currentTimeMillis))
    })

    const evaluatePilot = (pilot: Pilot, asOf: number) => Effect.map(evaluateAt(pilot, asOf, false), (e) => e.evaluation)

    const evaluateAt = Effect.fn("Analysis.evaluateAt")(function*(pilot: Pilot, asOf: number, withOverTime: boolean) {
      const analyzed = yield* aggregation.withExposedUnits(aggregationScope(pilot.definition, asOf), analyzeAt(pilot, asOf, withOverTime))
      const analysis = analyzed.report
      const d = pilot.definition
      const seed = seedOf(analysis.designHash ?? pilot.id)
      const economics = analysis.treatments.map((t) => treatmentEconomics(d, analysis.metrics, t, seed))
      const decision = decide(decisionInput(d, analysis, economics))
      return { evaluation: new Evaluation({ analysis, economics, decision }), overTime: analyzed.overTime }
    })

    /** The primary's effect at each moment, for every treatment, each compared by the same method as the full analysis; degenerate points are left out. */
    const seriesOf = (pilot: Pilot, report: AnalysisReport, moments: ReadonlyArray<number>, stats: ReadonlyArray<Record<string, VariantStats>>) => {
      const series: Record<string, Array<EffectAtTime>> = Object.fromEntries(report.treatments.map((t) => [t, []]))
      const d = pilot.definition
      const metric = primaryMetric(d)
      const plan = analysisPlan(d)
      for (const [k, t] of moments.entries()) {
        for (const c of compareMetric(metric, stats[k]!, report.control, report.treatments, plan).comparisons) {
          if (c.degenerate !== undefined) continue
          series[c.variant]?.push({ date: new Date(t).toISOString().slice(0, 10), estimate: c.absolute.estimate, lower: c.absolute.ci.lower, upper: c.absolute.ci.upper })
        }
      }
      return series
    }

    /**
     * The effect on the primary metric as the data stood at each moment of its chart
     * (`overTimeMoments`), for every treatment, from one query (`metricStatsOverTime`): for an
     * analysis already made (a page asked for an explicit as-of); a snapshot's series comes
     * with its analysis (`results`).
     */
    const overTime = Effect.fn("Analysis.overTime")(function*(pilot: Pilot, report: AnalysisReport) {
      if (report.runtime.firstExposure === undefined) return seriesOf(pilot, report, [], [])
      const asOf = Date.parse(report.asOf)
      const moments = overTimeMoments(Date.parse(report.runtime.firstExposure), report.runtime.lastExposure === undefined ? undefined : Date.parse(report.runtime.lastExposure), asOf)
      return seriesOf(pilot, report, moments, yield* chartStats(pilot.definition, moments))
    })

    /**
     * What a results snapshot holds, as of `asOfMs`: the evaluation and the primary's effect
     * over time, both from one collection of the exposed units (on PostgreSQL one view of the
     * data) and, for most pilots, the primary's value, cohorts and chart from one query.
     */
    const results = Effect.fn("Analysis.results")(function*(pilotId: string, asOfMs: number) {
      const pilot = yield* pilots.get(pilotId)
      const { evaluation, overTime } = yield* evaluateAt(pilot, asOfMs, true)
      return { evaluation, overTime: seriesOf(pilot, evaluation.analysis, overTime?.moments ?? [], overTime?.stats ?? []) }
    })

    return { analyze, evaluate, overTime, results } as const
  }),
  dependencies: [PilotRepo.Default, Aggregation.Default, Readiness.Default]
}) {}
