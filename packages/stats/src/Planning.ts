/**
 * Sample size and minimum detectable effect for two equal arms, two-sided or one-sided tests,
 * normal approximation (the closed forms of statsmodels' NormalIndPower / the textbook formulas).
 */
import { chiSquareCdf, normalCdf, normalPdf, normalQuantile, studentTQuantile } from "./Distributions.js"
import { alwaysValidHalfWidth, confidenceSequenceHalfWidth } from "./Sequential.js"

/** Common planning inputs. */
export interface PlanOptions {
  /** Family-wise significance level before correction (default 0.05). */
  readonly alpha?: number
  /** Power 1 − β (default 0.8). */
  readonly power?: number
  /** Number of metrics in the family the alpha is shared by (Bonferroni; default 1). */
  readonly comparisons?: number
  /**
   * 2 (default): a two-sided test, z_{1−α'/2}; 1: a one-sided test on the side of the effect,
   * z_{1−α'} (statsmodels' alternative="larger"), with power from that tail alone.
   */
  readonly sides?: 1 | 2
  /**
   * The sequential figures of a plan analysed with the asymptotic confidence sequence tuned at
   * N* = this many units of both arms, instead of mSPRT (two-sided only).
   */
  readonly confidenceSequenceTuning?: number
}

/**
 * Bonferroni convention: each of m comparisons in a family (the success metrics, or the
 * guardrails, each family counted separately) is tested two-sided at α/m.
 * Reference: Dunn (1961), JASA 56:52–64.
 */
export const bonferroniAlpha = (alpha: number, comparisons: number): number => alpha / Math.max(1, comparisons)

/** The critical z of the (corrected) test: z_{1−α'/2} two-sided, z_{1−α'} one-sided. */
const zAlpha = (o: PlanOptions): number =>
  normalQuantile(1 - bonferroniAlpha(o.alpha ?? 0.05, o.comparisons ?? 1) / (o.sides ?? 2))

const zSum = (o: PlanOptions): number => zAlpha(o) + normalQuantile(o.power ?? 0.8)

/**
 * Units per arm to detect an absolute change `mde` from `baseline` rate:
 * n = ⌈(z_{1−α'/2} + z_{1−β})² (p₁(1 − p₁) + p₂(1 − p₂)) / δ²⌉, p₂ = p₁ + δ, α' = α/m.
 * (Unpooled-variance form, as in Fleiss et al. 2003 §4.2 without continuity correction.)
 */
export const sampleSizeProportions = (baseline: number, mde: number, options: PlanOptions = {}): number => {
  const p2 = baseline + mde
  const z = zSum(options)
  return Math.ceil((z * z * (baseline * (1 - baseline) + p2 * (1 - p2))) / (mde * mde))
}

/**
 * Units per arm to detect an absolute difference `mde` in means with common SD `sd`:
 * n = ⌈2σ²(z_{1−α'/2} + z_{1−β})² / δ²⌉, α' = α/m. Reference: Chow, Shao & Wang (2008), §3.2.
 */
export const sampleSizeMeans = (sd: number, mde: number, options: PlanOptions = {}): number => {
  const z = zSum(options)
  return Math.ceil((2 * sd * sd * z * z) / (mde * mde))
}

/** Minimum detectable absolute difference in means with n per arm: δ = (z_{1−α'/2} + z_{1−β})·σ·√(2/n). */
export const mdeMeans = (sd: number, n: number, options: PlanOptions = {}): number => zSum(options) * sd * Math.sqrt(2 / n)

/**
 * Minimum detectable absolute increase δ over `baseline` with n per arm: the root of
 * n·δ² = (z_{1−α'/2} + z_{1−β})² (p₁(1 − p₁) + (p₁ + δ)(1 − p₁ − δ)) in (0, 1 − p₁], by bisection
 * to 1e−12 (iterative). Infinity when even δ = 1 − p₁ is not detectable.
 */
export const mdeProportions = (baseline: number, n: number, options: PlanOptions = {}): number => {
  const z2 = zSum(options) ** 2
  const f = (d: number): number => n * d * d - z2 * (baseline * (1 - baseline) + (baseline + d) * (1 - baseline - d))
  let lo = 0
  let hi = 1 - baseline
  if (f(hi) < 0) return Infinity
  for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2
    if (f(mid) < 0) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

/**
 * Power of the two-sided z-test with n units per arm for an absolute difference δ whose per-unit
 * variances add to `varianceSum` (σ_T² + σ_C²): with se = √(varianceSum/n) and z = z_{1−α'/2},
 * power = Φ(|δ|/se − z) + Φ(−|δ|/se − z), α' = α/m. This is statsmodels'
 * NormalIndPower().power(effect_size = δ/√(varianceSum/2), nobs1 = n, alpha = α', ratio = 1),
 * both tails counted. One-sided (`sides` 1, the test on δ's side): power = Φ(|δ|/se − z_{1−α'}),
 * statsmodels' alternative="larger". Reference: Chow, Shao & Wang (2008), §3.2.
 */
export const powerTwoSided = (delta: number, varianceSum: number, n: number, options: PlanOptions = {}): number => {
  if (!(n > 0) || !(varianceSum > 0)) return Number.NaN
  const z = zAlpha(options)
  const k = Math.abs(delta) / Math.sqrt(varianceSum / n)
  return normalCdf(k - z) + ((options.sides ?? 2) === 2 ? normalCdf(-k - z) : 0)
}

/** Simpson intervals on each side of z = −ncp in `studentPower`. */
const STUDENT_POWER_STEPS = 1000

/**
 * Power of the two-sided Student t-test with `df` degrees of freedom at noncentrality `ncp`
 * (one-sided with `sides` 1, on ncp's side): P(|T'| > c), c = t_{1−α'/2, df}, for
 * T' = (Z + ncp)/√(V/df), V ~ χ²_df. There is no noncentral t in @stdlib's modular packages, so
 * the power is integrated over Z: |T'| > c ⇔ V < df·((Z + ncp)/c)², hence
 * power = ∫ φ(z)·F_χ²(df·((z + ncp)/c)²) dz (over z > −ncp only, one-sided), by Simpson's rule on
 * [−10, 10] split at −ncp (2 × 1 000 intervals; within 1e-9 of scipy's nct). This is statsmodels'
 * TTestIndPower().power(effect_size = d, nobs1 = k, ratio = 1) with ncp = d·√(k/2), df = 2k − 2.
 */
export const studentPower = (ncp: number, df: number, options: PlanOptions = {}): number => {
  if (!(df > 0) || !Number.isFinite(ncp)) return Number.NaN
  const sides = options.sides ?? 2
  const c = studentTQuantile(1 - bonferroniAlpha(options.alpha ?? 0.05, options.comparisons ?? 1) / sides, df)
  const d = Math.abs(ncp)
  const f = (z: number) => normalPdf(z) * chiSquareCdf(df * ((z + d) / c) ** 2, df)
  const simpson = (a: number, b: number) => {
    if (!(b > a)) return 0
    const h = (b - a) / (2 * STUDENT_POWER_STEPS)
    let sum = f(a) + f(b)
    for (let i = 1; i < 2 * STUDENT_POWER_STEPS; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h)
    return (sum * h) / 3
  }
  const split = Math.min(10, Math.max(-10, -d))
  return Math.min(1, simpson(split, 10) + (sides === 2 ? simpson(-10, split) : 0))
}

/**
 * Power of a cluster-randomized comparison: `clustersPerArm` clusters of `clusterSize` units per
 * arm, per-unit variances adding to `varianceSum`, intra-cluster correlation `icc`, analysed by
 * the cluster-level t (C − 2 = 2k − 2 df). Each arm's mean has variance (varianceSum/2)·DE/(m·k)
 * with DE = 1 + (m − 1)·ICC, so ncp = |δ|/√(varianceSum·DE/(m·k)). Reference: Hayes & Moulton
 * (2017), §7.3 (the t form of their sample-size formula); statsmodels TTestIndPower on cluster means.
 */
export const clusterPower = (
  delta: number,
  varianceSum: number,
  clusterSize: number,
  icc: number,
  clustersPerArm: number,
  options: PlanOptions = {}
): number => {
  if (!(clustersPerArm >= 2) || !(varianceSum > 0) || !(clusterSize > 0)) return Number.NaN
  const de = 1 + (clusterSize - 1) * icc
  return studentPower(delta / Math.sqrt((varianceSum * de) / (clusterSize * clustersPerArm)), 2 * clustersPerArm - 2, options)
}

/** Power for an absolute change `mde` from a `baseline` rate with n per arm (unpooled variances, as `sampleSizeProportions`). */
export const powerProportions = (baseline: number, mde: number, n: number, options: PlanOptions = {}): number => {
  const p2 = baseline + mde
  return powerTwoSided(mde, baseline * (1 - baseline) + p2 * (1 - p2), n, options)
}

/** Power for an absolute difference `mde` in means with common SD `sd` and n per arm. */
export const powerMeans = (sd: number, mde: number, n: number, options: PlanOptions = {}): number =>
  powerTwoSided(mde, 2 * sd * sd, n, options)

/**
 * Power of the always-valid (mSPRT, normal mixture τ²) test at its last look, n per arm: the
 * sequential plan rejects once the interval Δ̂ ± h(v) excludes 0, with v = varianceSum/n and
 * h(v) = √(v(v + τ²)/τ² · (2 ln(1/α') + ln((v + τ²)/v))) (`msprt`); at the last look,
 * power = Φ((|δ| − h)/√v) + Φ((−|δ| − h)/√v). One-sided (`sides` 1): h is the half-normal
 * mixture's one-sided width and only the first term counts. With `confidenceSequenceTuning`, h is
 * the asymptotic confidence sequence's half-width after 2n units (`confidenceSequenceHalfWidth`).
 * Earlier looks can only add rejections, so this is the power the plan is sure of. Reference: Johari, Pekelis & Walsh (2017), "Always Valid
 * Inference", KDD; Johari et al. (2022), Operations Research 70(3).
 */
export const sequentialPower = (delta: number, varianceSum: number, n: number, tau2: number, options: PlanOptions = {}): number => {
  if (!(n > 0) || !(varianceSum > 0) || !(tau2 > 0)) return Number.NaN
  const alpha = bonferroniAlpha(options.alpha ?? 0.05, options.comparisons ?? 1)
  const v = varianceSum / n
  const sides = options.sides ?? 2
  const h = options.confidenceSequenceTuning !== undefined
    ? confidenceSequenceHalfWidth(v, 2 * n, alpha, options.confidenceSequenceTuning)
    : alwaysValidHalfWidth(v, tau2, alpha, sides)
  const s = Math.sqrt(v)
  return normalCdf((Math.abs(delta) - h) / s) + (sides === 2 ? normalCdf((-Math.abs(delta) - h) / s) : 0)
}

/**
 * The smallest n per arm at which `sequentialPower` reaches the target power (doubling, then
 * bisection on integers; the power rises with n once |δ| is resolvable). Infinity when δ = 0.
 */
export const sequentialSampleSize = (delta: number, varianceSum: number, tau2: number, options: PlanOptions = {}): number => {
  const target = options.power ?? 0.8
  if (delta === 0) return Infinity
  const enough = (n: number) => sequentialPower(delta, varianceSum, n, tau2, options) >= target
  let hi = 2
  while (!enough(hi)) {
    hi *= 2
    if (hi > 2 ** 50) return Infinity
  }
  let lo = hi / 2
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (enough(mid)) hi = mid
    else lo = mid
  }
  return hi
}

/**
 * The smallest |δ| the always-valid test detects with the target power at n per arm (bisection on
 * `sequentialPower`, per-unit variances held at `varianceSum`, to 1e−12 relative).
 */
export const sequentialMde = (varianceSum: number, n: number, tau2: number, options: PlanOptions = {}): number => {
  const target = options.power ?? 0.8
  if (!(n > 0) || !(varianceSum > 0) || !(tau2 > 0)) return Infinity
  const enough = (d: number) => sequentialPower(d, varianceSum, n, tau2, options) >= target
  let hi = Math.sqrt(varianceSum / n)
  while (!enough(hi)) hi *= 2
  let lo = 0
  while (hi - lo > 1e-12 * hi) {
    const mid = (lo + hi) / 2
    if (enough(mid)) hi = mid
    else lo = mid
  }
  return hi
}
