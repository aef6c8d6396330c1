/**
 * Forecast vs actuals after scale-up: the realized cumulative net cash flow beside the
 * Monte Carlo band of the forecast, month by month.
 *
 * Actual months are 1-based months since the scale-up start and must be consecutive from 1
 * (a month 0 row, for spending booked before the start, is accepted and then the run starts at 0).
 * The forecast's cumulative includes the one-time outlay at month 0, so record the actual
 * one-time spending in the month it was paid (usually month 1): both cumulatives then cover
 * the same spending by the end of each month.
 *
 *   net_t = benefit_t − cost_t,  cumulative_t = Σ_{s≤t} net_s
 *   belowForecastP5_t = cumulative_t < p5_t    (a warning: worse than 19 in 20 forecast paths)
 *   aboveForecastP95_t = cumulative_t > p95_t
 *
 * Realized payback applies the Payback.ts rule to the actual cumulative (0 before month 1)
 * through the last reported month.
 */
import type { Note } from "./EconomicsModel.js"
import type { CumulativeBand } from "./MonteCarlo.js"
import { paybackMonth, type PaybackResult } from "./Payback.js"

/** One reported month: money actually spent and earned in it (contingency is not added to actuals). */
export interface ActualMonth {
  /** 1-based month since scale-up start (0 allowed for pre-start spending). */
  readonly month: number
  readonly cost: number
  readonly benefit: number
}

export interface ActualComparisonRow {
  readonly month: number
  readonly cost: number
  readonly benefit: number
  readonly net: number
  readonly cumulative: number
  /** The forecast band for this month; undefined past the forecast horizon. */
  readonly forecast: CumulativeBand | undefined
  readonly belowForecastP5: boolean
  readonly aboveForecastP95: boolean
}

export type ActualsComparison =
  | {
    readonly ok: true
    readonly rows: ReadonlyArray<ActualComparisonRow>
    readonly realizedPayback: PaybackResult
    /** Months whose actual cumulative is below the forecast's 5th percentile. */
    readonly monthsBelowForecastP5: ReadonlyArray<number>
    readonly notes: ReadonlyArray<Note>
  }
  | {
    readonly ok: false
    readonly reason: "INVALID_ACTUALS"
    readonly message: string
    readonly issues: ReadonlyArray<{ readonly path: string; readonly message: string }>
  }

/** Compares reported months with the forecast bands (from `monteCarlo`). */
export const compareActuals = (
  forecastBands: ReadonlyArray<CumulativeBand>,
  actuals: ReadonlyArray<ActualMonth>
): ActualsComparison => {
  const issues: Array<{ path: string; message: string }> = []
  actuals.forEach((a, i) => {
    if (!Number.isInteger(a.month) || a.month < 0) issues.push({ path: `actuals[${i}].month`, message: `month must be an integer ≥ 0, got ${String(a.month)}` })
    if (!Number.isFinite(a.cost)) issues.push({ path: `actuals[${i}].cost`, message: `cost must be finite, got ${String(a.cost)}` })
    if (!Number.isFinite(a.benefit)) issues.push({ path: `actuals[${i}].benefit`, message: `benefit must be finite, got ${String(a.benefit)}` })
  })
  const sorted = [...actuals].sort((a, b) => a.month - b.month)
  if (issues.length === 0 && sorted.length > 0) {
    const first = sorted[0]!.month
    if (first > 1) issues.push({ path: "actuals", message: `months must start at 1 (or 0), first is ${first}` })
    sorted.forEach((a, i) => {
      if (i > 0 && a.month !== sorted[i - 1]!.month + 1) {
        issues.push({ path: "actuals", message: `months must be consecutive and unique: ${sorted[i - 1]!.month} is followed by ${a.month}` })
      }
    })
  }
  if (issues.length > 0) {
    return { ok: false, reason: "INVALID_ACTUALS", message: issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues }
  }
  const bandByMonth = new Map(forecastBands.map((b) => [b.month, b]))
  const rows: Array<ActualComparisonRow> = []
  const below: Array<number> = []
  let cumulative = 0
  let beyond = 0
  for (const a of sorted) {
    const net = a.benefit - a.cost
    cumulative += net
    const forecast = bandByMonth.get(a.month)
    if (forecast === undefined) beyond++
    const belowForecastP5 = forecast !== undefined && cumulative < forecast.p5
    if (belowForecastP5) below.push(a.month)
    rows.push({
      month: a.month,
      cost: a.cost,
      benefit: a.benefit,
      net,
      cumulative,
      forecast,
      belowForecastP5,
      aboveForecastP95: forecast !== undefined && cumulative > forecast.p95
    })
  }
  const notes: Array<Note> = []
  if (beyond > 0) {
    notes.push({ code: "BEYOND_FORECAST", message: `${beyond} reported month(s) have no forecast band (past the forecast horizon)` })
  }
  let realizedPayback: PaybackResult
  if (rows.length === 0) {
    realizedPayback = { ok: false, reason: "NO_MONTHS", message: "no actual months reported yet" }
  } else {
    const series = rows[0]!.month === 0 ? rows.map((r) => r.cumulative) : [0, ...rows.map((r) => r.cumulative)]
    realizedPayback = paybackMonth(series)
  }
  return { ok: true, rows, realizedPayback, monthsBelowForecastP5: below, notes }
}
