/**
 * The economics inputs of a pilot, as plain values: horizon, discount rate, contingency,
 * volume at scale, optional ramp, the money each valued metric is worth, and the cost lines.
 * `validateModel` lists everything wrong with a model as coded issues; every model-level
 * function in this package runs it first and returns `InvalidModel` instead of throwing or
 * producing NaN.
 *
 * Conventions (see docs/finance.md):
 * - Money is in the pilot's currency; amounts are nominal (no inflation adjustment).
 * - A cost line may combine `oneTime` (paid at month 0), `monthly` (every month 1..H) and
 *   `perUnit` (per unit of volume in months 1..H). Costs are non-negative; a saving is a value
 *   driver, not a negative cost.
 * - `contingency` is a reserve share added on top of every cost: cost × (1 + contingency).
 * - `horizonMonths` is an integer ≥ 1 (a zero horizon has no months to pay back in and is
 *   rejected with `INVALID_HORIZON`).
 */

/** One line of the total cost of ownership. Any combination of the three parts is allowed. */
export interface CostLine {
  readonly item: string
  /** Paid once at month 0 (scale-up start). */
  readonly oneTime?: number
  /** Paid in each month 1..H. */
  readonly monthly?: number
  /** Paid per unit of volume (lead, conversation, customer) in months 1..H; ramps with volume. */
  readonly perUnit?: number
}

/**
 * The money one unit of a metric is worth, per unit of volume. `direction` says which way is
 * good: an increase in `converted` earns value; a decrease in `handle_minutes` saves value.
 */
export interface ValueDriver {
  readonly metric: string
  /** Money per unit of the metric per unit of volume (e.g. 12000 per conversion; 15 per minute). ≥ 0. */
  readonly valuePerUnit: number
  readonly direction: "increase" | "decrease"
}

/** The economics block of a pilot, in plain numbers. */
export interface EconomicsModel {
  /** Months after scale-up the evaluation covers, integer ≥ 1. */
  readonly horizonMonths: number
  /** Annual discount rate (0.16 = 16 % a year), > −1; converted to monthly as (1 + r)^(1/12) − 1. */
  readonly annualDiscountRate: number
  /** Reserve share added on top of every cost line, ≥ 0. */
  readonly contingency: number
  /** The payback the sponsor asks for, in months, ≥ 0. */
  readonly targetPaybackMonths: number
  /** Units (leads, conversations, customers) per month at full scale, ≥ 0. */
  readonly unitsPerMonth: number
  /** Linear ramp of volume to full scale over this many months (0 or absent = no ramp). */
  readonly rampMonths?: number
  readonly drivers: ReadonlyArray<ValueDriver>
  readonly costs: ReadonlyArray<CostLine>
}

/** Metric key → absolute effect, treatment − control, per unit (e.g. conversion +0.02; minutes −1.8). */
export type Effects = Readonly<Record<string, number>>

/** The sampling distribution of one metric's effect, taken as Normal(estimate, standardError²). */
export interface EffectDistribution {
  readonly estimate: number
  /** ≥ 0; 0 means the effect is treated as known exactly. */
  readonly standardError: number
}

/** Codes for what can be wrong with a model or its effects. */
export type ModelIssueCode =
  | "INVALID_HORIZON"
  | "INVALID_DISCOUNT_RATE"
  | "INVALID_CONTINGENCY"
  | "INVALID_TARGET_PAYBACK"
  | "INVALID_VOLUME"
  | "INVALID_RAMP"
  | "INVALID_COST"
  | "INVALID_VALUE"
  | "DUPLICATE_DRIVER"
  | "INVALID_EFFECT"
  | "INVALID_DISTRIBUTION"
  | "INVALID_OPTION"

/** One problem, with the field path it was found at. */
export interface ModelIssue {
  readonly code: ModelIssueCode
  readonly path: string
  readonly message: string
}

/** Returned instead of a result when the inputs cannot be evaluated. */
export interface InvalidModel {
  readonly ok: false
  readonly reason: "INVALID_MODEL"
  readonly message: string
  readonly issues: ReadonlyArray<ModelIssue>
}

/** Codes for conditions that do not stop a computation but change how to read it. */
export type NoteCode =
  | "NO_VALUE_DRIVERS"
  | "ZERO_VOLUME"
  | "EFFECT_MISSING"
  | "EFFECT_NOT_VALUED"
  | "DISTRIBUTION_MISSING"
  | "ZERO_VARIANCE"
  | "BEYOND_FORECAST"

/** A condition worth telling the reader about, e.g. a valued metric with no effect supplied. */
export interface Note {
  readonly code: NoteCode
  readonly message: string
}

const finite = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x)

/**
 * Lists every problem with a model (empty when it can be evaluated). Never throws.
 * Rules: integer horizon ≥ 1; annual rate finite and > −1; contingency, target payback,
 * volume, ramp, every cost part and every value per unit finite and ≥ 0; driver metrics unique.
 */
export const validateModel = (model: EconomicsModel): ReadonlyArray<ModelIssue> => {
  const issues: Array<ModelIssue> = []
  const add = (code: ModelIssueCode, path: string, message: string) => issues.push({ code, path, message })
  if (!finite(model.horizonMonths) || !Number.isInteger(model.horizonMonths) || model.horizonMonths < 1) {
    add("INVALID_HORIZON", "horizonMonths", `horizonMonths must be an integer ≥ 1, got ${String(model.horizonMonths)}`)
  }
  if (!finite(model.annualDiscountRate) || model.annualDiscountRate <= -1) {
    add("INVALID_DISCOUNT_RATE", "annualDiscountRate", `annualDiscountRate must be finite and > −1, got ${String(model.annualDiscountRate)}`)
  }
  if (!finite(model.contingency) || model.contingency < 0) {
    add("INVALID_CONTINGENCY", "contingency", `contingency must be finite and ≥ 0, got ${String(model.contingency)}`)
  }
  if (!finite(model.targetPaybackMonths) || model.targetPaybackMonths < 0) {
    add("INVALID_TARGET_PAYBACK", "targetPaybackMonths", `targetPaybackMonths must be finite and ≥ 0, got ${String(model.targetPaybackMonths)}`)
  }
  if (!finite(model.unitsPerMonth) || model.unitsPerMonth < 0) {
    add("INVALID_VOLUME", "unitsPerMonth", `unitsPerMonth must be finite and ≥ 0, got ${String(model.unitsPerMonth)}`)
  }
  if (model.rampMonths !== undefined && (!finite(model.rampMonths) || model.rampMonths < 0)) {
    add("INVALID_RAMP", "rampMonths", `rampMonths must be finite and ≥ 0, got ${String(model.rampMonths)}`)
  }
  model.costs.forEach((line, i) => {
    for (const part of ["oneTime", "monthly", "perUnit"] as const) {
      const v = line[part]
      if (v !== undefined && (!finite(v) || v < 0)) {
        add("INVALID_COST", `costs[${i}].${part}`, `cost "${line.item}" ${part} must be finite and ≥ 0, got ${String(v)}`)
      }
    }
  })
  const seen = new Set<string>()
  model.drivers.forEach((driver, i) => {
    if (!finite(driver.valuePerUnit) || driver.valuePerUnit < 0) {
      add("INVALID_VALUE", `drivers[${i}].valuePerUnit`, `value of "${driver.metric}" must be finite and ≥ 0, got ${String(driver.valuePerUnit)}`)
    }
    if (driver.direction !== "increase" && driver.direction !== "decrease") {
      add("INVALID_VALUE", `drivers[${i}].direction`, `direction of "${driver.metric}" must be increase or decrease, got ${String(driver.direction)}`)
    }
    if (seen.has(driver.metric)) {
      add("DUPLICATE_DRIVER", `drivers[${i}].metric`, `metric "${driver.metric}" is valued twice`)
    }
    seen.add(driver.metric)
  })
  return issues
}

/** Builds the `InvalidModel` result from a non-empty issue list. */
export const invalidModel = (issues: ReadonlyArray<ModelIssue>): InvalidModel => ({
  ok: false,
  reason: "INVALID_MODEL",
  message: issues.map((i) => `${i.path}: ${i.message}`).join("; "),
  issues
})
