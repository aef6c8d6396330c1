/**
 * Means, sample variances and covariances from sufficient statistics. Variances use the
 * n − 1 (Bessel) denominator and are clamped at 0 against cancellation in Σx² − (Σx)²/n.
 */
import type { MeanStats } from "./Types.js"

/** Sample mean Σx/n (0 when n = 0). */
export const meanOf = (s: MeanStats): number => (s.n > 0 ? s.sum / s.n : 0)

/** Sample variance (Σx² − (Σx)²/n)/(n − 1), n ≥ 2; 0 otherwise. */
export const varianceOf = (s: MeanStats): number => sampleVariance(s.n, s.sum, s.sumSquares)

/** Sample variance from n, Σx, Σx² with the n − 1 denominator, clamped at 0. */
export const sampleVariance = (n: number, sum: number, sumSquares: number): number => {
  if (n < 2) return 0
  const v = (sumSquares - (sum * sum) / n) / (n - 1)
  // Relative cancellation guard: a variance below rounding noise of Σx² is zero.
  return v > Math.abs(sumSquares) * 1e-14 / (n - 1) ? v : 0
}

/** Sample covariance (Σxy − ΣxΣy/n)/(n − 1), n ≥ 2; 0 otherwise. */
export const sampleCovariance = (n: number, sumX: number, sumY: number, sumXY: number): number =>
  n < 2 ? 0 : (sumXY - (sumX * sumY) / n) / (n - 1)

/** Sufficient statistics of a raw sample. */
export const meanStatsOf = (values: ArrayLike<number>): MeanStats => {
  let sum = 0
  let sumSquares = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    sum += v
    sumSquares += v * v
  }
  return { n: values.length, sum, sumSquares }
}
