/**
 * The guided pilot form (/register/guided): its fields are a pilot file's paths (`owner.name`,
 * `metrics.1.margin`, `economics.costs.0.oneTime`), so the value it makes is the definition a
 * YAML file would hold, checked by the same reader, and every problem is shown at its field.
 * Fixed numbers of rows (variants, metrics, value lines, cost lines): an empty row is left out.
 */

export const ROWS = { variants: 4, metrics: 6, values: 4, costs: 6 } as const

/** The form's fields as posted (one value per name). */
export type GuidedFields = Readonly<Record<string, string>>

/** Starting values for a new pilot: two arms, one primary, the usual plan, reserve and horizon. */
export const GUIDED_DEFAULTS: GuidedFields = {
  kind: "bot",
  unit: "lead",
  "variants.0.key": "control", "variants.0.weight": "50", control: "0",
  "variants.1.key": "bot", "variants.1.weight": "50",
  "metrics.0.role": "primary", "metrics.0.type": "binomial", "metrics.0.direction": "increase",
  "plan.alpha": "0.05", "plan.power": "0.8", "plan.minDays": "14", "plan.maxDays": "60",
  "economics.currency": "RUB", "economics.horizonMonths": "36", "economics.discountRate": "0.16",
  "economics.contingency": "0.15", "economics.targetPaybackMonths": "12",
  "costs.0.category": "integration",
  "readiness.consent": "required"
}

/** A number where the field holds one; the text otherwise, so the reader says what is wrong there. */
const num = (text: string | undefined): number | string | undefined => {
  const t = text?.trim() ?? ""
  if (t === "") return undefined
  const n = Number(t.replace(",", "."))
  return Number.isFinite(n) && /^[+-]?(\d+([.,]\d*)?|[.,]\d+)(e[+-]?\d+)?$/i.test(t) ? n : t
}

const text = (value: string | undefined): string | undefined => {
  const t = value?.trim() ?? ""
  return t === "" ? undefined : t
}

/** Only the keys whose values are set. */
const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

/** The pilot file the form describes, as a value (JSON is YAML), and the traffic for the estimate. */
/** For each list, the form row each item of the definition came from (empty rows are left out). */
export interface RowsUsed {
  readonly variants: ReadonlyArray<number>
  readonly metrics: ReadonlyArray<number>
  readonly costs: ReadonlyArray<number>
}

export const guidedDefinition = (f: GuidedFields): { readonly value: Record<string, unknown>; readonly perDay: number | undefined; readonly rows: RowsUsed } => {
  const get = (name: string) => f[name]
  const variants = Array.from({ length: ROWS.variants }, (_, i) => i).flatMap((i) => {
    const key = text(get(`variants.${i}.key`))
    if (key === undefined) return []
    return [{ row: i, item: defined({ key, weight: num(get(`variants.${i}.weight`)), control: get("control") === String(i) ? true : undefined }) }]
  })
  const metrics = Array.from({ length: ROWS.metrics }, (_, i) => i).flatMap((i) => {
    const at = (field: string) => get(`metrics.${i}.${field}`)
    const pack = text(at("pack"))
    if (pack !== undefined) return [{ row: i, item: defined({ pack, key: text(at("key")), role: text(at("role")), margin: num(at("margin")) }) }]
    const key = text(at("key"))
    if (key === undefined) return []
    const type = text(at("type"))
    const window = num(at("window"))
    return [{ row: i, item: defined({
      key,
      role: text(at("role")),
      type,
      ...(type === "duration" ? { from: text(at("from")), to: text(at("to")) } : { event: text(at("event")) }),
      aggregate: type === "mean" ? text(at("aggregate")) ?? "sum" : undefined,
      window: window === undefined ? undefined : { days: window },
      direction: text(at("direction")),
      margin: num(at("margin"))
    }) }]
  })
  const value = Object.fromEntries(Array.from({ length: ROWS.values }, (_, i) => i).flatMap((i) => {
    const metric = text(get(`value.${i}.metric`))
    return metric === undefined ? [] : [[metric, num(get(`value.${i}.amount`))]]
  }))
  const costs = Array.from({ length: ROWS.costs }, (_, i) => i).flatMap((i) => {
    const at = (field: string) => get(`costs.${i}.${field}`)
    const item = text(at("item"))
    if (item === undefined) return []
    return [{ row: i, item: defined({ item, category: text(at("category")), oneTime: num(at("oneTime")), monthly: num(at("monthly")), perUnit: num(at("perUnit")) }) }]
  })
  const plan = defined({
    alpha: num(get("plan.alpha")),
    power: num(get("plan.power")),
    mde: num(get("plan.mde")),
    baseline: num(get("plan.baseline")),
    minDays: num(get("plan.minDays")),
    maxDays: num(get("plan.maxDays")),
    sequential: get("plan.sequential") === "on" ? true : undefined
  })
  const unitsPerMonth = num(get("economics.unitsPerMonth"))
  const perDay = num(get("perDay"))
  return {
    perDay: typeof perDay === "number" && perDay > 0 ? perDay : undefined,
    rows: { variants: variants.map((v) => v.row), metrics: metrics.map((m) => m.row), costs: costs.map((c) => c.row) },
    value: defined({
      id: text(get("id")),
      name: text(get("name")),
      kind: text(get("kind")),
      owner: defined({ name: text(get("owner.name")), email: text(get("owner.email")) }),
      hypothesis: text(get("hypothesis")),
      unit: text(get("unit")),
      variants: variants.map((v) => v.item),
      metrics: metrics.map((m) => m.item),
      plan,
      economics: defined({
        currency: text(get("economics.currency")),
        horizonMonths: num(get("economics.horizonMonths")),
        discountRate: num(get("economics.discountRate")),
        contingency: num(get("economics.contingency")),
        targetPaybackMonths: num(get("economics.targetPaybackMonths")),
        volume: unitsPerMonth === undefined ? undefined : { unitsPerMonth },
        value,
        costs: costs.map((c) => c.item)
      }),
      readiness: defined({ consent: text(get("readiness.consent")), dataOwner: text(get("readiness.dataOwner")) })
    })
  }
}

/**
 * The form field an issue's path names (`metrics[1].margin` → `metrics.1.margin`,
 * `economics.costs[0].oneTime` → `costs.0.oneTime`, `economics.value.converted` → the value row
 * naming it), or undefined when it is about a whole section.
 */
export const fieldOfIssue = (path: string, f: GuidedFields, rows: RowsUsed): string | undefined => {
  // a list item's index in the definition → its row in the form
  const dotted = path
    .replace(/^(variants|metrics)\[(\d+)\]/, (_, list: "variants" | "metrics", i: string) => `${list}.${rows[list][Number(i)] ?? i}`)
    .replace(/^economics\.costs\[(\d+)\]/, (_, i: string) => `costs.${rows.costs[Number(i)] ?? i}`)
    .replace(/\[(\d+)\]/g, ".$1")
  if (dotted.startsWith("costs.")) return dotted
  if (dotted === "economics.volume.unitsPerMonth") return "economics.unitsPerMonth"
  const value = /^economics\.value\.(.+)$/.exec(dotted)
  if (value !== null) {
    const row = Array.from({ length: ROWS.values }, (_, i) => i).find((i) => f[`value.${i}.metric`]?.trim() === value[1])
    return row === undefined ? undefined : `value.${row}.metric`
  }
  if (/^metrics\.\d+\.window\.days$/.test(dotted)) return dotted.replace(/\.days$/, "")
  return dotted
}
