/**
 * The analysis core, pure (no Effect, no I/O): per-variant sufficient statistics of one metric
 * → one comparison per treatment, with the method chosen for the metric type, the sample size
 * and the plan, and the reason for the choice recorded. The engine's `Analysis` service feeds
 * it from the database; the validity suite feeds it from simulations in memory.
 *
 * Method choice (see docs/methods.md):
 * - binomial: Fisher's exact test with the Newcombe interval when an expected cell count is
 *   below 5, else the two-proportion z-test (pooled SE for p, unpooled for the CI);
 * - mean and duration: Welch's t-test; CUPED-adjusted Welch when the metric has a covariate;
 *   durations add a Mann–Whitney test on the unit values as a check robust to skew;
 * - ratio: the delta method;
 * - sequential plans: the mSPRT always-valid interval and p-value (normal mixture with
 *   τ = the plan's absolute MDE) replace the fixed-horizon ones, on the same estimate;
 * - relative lift: the delta method, with Fieller's interval beside it;
 * - probability to beat control: beta-binomial posteriors (binomial), else a normal model.
 */
import type { Direction, Metric } from "@pilotproof/domain"
import {
  armFromMean,
  armFromProportion,
  betaPosterior,
  type Comparison,
  compareProportions,
  compareRatios,
  cuped,
  holmAdjust,
  type Interval,
  mannWhitney,
  msprt,
  nonInferiorityMeans,
  nonInferiorityProportions,
  normalPosterior,
  normalQuantile,
  probabilityBBeatsA,
  relativeLiftDelta,
  relativeLiftFieller,
  welchTest
} from "@pilotproof/stats"
import type { VariantStats } from "@pilotproof/store"

export interface AnalysisPlan {
  readonly alpha: number
  readonly sequential: boolean
  /** Relative MDE and baseline of the primary, for the mSPRT mixing scale. */
  readonly mde: number
  readonly baseline?: number
}

export interface Effect {
  readonly estimate: number
  readonly ci: Interval
}

export interface VariantSummary {
  readonly variant: string
  /** Units with a value (for durations: completed units). */
  readonly n: number
  /** Rate (binomial), mean (mean, duration) or Σx/Σy (ratio). */
  readonly mean: number
  /** Durations: units started and not finished. */
  readonly open?: number
}

export interface MetricComparison {
  readonly variant: string
  readonly baseline: { readonly variant: string; readonly value: number }
  readonly absolute: Effect
  readonly relative: Effect & { readonly method: string; readonly fieller?: Interval & { readonly bounded: boolean } }
  readonly pValue: number
  readonly adjustedPValue?: number
  readonly method: string
  readonly why: string
  readonly standardError: number
  readonly probabilityToBeat: number
  readonly varianceReduction?: number
  readonly robustness?: { readonly method: string; readonly pValue: number }
  readonly nonInferiority?: { readonly margin: number; readonly bound: number; readonly pValue: number; readonly nonInferior: boolean }
  readonly degenerate?: string
}

export interface MetricAnalysis {
  readonly key: string
  readonly name: string
  readonly role: Metric["role"]
  readonly type: Metric["type"]
  readonly direction: Direction
  readonly unit?: string
  readonly margin?: number
  readonly variants: ReadonlyArray<VariantSummary>
  readonly comparisons: ReadonlyArray<MetricComparison>
}

const summarize = (variant: string, s: VariantStats | undefined): VariantSummary => {
  if (s === undefined) return { variant, n: 0, mean: 0 }
  if (s._tag === "Ratio") {
    return { variant, n: s.moments.n, mean: s.moments.sumY === 0 ? 0 : s.moments.sumX / s.moments.sumY }
  }
  const m = s.moments
  return { variant, n: m.n, mean: m.n === 0 ? 0 : m.sum / m.n, ...(s._tag === "Duration" ? { open: s.open } : {}) }
}

const EMPTY_MOMENTS = { n: 0, sum: 0, sumSquares: 0 }

/** The SE of an estimate from its two-sided (1 − α) normal interval. */
const seFromCi = (ci: Interval, alpha: number) => (ci.upper - ci.lower) / (2 * normalQuantile(1 - alpha / 2))

/**
 * Compares every treatment with the control for one metric. `unitValues` (per variant) enables
 * the Mann–Whitney check on durations; pass nothing to skip it.
 */
export const compareMetric = (
  metric: Metric,
  stats: Readonly<Record<string, VariantStats>>,
  control: string,
  treatments: ReadonlyArray<string>,
  plan: AnalysisPlan,
  unitValues?: Readonly<Record<string, ArrayLike<number>>>
): MetricAnalysis => {
  const alpha = plan.alpha
  const variants = [control, ...treatments].map((v) => summarize(v, stats[v]))
  const controlSummary = variants[0]!

  const comparisons = treatments.map((variant): MetricComparison => {
    const t = stats[variant]
    const c = stats[control]
    let fixed: Comparison
    let why: string
    let varianceReduction: number | undefined
    let probabilityToBeat: number
    let relative: MetricComparison["relative"]
    let nonInferiority: MetricComparison["nonInferiority"]
    let robustness: MetricComparison["robustness"]

    if (metric.type === "binomial") {
      const tp = { n: t?.moments.n ?? 0, conversions: t?._tag === "Moments" ? t.moments.sum : 0 }
      const cp = { n: c?.moments.n ?? 0, conversions: c?._tag === "Moments" ? c.moments.sum : 0 }
      fixed = compareProportions(tp, cp, alpha)
      why = fixed.method === "fisher-exact"
        ? "an expected cell count is below 5: Fisher's exact test, Newcombe interval"
        : "all expected cell counts ≥ 5: two-proportion z-test"
      // Flat Beta(1, 1) priors; only P(p_T > p_C) is needed here (Evan Miller's exact sum).
      const better = probabilityBBeatsA(betaPosterior(cp), betaPosterior(tp))
      probabilityToBeat = metric.direction === "increase" ? better : 1 - better
      const delta = relativeLiftDelta(armFromProportion(tp), armFromProportion(cp), alpha)
      const fieller = relativeLiftFieller(armFromProportion(tp), armFromProportion(cp), alpha)
      relative = { estimate: delta.estimate, ci: delta.ci, method: "delta", fieller: { ...fieller.ci, bounded: fieller.reason !== "unbounded-ci" } }
      if (metric.role === "guardrail" && metric.margin !== undefined) {
        const ni = nonInferiorityProportions(tp, cp, { margin: metric.margin, direction: metric.direction, alpha: alpha / 2 })
        nonInferiority = { margin: metric.margin, bound: ni.bound, pValue: ni.pValue, nonInferior: ni.nonInferior }
      }
    } else if (metric.type === "ratio") {
      const empty = { n: 0, sumX: 0, sumY: 0, sumX2: 0, sumY2: 0, sumXY: 0 }
      const tr = t?._tag === "Ratio" ? t.moments : empty
      const cr = c?._tag === "Ratio" ? c.moments : empty
      fixed = compareRatios(tr, cr, alpha)
      why = "a ratio of sums per arm: delta method with the numerator–denominator covariance"
      const se = fixed.standardError ?? seFromCi(fixed.ci, alpha)
      probabilityToBeat = posteriorBeat(fixed.estimate, se, metric.direction)
      const cMean = controlSummary.mean
      relative = relativeFromAbsolute(fixed, cMean, se, alpha)
    } else {
      const tm = t === undefined || t._tag === "Ratio" ? EMPTY_MOMENTS : t.moments
      const cm = c === undefined || c._tag === "Ratio" ? EMPTY_MOMENTS : c.moments
      const covariate = metric.type === "mean" && metric.covariate !== undefined && t?._tag === "Moments" && c?._tag === "Moments" &&
          t.covariate !== undefined && c.covariate !== undefined
        ? { t: { ...t.covariate, n: tm.n, sumY: tm.sum, sumY2: tm.sumSquares }, c: { ...c.covariate, n: cm.n, sumY: cm.sum, sumY2: cm.sumSquares } }
        : undefined
      if (covariate !== undefined) {
        const adjusted = cuped(covariate.t, covariate.c, alpha)
        fixed = adjusted
        varianceReduction = adjusted.varianceReduction
        why = `CUPED on the pre-exposure covariate (θ = ${adjusted.theta.toPrecision(3)}): Welch's t-test on adjusted values`
      } else {
        fixed = welchTest(tm, cm, alpha)
        why = metric.type === "duration"
          ? "time per unit: Welch's t-test on the mean (Mann–Whitney beside it, robust to skew)"
          : "a mean per unit: Welch's t-test with Welch–Satterthwaite degrees of freedom"
      }
      const se = fixed.standardError ?? seFromCi(fixed.ci, alpha)
      probabilityToBeat = posteriorBeat(fixed.estimate, se, metric.direction)
      const delta = relativeLiftDelta(armFromMean(tm), armFromMean(cm), alpha)
      const fieller = relativeLiftFieller(armFromMean(tm), armFromMean(cm), alpha)
      relative = covariate !== undefined
        ? relativeFromAbsolute(fixed, controlSummary.mean, se, alpha)
        : { estimate: delta.estimate, ci: delta.ci, method: "delta", fieller: { ...fieller.ci, bounded: fieller.reason !== "unbounded-ci" } }
      if (metric.role === "guardrail" && metric.margin !== undefined) {
        const ni = nonInferiorityMeans(tm, cm, { margin: metric.margin, direction: metric.direction, alpha: alpha / 2 })
        nonInferiority = { margin: metric.margin, bound: ni.bound, pValue: ni.pValue, nonInferior: ni.nonInferior }
      }
      const values = unitValues
      if (metric.type === "duration" && values?.[variant] !== undefined && values[control] !== undefined) {
        const mw = mannWhitney(values[variant]!, values[control]!, "auto")
        robustness = { method: mw.method, pValue: mw.pValue }
      }
    }

    const standardError = fixed.standardError ?? seFromCi(fixed.ci, alpha)
    let absolute: Effect = { estimate: fixed.estimate, ci: fixed.ci }
    let pValue = fixed.pValue
    let method = fixed.method
    if (plan.sequential && fixed.reason === undefined && standardError > 0) {
      // Always-valid inference: same estimate, mSPRT interval and p (τ = absolute MDE).
      const tau = Math.abs((plan.baseline ?? controlSummary.mean) * plan.mde) || standardError
      const seq = msprt(fixed.estimate, standardError * standardError, { alpha, mixingVariance: tau * tau })
      absolute = { estimate: seq.estimate, ci: seq.ci }
      pValue = seq.pValue
      method = `${fixed.method}+msprt`
      why = `${why}; sequential plan: mSPRT always-valid interval and p-value (τ = ${tau.toPrecision(3)})`
      relative = scaleRelative(relative, absolute, controlSummary.mean)
    }
    return {
      variant,
      baseline: { variant: control, value: controlSummary.mean },
      absolute,
      relative,
      pValue,
      method,
      why,
      standardError,
      probabilityToBeat,
      ...(varianceReduction === undefined ? {} : { varianceReduction }),
      ...(robustness === undefined ? {} : { robustness }),
      ...(nonInferiority === undefined ? {} : { nonInferiority }),
      ...(fixed.reason === undefined ? {} : { degenerate: fixed.reason })
    }
  })

  return {
    key: metric.key,
    name: metric.name ?? metric.key,
    role: metric.role,
    type: metric.type,
    direction: metric.direction,
    ...(metric.unit === undefined ? {} : { unit: metric.unit }),
    ...(metric.margin === undefined ? {} : { margin: metric.margin }),
    variants,
    comparisons
  }
}

/** P(the treatment is better) under a flat-prior normal model of the effect. */
const posteriorBeat = (estimate: number, se: number, direction: Direction) => {
  if (!(se > 0)) return estimate === 0 ? 0.5 : (estimate > 0) === (direction === "increase") ? 1 : 0
  const p = normalPosterior(estimate, se).probabilityPositive
  return direction === "increase" ? p : 1 - p
}

/** Relative lift Δ/μ_C with the interval of Δ divided by μ_C (control mean treated as known). */
const relativeFromAbsolute = (fixed: Comparison, controlMean: number, se: number, alpha: number): MetricComparison["relative"] => {
  if (controlMean === 0) return { estimate: 0, ci: { lower: -Infinity, upper: Infinity }, method: "absolute/control (zero control mean)" }
  const z = normalQuantile(1 - alpha / 2)
  const k = 1 / Math.abs(controlMean)
  return {
    estimate: fixed.estimate / controlMean,
    ci: { lower: (fixed.estimate - z * se) * k, upper: (fixed.estimate + z * se) * k },
    method: "absolute/control"
  }
}

/** The relative interval scaled to match a widened (always-valid) absolute interval. */
const scaleRelative = (relative: MetricComparison["relative"], absolute: Effect, controlMean: number): MetricComparison["relative"] =>
  controlMean === 0
    ? relative
    : {
      ...relative,
      ci: { lower: absolute.ci.lower / Math.abs(controlMean), upper: absolute.ci.upper / Math.abs(controlMean) },
      method: `${relative.method}, always-valid width`
    }

/**
 * Holm-adjusted p-values across the success metrics (primary and secondaries) for each
 * treatment; guardrails are tested on their own (non-inferiority) and not adjusted.
 */
export const adjustSuccessMetrics = (metrics: ReadonlyArray<MetricAnalysis>): Array<MetricAnalysis> => {
  const treatments = [...new Set(metrics.flatMap((m) => m.comparisons.map((c) => c.variant)))]
  const adjusted = new Map<string, number>()
  for (const variant of treatments) {
    const entries = metrics
      .filter((m) => m.role !== "guardrail")
      .flatMap((m) => m.comparisons.filter((c) => c.variant === variant).map((c) => ({ key: m.key, p: c.pValue })))
    const p = holmAdjust(entries.map((e) => e.p))
    entries.forEach((e, i) => adjusted.set(`${e.key}\u0000${variant}`, p[i]!))
  }
  return metrics.map((m) => ({
    ...m,
    comparisons: m.comparisons.map((c) => {
      const a = adjusted.get(`${m.key}\u0000${c.variant}`)
      return a === undefined ? c : { ...c, adjustedPValue: a }
    })
  }))
}
