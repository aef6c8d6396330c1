/**
 * CUPED variance reduction with a pre-period covariate, pooled θ over both arms.
 */
import { studentComparison } from "./EstimateComparison.js"
import { sampleCovariance, sampleVariance } from "./Moments.js"
import { type Alternative, degenerateComparison, UNBOUNDED, type Comparison, type CupedStats } from "./Types.js"

/** CUPED comparison: the Welch comparison of adjusted means plus the adjustment's details. */
export interface CupedResult extends Comparison {
  /** θ = cov(X, Y)/var(X) over both arms pooled. */
  readonly theta: number
  /** Adjusted means Ȳ_i − θ(X̄_i − X̄), X̄ the grand covariate mean. */
  readonly adjustedMeanTreatment: number
  readonly adjustedMeanControl: number
  /** 1 − Var(Δ_adjusted)/Var(Δ_unadjusted), as a fraction (≈ ρ² for equal arms). */
  readonly varianceReduction: number
}

/**
 * CUPED: θ = Ĉov(X, Y)/V̂ar(X) computed on both arms pooled (around the grand means, n − 1
 * denominators); Y*_i = Y_i − θ(X_i − X̄). Per arm, Var(Y*) = s_Y² + θ² s_X² − 2θ s_XY. The
 * difference of adjusted means is tested by Welch's t-test on the adjusted variances
 * (Welch–Satterthwaite df; two-sided unless `alternative` says otherwise) — identical to scipy.stats.ttest_ind(equal_var=False) on
 * the adjusted values. Var(X) = 0 pooled, or so near 0 that θ² overflows → no adjustment (θ = 0).
 * Degenerate inputs as for Welch.
 * Reference: Deng, Xu, Kohavi & Walker (2013), "Improving the Sensitivity of Online Controlled
 * Experiments by Utilizing Pre-Experiment Data", WSDM.
 */
export const cuped = (treatment: CupedStats, control: CupedStats, alpha = 0.05, alternative: Alternative = "two-sided"): CupedResult => {
  const method = "cuped-welch-t"
  const n = treatment.n + control.n
  const sx = treatment.sumX + control.sumX
  const sy = treatment.sumY + control.sumY
  const varX = sampleVariance(n, sx, treatment.sumX2 + control.sumX2)
  const covXY = sampleCovariance(n, sx, sy, treatment.sumXY + control.sumXY)
  const grandX = n > 0 ? sx / n : 0
  const adj = (s: CupedStats, theta: number): { mean: number; varAdj: number; varY: number } => {
    const mean = s.n > 0 ? s.sumY / s.n - theta * (s.sumX / s.n - grandX) : 0
    const vy = sampleVariance(s.n, s.sumY, s.sumY2)
    const vx = sampleVariance(s.n, s.sumX, s.sumX2)
    const cxy = sampleCovariance(s.n, s.sumX, s.sumY, s.sumXY)
    return { mean, varAdj: Math.max(0, vy + theta * theta * vx - 2 * theta * cxy), varY: vy }
  }
  let theta = varX > 0 ? covXY / varX : 0
  let t = adj(treatment, theta)
  let c = adj(control, theta)
  if (!Number.isFinite(t.varAdj) || !Number.isFinite(c.varAdj)) {
    // A covariate whose variance is at the edge of underflow (values ~1e-162) gives a θ whose
    // square overflows: its adjustment means nothing, so none is made (θ = 0, plain Welch).
    theta = 0
    t = adj(treatment, theta)
    c = adj(control, theta)
  }
  const estimate = t.mean - c.mean
  const extra = { theta, adjustedMeanTreatment: t.mean, adjustedMeanControl: c.mean }
  if (treatment.n < 2 || control.n < 2) {
    return { ...degenerateComparison(method, estimate, "too-few-units"), ...extra, varianceReduction: 0 }
  }
  const a = t.varAdj / treatment.n
  const b = c.varAdj / control.n
  const se2 = a + b
  const raw = t.varY / treatment.n + c.varY / control.n
  const varianceReduction = raw > 0 ? 1 - se2 / raw : 0
  if (!(se2 > 0)) return { ...degenerateComparison(method, estimate, "zero-variance", UNBOUNDED, Math.sqrt(se2)), ...extra, varianceReduction }
  const se = Math.sqrt(se2)
  const fa = a / se2
  const fb = b / se2
  const df = 1 / ((fa * fa) / (treatment.n - 1) + (fb * fb) / (control.n - 1))
  return {
    ...studentComparison(method, estimate, se, df, alpha, alternative),
    ...extra,
    varianceReduction
  }
}
