/**
 * `pilotproof analyze | decide | decisions | actuals | roi`: what analysts read, what the
 * product owner acts on, and what finance signs and tracks.
 */
import { Args, Command, Options } from "@effect/cli"
import {
  AnalysisReport,
  DecisionRecord,
  type DiagnosticAnalysis,
  Evaluation,
  InputError,
  type MetricAnalysis,
  RecordedDecision,
  RoiReport,
  VERDICTS
} from "@pilotproof/domain"
import { Alerts, Analysis, Decisions, parseActualsCsv, Snapshots } from "@pilotproof/engine"
import { Config, Console, Effect, Option, Schema } from "effect"
import { readFileSync } from "node:fs"
import { parseAsOf } from "./EventCommands.js"
import { encodeJson, fields, money, printEncoded, printJson, table } from "./Output.js"
import { formatOption, pilotIdArg } from "./CommonOptions.js"
import { withEngine } from "./Runtime.js"

const pilotArg = pilotIdArg
const asOfOption = Options.text("as-of").pipe(Options.withDescription("ISO timestamp: analyse the data as it stood then"), Options.optional)

/** A value in the metric's terms: rates as percent, others with 3–4 significant digits. */
const show = (m: Pick<MetricAnalysis, "type">, x: number, signed = false) => {
  if (!Number.isFinite(x)) return x > 0 ? "+∞" : "−∞"
  const s = m.type === "binomial" ? `${(x * 100).toFixed(Math.abs(x) < 0.01 ? 2 : 1)}%` : Math.abs(x) >= 1000 ? money(Math.round(x)) : x.toPrecision(3)
  return signed && x >= 0 ? `+${s}` : s
}
const pp = (m: Pick<MetricAnalysis, "type">, x: number) => (m.type === "binomial" ? `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)} pp` : show(m, x, true))
const pct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%` : x > 0 ? "+∞" : "−∞")
const p = (x: number | undefined) => (x === undefined ? "" : x < 0.0001 ? "<0.0001" : x.toFixed(4))

export const describeAnalysis = (a: AnalysisReport): string => {
  const header = [
    `${a.name} (${a.pilotId}) — as of ${a.asOf}`,
    `data: ${a.runtime.days} days (plan: ${a.runtime.minDays}–${a.runtime.maxDays}); ${a.cluster === undefined ? "units" : `${a.cluster.analysisUnit}s`} ${Object.entries(a.readiness.exposure.units).map(([v, n]) => `${v} ${n}`).join(", ")} (plan ${a.plannedPerArm} per arm); ` +
    (a.cluster === undefined || a.readiness.exposure.clusters === undefined
      ? ""
      : `cluster-randomized by ${a.cluster.unit}: ${Object.entries(a.readiness.exposure.clusters).map(([v, n]) => `${v} ${n}`).join(", ")} ${a.cluster.unit}s; `) +
    `readiness ${a.readiness.status.toUpperCase()}; SRM p = ${a.readiness.srm.pValue.toPrecision(3)}; ${a.sequential ? "sequential (always-valid) intervals" : "fixed-horizon intervals"}, ${a.sides === 1 ? `one-sided α = ${a.alpha} (each interval end a one-sided ${+(100 * (1 - a.alpha)).toPrecision(6)} % bound)` : `α = ${a.alpha}`}`
  ]
  const rows = a.metrics.flatMap((m) =>
    m.comparisons.map((c) => {
      const control = m.variants.find((v) => v.variant === c.baseline.variant)!
      const treatment = m.variants.find((v) => v.variant === c.variant)!
      return [
        m.key,
        m.role + (m.margin === undefined ? "" : ` (±${m.margin})`),
        `${c.variant} vs ${c.baseline.variant}`,
        `${show(m, control.mean)} → ${show(m, treatment.mean)}`,
        `${pp(m, c.absolute.estimate)} [${pp(m, c.absolute.ci.lower)}, ${pp(m, c.absolute.ci.upper)}]`,
        `${pct(c.relative.estimate)} [${pct(c.relative.ci.lower)}, ${pct(c.relative.ci.upper)}]`,
        p(c.pValue),
        p(c.adjustedPValue),
        c.probabilityToBeat.toFixed(3),
        c.method + (c.varianceReduction === undefined ? "" : ` (variance −${(c.varianceReduction * 100).toFixed(0)}%)`) +
        (c.nonInferiority === undefined ? "" : c.nonInferiority.nonInferior ? " · non-inferior" : " · NOT shown non-inferior") +
        (treatment.open === undefined ? "" : ` · open ${control.open ?? 0}/${treatment.open}`)
      ]
    })
  )
  // the primary's novelty check: the effect per exposure-week cohort and its trend
  const novelty = a.metrics.flatMap((m) =>
    m.comparisons.flatMap((c) =>
      c.novelty === undefined ? [] : [
        `novelty (${m.key}, ${c.variant} vs ${c.baseline.variant}, by the week of first exposure): ` +
        c.novelty.weeks.map((w) => `${w.from} ${pp(m, w.estimate)} (n ${w.control}/${w.treatment})`).join(", ") +
        `; trend ${pp(m, c.novelty.slope)} a week, p = ${p(c.novelty.pValue)}${c.novelty.decaying ? ": the effect FADES" : ""}`
      ]
    )
  )
  // pre-registered segments: the primary's effect by each value, and whether it differs
  const segments = (a.segments ?? []).flatMap((g) => {
    const m = a.metrics.find((x) => x.key === g.metric)!
    return [
      "",
      `segments by ${g.attribute} (${g.metric}, ${g.variant} vs ${a.control}; informative, not part of the decision): heterogeneity Q = ${g.heterogeneity.q.toFixed(2)}, df ${g.heterogeneity.df}, p = ${p(g.heterogeneity.pValue)}, I² = ${(100 * g.heterogeneity.i2).toFixed(0)}%`,
      table(["VALUE", "UNITS (CONTROL / TREATMENT)", "EFFECT [CI]", "P", "P (HOLM)"], g.values.map((v) => [
        v.value,
        `${v.control} / ${v.treatment}`,
        `${pp(m, v.estimate)} [${pp(m, v.ci.lower)}, ${pp(m, v.ci.upper)}]`,
        p(v.pValue),
        p(v.adjustedPValue)
      ]))
    ]
  })
  return [
    ...header,
    "",
    table(["METRIC", "ROLE", "COMPARISON", "CONTROL → TREATMENT", "ABSOLUTE EFFECT [CI]", "RELATIVE [CI]", "P", "P (HOLM)", "P(BETTER)", "METHOD"], rows),
    ...(novelty.length === 0 ? [] : ["", ...novelty]),
    ...segments,
    ...describeDiagnostics(a.diagnostics ?? [])
  ].join("\n")
}

/** A count as a whole number, another value with 3 significant digits, "—" when it is not a number. */
const sig = (x: number) => (!Number.isFinite(x) ? "—" : Number.isInteger(x) ? money(x) : x.toPrecision(3))

/** The diagnostics: each arm that has one, its value and interval; a scoring model's quality and reliability. */
const describeDiagnostics = (diagnostics: ReadonlyArray<DiagnosticAnalysis>): Array<string> =>
  diagnostics.length === 0 ? [] : [
    "",
    "diagnostics (what the AI did, on the arms that have it; not part of the decision)",
    table(
      ["DIAGNOSTIC", "ARM", "UNITS", "VALUE [CI]", "DETAIL"],
      diagnostics.flatMap((d) =>
        d.arms.length === 0
          ? [[d.key, "—", "0", "—", "no arm has data yet"]]
          : d.type === "ratio"
          ? d.arms.map((a) => [d.key, a.variant, String(a.units), `${sig(a.estimate)} [${sig(a.ci.lower)}, ${sig(a.ci.upper)}]`, `${sig(a.numerator)} / ${sig(a.denominator)}${a.degenerate === undefined ? "" : ` (${a.degenerate})`}`])
          : d.arms.map((a) => [
            d.key,
            a.variant,
            a.read === a.units ? String(a.units) : `${a.read} of ${a.units}`,
            `AUC ${sig(a.auc.estimate)} [${sig(a.auc.ci.lower)}, ${sig(a.auc.ci.upper)}]`,
            `${a.positives} positive; Brier ${sig(a.brier)}; top-decile lift ${sig(a.topDecileLift)}${a.degenerate === undefined ? "" : ` (${a.degenerate})`}`
          ])
      )
    ),
    ...diagnostics.flatMap((d) =>
      d.type !== "scoring" ? [] : d.arms.map((a) =>
        `reliability of ${d.key} in ${a.variant}: ` +
        (a.reliability.length === 0 ? "— (scores outside [0, 1] are not probabilities)" : a.reliability.map((r) => `[${r.from}, ${r.to}) ${r.units}: predicted ${sig(r.meanPredicted)}, observed ${sig(r.observedRate)}`).join("; "))
      )
    )
  ]

export const describeEvaluation = (e: Evaluation): string => {
  const d = e.decision
  const econ = e.economics.map((o) =>
    o._tag === "NotEvaluated"
      ? `  ${o.variant}: economics not evaluated (${o.reason})`
      : (() => {
        const x = o.economics
        const c = x.currency
        return [
          `  ${x.variant}: NPV ${money(Math.round(x.point.npv))} ${c} at the measured effect; ` +
          `P(NPV > 0) = ${x.monteCarlo.probNpvPositive.toFixed(3)}, P(payback ≤ ${x.monteCarlo.targetPaybackMonths} mo) = ${x.monteCarlo.probPaybackWithinTarget.toFixed(3)}`,
          `     NPV 5/50/95%: ${money(Math.round(x.monteCarlo.npv.p5))} / ${money(Math.round(x.monteCarlo.npv.p50))} / ${money(Math.round(x.monteCarlo.npv.p95))} ${c}; ` +
          `payback ${x.point.paybackMonths === undefined ? "not within the horizon" : `${x.point.paybackMonths.toFixed(1)} months`}; ` +
          `ROI ${x.point.roi === undefined ? "n/a" : pct(x.point.roi)}; IRR ${x.point.irrAnnual === undefined ? "n/a" : x.point.irrAnnual > 10 ? "> 1000%" : pct(x.point.irrAnnual)}/year; ` +
          `break-even effect on ${x.primaryMetric}: ${x.breakEvenEffect === undefined ? "n/a" : x.breakEvenEffect.toPrecision(3)}`
        ].join("\n")
      })()
  )
  return [
    `VERDICT: ${d.verdict}${d.variant === undefined ? "" : ` (${d.variant})`} — ${d.reason}`,
    "",
    table(["CHECK", "STATUS", "EVIDENCE"], d.checks.map((c) => [c.name, c.status, c.evidence])),
    "",
    "Economics at scale",
    ...econ
  ].join("\n")
}

const refreshOption = Options.boolean("refresh").pipe(
  Options.withDescription("compute the results snapshot again even when it is current (without --as-of, results come from the snapshot, computed when the data changed)")
)

const analyzeCommand = Command.make("analyze", { pilot: pilotArg, asOf: asOfOption, format: formatOption, refresh: refreshOption }, ({ asOf, format, pilot, refresh }) =>
  withEngine(Effect.gen(function*() {
    const report = Option.isNone(asOf)
      ? (yield* (yield* Snapshots).current(pilot, { refresh })).evaluation.analysis
      : yield* (yield* Analysis).analyze(pilot, yield* parseAsOf(asOf))
    if (format === "json") return yield* printEncoded(AnalysisReport, report)
    yield* Console.log(describeAnalysis(report))
  }))
).pipe(Command.withDescription("Every metric's effect with its interval, p-value, method and why; SRM and readiness."))

const decideCommand = Command.make("decide", {
  pilot: pilotArg,
  asOf: asOfOption,
  format: formatOption,
  override: Options.choice("override", VERDICTS).pipe(Options.withDescription("record a human verdict beside the computed one"), Options.optional),
  reason: Options.text("reason").pipe(Options.withDescription("why the override (required with --override)"), Options.optional),
  by: Options.text("by").pipe(
    Options.withDescription("who decided (default: $USER)"),
    Options.withFallbackConfig(Config.string("USER").pipe(Config.withDefault("unknown")))
  )
}, ({ asOf, by, format, override, pilot, reason }) =>
  withEngine(Effect.gen(function*() {
    // without --as-of: decided on the current results snapshot
    const asOfMs = Option.isNone(asOf) ? undefined : yield* parseAsOf(asOf)
    const actor = by
    if (Option.isSome(override) && Option.isNone(reason)) {
      return yield* new InputError({ source: "--override", detail: "an override needs --reason (and ideally --by)" })
    }
    const result = yield* (yield* Decisions).record(pilot, {
      ...(asOfMs === undefined ? {} : { asOfMs }),
      actor,
      ...(Option.isSome(override) ? { override: { verdict: override.value, reason: Option.getOrElse(reason, () => ""), by: actor } } : {})
    })
    // the decision's alerts, sent now (a failed one is retried by pilotproof serve)
    yield* (yield* Alerts).deliverDue().pipe(Effect.catchAll((e) => Console.error(`warning: alerts not sent: ${e.message}`)))
    const row = result.recorded
    if (format === "json") {
      const { record: _evaluation, ...columns } = row
      return yield* printJson({
        record: yield* encodeJson(DecisionRecord, new DecisionRecord(columns)),
        evaluation: yield* encodeJson(Evaluation, result.evaluation),
        ...(result.overrideWarning === undefined ? {} : { overrideWarning: result.overrideWarning })
      })
    }
    yield* Console.log(describeEvaluation(result.evaluation))
    yield* Console.log(`\nrecorded as decision #${row.seq} of ${pilot} (design ${row.design_hash.slice(0, 12)}${row.snapshot_id === null ? "" : `, snapshot ${row.snapshot_id}`}, by ${actor})`)
    if (row.override_verdict !== null) {
      yield* Console.log(`override: ${row.override_verdict} by ${row.override_by} — ${row.override_reason} (computed: ${row.computed_verdict})`)
    }
    if (result.overrideWarning !== undefined) yield* Console.error(`warning: ${result.overrideWarning}`)
  }))
).pipe(Command.withDescription("Analyse, apply the pre-registered decision policy, and record the decision (append-only)."))

const describeDecisions = (rows: ReadonlyArray<RecordedDecision>) =>
  table(["#", "DECIDED", "AS OF", "COMPUTED", "VERDICT", "OVERRIDE BY / REASON", "ACTOR", "REASON"], rows.map((r) => [
    String(r.seq), r.decided_at, r.as_of, r.computed_verdict, r.verdict,
    r.override_verdict === null ? "" : `${r.override_by}: ${r.override_reason}`, r.actor, r.reason
  ]))

const decisionsCommand = Command.make("decisions", { pilot: pilotArg, format: formatOption }, ({ format, pilot }) =>
  withEngine(Effect.gen(function*() {
    const rows = yield* (yield* Decisions).history(pilot)
    if (format === "json") return yield* printEncoded(Schema.Array(RecordedDecision), rows)
    if (rows.length === 0) return yield* Console.log(`no decisions recorded for ${pilot} yet: pilotproof decide ${pilot}`)
    yield* Console.log(describeDecisions(rows))
  }))
).pipe(Command.withDescription("The decision history of a pilot (computed verdicts and overrides)."))

const recordActuals = Command.make("record", {
  pilot: pilotArg,
  month: Options.text("month").pipe(Options.withDescription("YYYY-MM")),
  cost: Options.float("cost").pipe(Options.withDescription("what the scaled-up pilot cost that month, in the pilot's currency (≥ 0)")),
  benefit: Options.float("benefit").pipe(Options.withDescription("what it brought in that month, in the pilot's currency (≥ 0)"))
}, ({ benefit, cost, month, pilot }) =>
  withEngine(Effect.gen(function*() {
    yield* (yield* Decisions).recordActuals(pilot, [{ month, cost, benefit }], "pilotproof actuals record")
    yield* Console.log(`recorded ${month} for ${pilot}: cost ${money(cost)}, benefit ${money(benefit)}`)
  }))
).pipe(Command.withDescription("Record one month of actual cost and benefit after scale-up."))

const importActuals = Command.make("import", {
  pilot: pilotArg,
  file: Args.file({ name: "file", exists: "yes" }).pipe(Args.withDescription("CSV with columns month,cost,benefit"))
}, ({ file, pilot }) =>
  withEngine(Effect.gen(function*() {
    const text = yield* Effect.try({
      try: () => readFileSync(file, "utf8"),
      catch: (e) => new InputError({ source: file, detail: `cannot read the file: ${(e as Error).message}` })
    })
    const rows = yield* parseActualsCsv(text, file)
    const n = yield* (yield* Decisions).recordActuals(pilot, rows, file)
    yield* Console.log(`recorded ${n} months of actuals for ${pilot} from ${file}`)
  }))
).pipe(Command.withDescription("Import months of actuals from a CSV (month,cost,benefit); all or nothing."))

const actualsCommand = Command.make("actuals").pipe(
  Command.withDescription("Record what scaling actually cost and earned."),
  Command.withSubcommands([recordActuals, importActuals])
)

export const describeRoi = (r: RoiReport): string => {
  if (r.comparison === undefined || !r.comparison.ok) {
    return [`ROI of ${r.pilotId}`, r.note ?? (r.comparison !== undefined && !r.comparison.ok ? r.comparison.message : "")].join("\n")
  }
  const c = r.comparison
  return [
    `ROI of ${r.pilotId} (${r.variant ?? ""}) against decision #${r.decision?.seq} (${r.decision?.verdict}), ${r.currency}`,
    table(["MONTH", "ACTUAL CUMULATIVE", "FORECAST 5%", "MEDIAN", "95%", "FLAG"], c.rows.map((row, i) => [
      r.months[i] ?? String(row.month),
      money(Math.round(row.cumulative)),
      row.forecast === undefined ? "" : money(Math.round(row.forecast.p5)),
      row.forecast === undefined ? "" : money(Math.round(row.forecast.p50)),
      row.forecast === undefined ? "" : money(Math.round(row.forecast.p95)),
      row.belowForecastP5 ? "BELOW 5th PERCENTILE" : row.aboveForecastP95 ? "above 95th" : ""
    ])),
    fields([
      ["realized payback", c.realizedPayback.ok ? `${c.realizedPayback.months.toFixed(1)} months` : "not yet"],
      ["months below forecast", c.monthsBelowForecastP5.length === 0 ? "none" : c.monthsBelowForecastP5.map((m) => r.months[m - 1] ?? m).join(", ")]
    ])
  ].join("\n")
}

const roiCommand = Command.make("roi", { pilot: pilotArg, format: formatOption }, ({ format, pilot }) =>
  withEngine(Effect.gen(function*() {
    const report = yield* (yield* Decisions).roi(pilot)
    if (format === "json") return yield* printEncoded(RoiReport, report)
    yield* Console.log(describeRoi(report))
  }))
).pipe(Command.withDescription("Forecast band beside actual cumulative cash flow; realized payback; months below the 5th percentile."))

export const analysisCommands = [analyzeCommand, decideCommand, decisionsCommand, actualsCommand, roiCommand] as const
