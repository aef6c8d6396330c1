/**
 * Internal rate of return: the monthly rate m > −1 at which NPV(m) = Σ flows[t]·(1 + m)^(−t) = 0,
 * reported also annualized as (1 + m)^12 − 1.
 *
 * Method: NPV(m) is evaluated on a fixed grid of monthly rates from −0.99 to 1000; of the
 * intervals where it changes sign, the one nearest to m = 0 is refined with Brent's method
 * (Brent 1973, "Algorithms for Minimization without Derivatives", ch. 4; the zeroin form in
 * Press et al., Numerical Recipes, §9.3) to |Δm| ≤ 1e-12. Flows with no sign change have no IRR
 * (`NO_SIGN_CHANGE`); flows whose NPV does not change sign on the grid get `NO_ROOT_IN_RANGE`.
 * Flows with more than one sign change may have several IRRs (Descartes' rule of signs); the
 * one nearest to 0 is returned with `multipleRootsPossible: true`.
 */
import { annualRate, npvAtMonthlyRate } from "./Discounting.js"

export type IrrResult =
  | {
    readonly ok: true
    readonly monthly: number
    readonly annual: number
    /** True when the flows change sign more than once, so other IRRs may exist. */
    readonly multipleRootsPossible: boolean
  }
  | {
    readonly ok: false
    readonly reason: "NO_SIGN_CHANGE" | "NO_ROOT_IN_RANGE" | "NON_FINITE_FLOWS"
    readonly message: string
  }

const GRID: ReadonlyArray<number> = [
  -0.99, -0.95, -0.9, -0.8, -0.7, -0.6, -0.5, -0.4, -0.3, -0.2, -0.15, -0.1, -0.07, -0.05, -0.03, -0.02, -0.01,
  -0.005, 0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10, 20, 50,
  100, 1000
]

const countSignChanges = (flows: ReadonlyArray<number>): number => {
  let changes = 0
  let previous = 0
  for (const f of flows) {
    if (f === 0) continue
    const s = Math.sign(f)
    if (previous !== 0 && s !== previous) changes++
    previous = s
  }
  return changes
}

/** Brent's root finder on [a, b] with f(a)·f(b) ≤ 0. */
export const brent = (f: (x: number) => number, a0: number, b0: number, tolerance = 1e-12, maxIterations = 200): number => {
  let a = a0
  let b = b0
  let fa = f(a)
  let fb = f(b)
  if (fa === 0) return a
  if (fb === 0) return b
  let c = a
  let fc = fa
  let d = b - a
  let e = d
  for (let i = 0; i < maxIterations; i++) {
    if (fb * fc > 0) {
      c = a
      fc = fa
      d = b - a
      e = d
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b
      b = c
      c = a
      fa = fb
      fb = fc
      fc = fa
    }
    const tol = 2 * Number.EPSILON * Math.abs(b) + 0.5 * tolerance
    const m = 0.5 * (c - b)
    if (Math.abs(m) <= tol || fb === 0) return b
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      // Inverse quadratic interpolation, or secant when only two points differ.
      const s = fb / fa
      let p: number
      let q: number
      if (a === c) {
        p = 2 * m * s
        q = 1 - s
      } else {
        const qa = fa / fc
        const r = fb / fc
        p = s * (2 * m * qa * (qa - r) - (b - a) * (r - 1))
        q = (qa - 1) * (r - 1) * (s - 1)
      }
      if (p > 0) q = -q
      else p = -p
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d
        d = p / q
      } else {
        d = m
        e = m
      }
    } else {
      d = m
      e = m
    }
    a = b
    fa = fb
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol
    fb = f(b)
  }
  return b
}

/** Monthly and annualized IRR of monthly flows (`flows[0]` = month 0); see the file comment. */
export const irr = (flows: ReadonlyArray<number>): IrrResult => {
  if (flows.some((f) => !Number.isFinite(f))) {
    return { ok: false, reason: "NON_FINITE_FLOWS", message: "flows must all be finite" }
  }
  const signChanges = countSignChanges(flows)
  if (signChanges === 0) {
    return { ok: false, reason: "NO_SIGN_CHANGE", message: "flows never change sign, so no rate makes NPV zero" }
  }
  const f = (m: number) => npvAtMonthlyRate(flows, m)
  const values = GRID.map(f)
  let best: { readonly lo: number; readonly hi: number } | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (let i = 0; i + 1 < GRID.length; i++) {
    const lo = GRID[i]!
    const hi = GRID[i + 1]!
    const flo = values[i]!
    const fhi = values[i + 1]!
    // Very long horizons overflow near m = −99 %; such grid points cannot bracket a root.
    if (!Number.isFinite(flo) || !Number.isFinite(fhi)) continue
    if (flo === 0 || (flo < 0) !== (fhi < 0) || fhi === 0) {
      const distance = Math.min(Math.abs(lo), Math.abs(hi))
      if (distance < bestDistance) {
        bestDistance = distance
        best = { lo, hi }
      }
    }
  }
  if (best === undefined) {
    return { ok: false, reason: "NO_ROOT_IN_RANGE", message: "NPV keeps one sign for monthly rates from −99 % to 100 000 %" }
  }
  const monthly = brent(f, best.lo, best.hi)
  return { ok: true, monthly, annual: annualRate(monthly), multipleRootsPossible: signChanges > 1 }
}
