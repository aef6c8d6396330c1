/**
 * What the pages show, loaded from the engine: the pilot list with latest verdicts, a pilot's
 * design, readiness, results and decision, its economics and actuals, and the charts (SVG).
 * Nothing here recomputes statistics: it arranges what the engine returns.
 */
import {
  type AnalysisReport,
  type AnalysisSnapshot,
  type Evaluation,
  type MetricAnalysis,
  type Pilot,
  primaryMetric,
  type ReadinessReport,
  type RecordedDecision,
  type RoiReport,
  type TreatmentEconomics
} from "@pilotproof/domain"
import { Analysis, Decisions, PilotRegistry, Snapshots } from "@pilotproof/engine"
import { Effect } from "effect"
import { cashFlowChart, effectOverTime, type ForestRow, forestPlot, npvChart } from "./Charts.js"

export interface ListRow {
  readonly pilot: Pilot
  readonly latest?: RecordedDecision
}

export interface DecisionView {
  /** Recorded (the latest decision record) or computed now without recording. */
  readonly recorded?: RecordedDecision
  readonly evaluation: Evaluation
}

export interface PilotPageData {
  readonly pilot: Pilot
  readonly readiness: ReadinessReport
  readonly analysis: AnalysisReport
  readonly decision: DecisionView
  readonly forestSvg: string
  readonly timeSvg: string
  readonly timeTitle: string
  /** The results snapshot shown (absent for an explicit as-of, computed on the spot). */
  readonly snapshot?: Pick<AnalysisSnapshot, "id" | "key" | "computedAt" | "computeMs">
}

/** What a page asks for: results as of a moment (computed, not stored) or a fresh snapshot. */
export interface PageOptions {
  readonly asOfMs?: number
  readonly refresh?: boolean
}

export interface FinancePageData {
  readonly pilot: Pilot
  readonly decision: DecisionView
  readonly economics?: TreatmentEconomics
  readonly notEvaluated: ReadonlyArray<string>
  readonly roi: RoiReport
  readonly cashSvg?: string
  readonly npvSvg?: string
}

/** Whether an effect is good news, bad news or not yet clear, given the metric's direction. */
export const reading = (m: Pick<MetricAnalysis, "direction">, lower: number, upper: number): "better" | "worse" | "unclear" => {
  const up = m.direction === "increase"
  if (lower > 0) return up ? "better" : "worse"
  if (upper < 0) return up ? "worse" : "better"
  return "unclear"
}

/**
 * A pilot page's charts by the objects they are drawn from: a current snapshot's report and
 * series are decoded once and kept, so a page read from it neither rebuilds the charts' data
 * nor serializes their specs to find them in the chart cache (a tenth of the page's time).
 */
const forests = new WeakMap<AnalysisReport, string>()
const timelines = new WeakMap<object, Map<string, string>>()

/** The page-data loaders, with the engine services captured (so route handlers need nothing). */
export const makePageData = Effect.gen(function*() {
  const registry = yield* PilotRegistry
  const analysis = yield* Analysis
  const decisions = yield* Decisions
  const snapshots = yield* Snapshots

  /** The latest decision record, or the evaluation it would be decided on now. */
  const decisionView = <E, R>(id: string, evaluation: () => Effect.Effect<Evaluation, E, R>) =>
    Effect.gen(function*() {
      const last = yield* decisions.latest(id)
      if (last !== undefined) return { recorded: last, evaluation: last.record } satisfies DecisionView
      return { evaluation: yield* evaluation() } satisfies DecisionView
    })

  const list = Effect.gen(function*() {
    const pilots = yield* registry.list()
    return yield* Effect.forEach(pilots, (pilot) =>
      Effect.map(decisions.latest(pilot.id), (latest): ListRow => (latest === undefined ? { pilot } : { pilot, latest })))
  })

  const pilotPage = (id: string, options: PageOptions = {}) =>
    Effect.gen(function*() {
      const pilot = yield* registry.get(id)
      const { evaluation, snapshot } = yield* snapshots.evaluation(id, options)
      const decision = yield* decisionView(id, () => Effect.succeed(evaluation))
      const report = evaluation.analysis
      const forestSvg = forests.get(report) ?? (yield* forestPlot(report.metrics.flatMap((m) =>
        m.comparisons.filter((c) => c.degenerate === undefined).map((c): ForestRow => ({
          label: `${m.key} · ${c.variant}`,
          role: m.role,
          estimate: c.relative.estimate,
          lower: c.relative.ci.lower,
          upper: c.relative.ci.upper,
          reading: reading(m, c.absolute.ci.lower, c.absolute.ci.upper)
        }))
      )))
      forests.set(report, forestSvg)
      const variant = decision.evaluation.decision.variant ?? report.treatments[0] ?? ""
      const primary = primaryMetric(pilot.definition)
      const timeTitle = `${primary.key}: ${variant} − ${report.control}${primary.type === "binomial" ? " (rate difference)" : ""}`
      const series = snapshot?.overTime ?? (yield* analysis.overTime(pilot, report))
      const drawn = timelines.get(series) ?? new Map<string, string>()
      timelines.set(series, drawn)
      const timeSvg = drawn.get(timeTitle) ?? (yield* effectOverTime(series[variant] ?? [], timeTitle))
      drawn.set(timeTitle, timeSvg)
      return {
        pilot,
        readiness: report.readiness,
        analysis: report,
        decision,
        forestSvg,
        timeSvg,
        timeTitle,
        ...(snapshot === undefined ? {} : { snapshot: { id: snapshot.id, key: snapshot.key, computedAt: snapshot.computedAt, computeMs: snapshot.computeMs } })
      } satisfies PilotPageData
    })

  /** `known`: the decision already loaded for this pilot (the report shows both pages). */
  const financePage = (id: string, known?: DecisionView) =>
    Effect.gen(function*() {
      const pilot = yield* registry.get(id)
      const decision = known ?? (yield* decisionView(id, () => Effect.map(snapshots.current(id), (s) => s.evaluation)))
      const roi = yield* decisions.roi(id)
      const wanted = decision.evaluation.decision.variant ?? decision.evaluation.analysis.treatments[0]
      const evaluated = decision.evaluation.economics.flatMap((e) => (e._tag === "Evaluated" ? [e.economics] : []))
      const economics = evaluated.find((e) => e.variant === wanted) ?? evaluated[0]
      const notEvaluated = decision.evaluation.economics.flatMap((e) => (e._tag === "NotEvaluated" ? [`${e.variant}: ${e.reason}`] : []))
      const actuals = roi.comparison?.ok === true ? roi.comparison.rows.map((r) => ({ month: r.month, cumulative: r.cumulative })) : []
      const base = { pilot, decision, roi, notEvaluated }
      if (economics === undefined) return base satisfies FinancePageData
      return {
        ...base,
        economics,
        cashSvg: yield* cashFlowChart(economics.monteCarlo.bands, actuals, economics.currency),
        npvSvg: yield* npvChart(economics.monteCarlo.npv, economics.currency)
      } satisfies FinancePageData
    })

  return { list, pilotPage, financePage } as const
})

export type PageData = Effect.Effect.Success<typeof makePageData>
