/**
 * Decision records and, after scale-up, forecast against actuals.
 *
 * `decide` stores an append-only record: the design hash, the results snapshot it was decided on
 * (the current one, unless an as-of moment is given), the analysis, the economics,
 * the computed verdict with every check, the time and the actor. A human override is stored
 * beside the computed verdict (never replacing it), with its reason and who made it.
 */
import { type Evaluation, InputError, type RecordedDecision, RoiReport, type Verdict } from "@pilotproof/domain"
import { overrideAllowed } from "@pilotproof/decision"
import { compareActuals } from "@pilotproof/economics"
import { Database, DecisionRepo, PilotRepo } from "@pilotproof/store"
import { Effect } from "effect"
import { nowIso } from "./Now.js"
import { Alerts } from "./Alerts.js"
import { Snapshots } from "./Snapshots.js"

export interface Override {
  readonly verdict: Verdict
  readonly reason: string
  readonly by: string
}

export interface DecisionOutcome {
  /** The appended record, with the evaluation it was decided on. */
  readonly recorded: RecordedDecision
  readonly evaluation: Evaluation
  /** A warning about the override (e.g. GO against NO_GO evidence), if any. */
  readonly overrideWarning?: string
}

export interface ActualInput {
  /** YYYY-MM */
  readonly month: string
  readonly cost: number
  readonly benefit: number
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/

const AMOUNT = /^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$/

/**
 * Months of actuals from CSV text (`month,cost,benefit`; `,` or `;`; amounts in plain decimals,
 * a decimal comma allowed under `;`): every problem at once, with its line; an empty cell is a
 * problem, never a zero.
 */
export const parseActualsCsv = (text: string, source: string): Effect.Effect<Array<ActualInput>, InputError> => {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/)
  const headerAt = lines.findIndex((l) => l.trim() !== "")
  if (headerAt === -1) return Effect.fail(new InputError({ source, detail: "the file is empty: it needs a header month,cost,benefit and a row per month" }))
  const delimiter = (lines[headerAt]!.match(/;/g)?.length ?? 0) > (lines[headerAt]!.match(/,/g)?.length ?? 0) ? ";" : ","
  const header = lines[headerAt]!.toLowerCase().split(delimiter).map((h) => h.trim())
  const at = { month: header.indexOf("month"), cost: header.indexOf("cost"), benefit: header.indexOf("benefit") }
  const missing = Object.entries(at).filter(([, i]) => i === -1).map(([k]) => k)
  if (missing.length > 0) return Effect.fail(new InputError({ source, detail: `the header (line ${headerAt + 1}) has no ${missing.join(", ")} column; it needs month,cost,benefit` }))
  const rows: Array<ActualInput> = []
  const problems: Array<string> = []
  lines.forEach((line, i) => {
    if (i <= headerAt || line.trim() === "") return
    const cells = line.split(delimiter).map((c) => c.trim())
    const amount = (name: "cost" | "benefit") => {
      const cell = cells[at[name]] ?? ""
      if (!AMOUNT.test(cell) || (delimiter === "," && cell.includes(","))) {
        problems.push(`line ${i + 1}: ${name} ${cell === "" ? "is empty" : `"${cell.slice(0, 20)}" is not a number`}`)
        return Number.NaN
      }
      return Number(cell.replace(",", "."))
    }
    rows.push({ month: cells[at.month] ?? "", cost: amount("cost"), benefit: amount("benefit") })
  })
  if (rows.length === 0 && problems.length === 0) problems.push("no rows after the header")
  return problems.length > 0 ? Effect.fail(new InputError({ source, detail: problems.join("; ") })) : Effect.succeed(rows)
}

const monthIndex = (m: string) => {
  const [, y, mo] = MONTH.exec(m)!
  return Number(y) * 12 + Number(mo) - 1
}

/** Who may replace a computed verdict: the pilot's owner, and admins. */
export const mayOverride = (role: string): boolean => role === "owner" || role === "admin"

/** The warning an override would be recorded with (scaling against the evidence), if any. */
export const overrideWarning = (computed: Verdict, override: Verdict): string | undefined => overrideAllowed(computed, override).warning

export class Decisions extends Effect.Service<Decisions>()("@pilotproof/engine/Decisions", {
  effect: Effect.gen(function*() {
    const repo = yield* DecisionRepo
    const pilots = yield* PilotRepo
    const snapshots = yield* Snapshots
    const alerts = yield* Alerts
    const database = yield* Database

    const record = Effect.fn("Decisions.record")(function*(pilotId: string, options: { readonly asOfMs?: number; readonly actor: string; readonly override?: Override }) {
      // Decided now: on the current results snapshot (the one the pages show), named in the record.
      const { evaluation, snapshot } = yield* snapshots.evaluation(pilotId, { asOfMs: options.asOfMs })
      const pilot = yield* pilots.get(pilotId)
      const now = yield* nowIso
      const computed = evaluation.decision.verdict
      const check = options.override === undefined ? undefined : overrideAllowed(computed, options.override.verdict)
      // the record and its alerts in one transaction: a decision is never recorded without them
      const recorded = yield* database.withTransaction(`recording a decision for "${pilotId}"`, Effect.gen(function*() {
        const row = yield* repo.append({
          pilot_id: pilotId,
          decided_at: now,
          as_of: evaluation.analysis.asOf,
          design_hash: pilot.designHash ?? pilot.definitionHash,
          computed_verdict: computed,
          verdict: options.override?.verdict ?? computed,
          reason: evaluation.decision.reason,
          actor: options.actor,
          override_verdict: options.override?.verdict ?? null,
          override_reason: options.override?.reason ?? null,
          override_by: options.override?.by ?? null,
          snapshot_id: snapshot?.id ?? null,
          evaluation
        })
        yield* alerts.decisionRecorded(pilotId, {
          verdict: options.override?.verdict ?? computed,
          computed,
          reason: evaluation.decision.reason,
          actor: options.actor,
          overrideReason: options.override?.reason
        })
        return row
      }))
      return { recorded, evaluation, ...(check?.warning === undefined ? {} : { overrideWarning: check.warning }) } satisfies DecisionOutcome
    })

    const history = Effect.fn("Decisions.history")(function*(pilotId: string) {
      yield* pilots.get(pilotId)
      return yield* repo.history(pilotId)
    })

    /** The pilot's latest decision record, if it has one. */
    const latest = Effect.fn("Decisions.latest")(function*(pilotId: string) {
      yield* pilots.get(pilotId)
      return yield* repo.latest(pilotId)
    })

    /** Records months of actuals (all or nothing); every value is checked first. */
    const recordActuals = Effect.fn("Decisions.recordActuals")(function*(pilotId: string, rows: ReadonlyArray<ActualInput>, source: string) {
      yield* pilots.get(pilotId)
      const problems = rows.flatMap((r, i) => [
        ...(MONTH.test(r.month) ? [] : [`row ${i + 1}: month "${r.month}" is not YYYY-MM`]),
        ...(Number.isFinite(r.cost) && r.cost >= 0 ? [] : [`row ${i + 1}: cost must be a number ≥ 0, got ${r.cost}`]),
        ...(Number.isFinite(r.benefit) && r.benefit >= 0 ? [] : [`row ${i + 1}: benefit must be a number ≥ 0, got ${r.benefit}`])
      ])
      if (problems.length > 0) return yield* new InputError({ source, detail: problems.join("; ") })
      const now = yield* nowIso
      return yield* repo.recordActuals(rows.map((r) => ({ pilot_id: pilotId, month: r.month, cost: r.cost, benefit: r.benefit, recorded_at: now, source })))
    })

    /** The forecast band of the deciding record beside the actual cumulative cash flow. */
    const roi = Effect.fn("Decisions.roi")(function*(pilotId: string) {
      const pilot = yield* pilots.get(pilotId)
      const decisions = yield* repo.history(pilotId)
      const actuals = yield* repo.actuals(pilotId)
      const base = { pilotId, currency: pilot.definition.economics.currency, months: actuals.map((a) => a.month) }
      const chosen = [...decisions].reverse().find((d) => d.verdict === "GO") ?? decisions[decisions.length - 1]
      if (chosen === undefined) return new RoiReport({ ...base, note: `no decision recorded yet: run pilotproof decide ${pilotId}` })
      const evaluation = chosen.record
      const variant = evaluation.decision.variant ?? evaluation.analysis.treatments[0]
      const economics = evaluation.economics.find((e) => e._tag === "Evaluated" && e.economics.variant === variant)
      const decision = { seq: chosen.seq, verdict: chosen.verdict, decidedAt: chosen.decided_at }
      if (economics === undefined || economics._tag !== "Evaluated") {
        return new RoiReport({ ...base, decision, note: "the recorded decision has no economics to forecast from" })
      }
      if (actuals.length === 0) {
        return new RoiReport({ ...base, decision, ...(variant === undefined ? {} : { variant }), note: `no actuals yet: pilotproof actuals record ${pilotId} --month YYYY-MM --cost … --benefit …` })
      }
      const first = monthIndex(actuals[0]!.month)
      const comparison = compareActuals(
        economics.economics.monteCarlo.bands,
        actuals.map((a) => ({ month: monthIndex(a.month) - first + 1, cost: a.cost, benefit: a.benefit }))
      )
      return new RoiReport({ ...base, decision, ...(variant === undefined ? {} : { variant }), comparison })
    })

    return { record, history, latest, recordActuals, roi } as const
  }),
  dependencies: [DecisionRepo.Default, PilotRepo.Default, Snapshots.Default, Alerts.Default]
}) {}
