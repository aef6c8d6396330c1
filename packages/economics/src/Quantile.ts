/**
 * Sample quantile of sorted values by linear interpolation between order statistics
 * (Hyndman & Fan 1996 type 7; the default of numpy.quantile and R's quantile):
 * h = (n − 1)·p, Q = x_⌊h⌋ + (h − ⌊h⌋)(x_⌊h⌋+1 − x_⌊h⌋). Internal to the package.
 * Type 7 commutes with increasing affine maps, which the Monte Carlo bands rely on.
 */
export const sortedQuantile = (sorted: Float64Array, p: number): number => {
  const n = sorted.length
  if (n === 0) return Number.NaN
  const h = (n - 1) * p
  const lo = Math.floor(h)
  const hi = Math.min(lo + 1, n - 1)
  const a = sorted[lo]!
  return a + (h - lo) * (sorted[hi]! - a)
}
