/**
 * Charts as inline SVG, rendered on the server by vega-lite → vega (no browser, no script, no
 * external request). Each function takes plain values and returns the SVG text.
 */
import type { EffectAtTime } from "@pilotproof/domain"
import { Effect } from "effect"
import * as vega from "vega"
import * as vl from "vega-lite"

const FONT = "system-ui, -apple-system, Segoe UI, sans-serif"

/**
 * Rendered charts by their spec (data included). A chart takes vega 50–70 ms of the event loop
 * and a page two of them, while its data changes only with a new snapshot or decision: the same
 * spec is rendered once. The oldest of `CACHED_CHARTS` entries goes first.
 */
const CACHED_CHARTS = 256
const rendered = new Map<string, string>()

const toSvg = (spec: vl.TopLevelSpec) =>
  Effect.suspend(() => {
    const key = JSON.stringify(spec)
    const hit = rendered.get(key)
    if (hit !== undefined) {
      rendered.delete(key)
      rendered.set(key, hit)
      return Effect.succeed(hit)
    }
    return Effect.promise(async () => {
      const compiled = vl.compile(spec).spec
      const view = new vega.View(vega.parse(compiled), { renderer: "none" })
      const svg = await view.toSVG()
      view.finalize()
      rendered.set(key, svg)
      if (rendered.size > CACHED_CHARTS) rendered.delete(rendered.keys().next().value!)
      return svg
    })
  })

const config = { font: FONT, axis: { labelFontSize: 11, titleFontSize: 12 }, view: { stroke: null } } as const

export interface ForestRow {
  /** e.g. "converted · bot" */
  readonly label: string
  readonly role: string
  /** Relative effect (treatment vs control), as a fraction. */
  readonly estimate: number
  readonly lower: number
  readonly upper: number
  /** "better" | "worse" | "unclear", for the colour. */
  readonly reading: string
}

/** A forest plot of relative effects with their confidence intervals, one row per comparison. */
export const forestPlot = (rows: ReadonlyArray<ForestRow>) => {
  const finite = rows.filter((r) => [r.estimate, r.lower, r.upper].every(Number.isFinite))
  return toSvg({
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 520,
    height: Math.max(60, 28 * finite.length),
    config,
    data: { values: finite.map((r) => ({ ...r, estimate: r.estimate * 100, lower: r.lower * 100, upper: r.upper * 100 })) },
    encoding: { y: { field: "label", type: "nominal", sort: null, title: null } },
    layer: [
      { mark: { type: "rule", color: "#888", strokeDash: [4, 3] }, encoding: { x: { datum: 0, type: "quantitative" } } },
      {
        mark: { type: "rule", strokeWidth: 2 },
        encoding: {
          x: { field: "lower", type: "quantitative", title: "relative effect vs control, % (95% CI)" },
          x2: { field: "upper" },
          color: { field: "reading", type: "nominal", scale: { domain: ["better", "worse", "unclear"], range: ["#1a7f37", "#cf222e", "#6e7781"] }, legend: { title: null, orient: "bottom" } }
        }
      },
      {
        mark: { type: "point", filled: true, size: 70 },
        encoding: { x: { field: "estimate", type: "quantitative" }, color: { field: "reading", type: "nominal" } }
      }
    ]
  })
}

/** The primary effect as the data stood at each date, with its interval as a band. */
export const effectOverTime = (points: ReadonlyArray<EffectAtTime>, title: string) =>
  toSvg({
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 520,
    height: 200,
    config,
    data: { values: points.filter((p) => [p.estimate, p.lower, p.upper].every(Number.isFinite)) },
    encoding: { x: { field: "date", type: "temporal", title: "data as of" } },
    layer: [
      { mark: { type: "area", opacity: 0.25, color: "#0969da" }, encoding: { y: { field: "lower", type: "quantitative", title }, y2: { field: "upper" } } },
      { mark: { type: "line", color: "#0969da", point: true }, encoding: { y: { field: "estimate", type: "quantitative" } } },
      { mark: { type: "rule", color: "#888", strokeDash: [4, 3] }, encoding: { y: { datum: 0, type: "quantitative" } } }
    ]
  })

export interface BandPoint {
  readonly month: number
  readonly p5: number
  readonly p50: number
  readonly p95: number
}

export interface ActualPoint {
  readonly month: number
  readonly cumulative: number
}

/** Cumulative cash flow: the Monte Carlo band (p5–p95), its median, and actuals when there are any. */
export const cashFlowChart = (bands: ReadonlyArray<BandPoint>, actuals: ReadonlyArray<ActualPoint>, currency: string) =>
  toSvg({
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 560,
    height: 240,
    config,
    layer: [
      {
        data: { values: [...bands] },
        mark: { type: "area", opacity: 0.25, color: "#8250df" },
        encoding: {
          x: { field: "month", type: "quantitative", title: "month" },
          y: { field: "p5", type: "quantitative", title: `cumulative cash flow, ${currency}` },
          y2: { field: "p95" }
        }
      },
      {
        data: { values: [...bands] },
        mark: { type: "line", color: "#8250df" },
        encoding: { x: { field: "month", type: "quantitative" }, y: { field: "p50", type: "quantitative" } }
      },
      ...(actuals.length === 0 ? [] : [{
        data: { values: [...actuals] },
        mark: { type: "line" as const, color: "#cf222e", point: true },
        encoding: { x: { field: "month", type: "quantitative" as const }, y: { field: "cumulative", type: "quantitative" as const } }
      }]),
      { data: { values: [{}] }, mark: { type: "rule", color: "#888", strokeDash: [4, 3] }, encoding: { y: { datum: 0, type: "quantitative" } } }
    ]
  })

/** NPV percentiles (p5, p50, p95) as a horizontal interval with the median, and zero. */
export const npvChart = (npv: { readonly p5: number; readonly p50: number; readonly p95: number; readonly mean: number }, currency: string) =>
  toSvg({
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 560,
    height: 60,
    config,
    layer: [
      { data: { values: [npv] }, mark: { type: "rule", strokeWidth: 6, color: "#8250df", opacity: 0.5 }, encoding: { x: { field: "p5", type: "quantitative", title: `NPV, ${currency} (5th–95th percentile, median)` }, x2: { field: "p95" } } },
      { data: { values: [npv] }, mark: { type: "point", filled: true, size: 100, color: "#8250df" }, encoding: { x: { field: "p50", type: "quantitative" } } },
      { data: { values: [{}] }, mark: { type: "rule", color: "#888", strokeDash: [4, 3] }, encoding: { x: { datum: 0, type: "quantitative" } } }
    ]
  })
