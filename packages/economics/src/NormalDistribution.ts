/**
 * Standard normal density and distribution function, kept local so the economics package
 * depends on nothing but `@pilotproof/stats`' seeded generator. Φ uses Hart's (1968)
 * algorithm 5666 in the double-precision form given by West (2005), "Better approximations to
 * cumulative normal functions", Wilmott Magazine, 70–76 (absolute error below 1e-14).
 * Internal to the package; tests check it against @stdlib.
 */

/** φ(x) = exp(−x²/2) / √(2π). */
export const normalPdf = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI)

/** Φ(x), the standard normal distribution function. */
export const normalCdf = (x: number): number => {
  if (Number.isNaN(x)) return Number.NaN
  const z = Math.abs(x)
  let tail: number
  if (z > 37) {
    tail = 0
  } else {
    const e = Math.exp(-0.5 * z * z)
    if (z < 7.07106781186547) {
      let n = 3.52624965998911e-2 * z + 0.700383064443688
      n = n * z + 6.37396220353165
      n = n * z + 33.912866078383
      n = n * z + 112.079291497871
      n = n * z + 221.213596169931
      n = n * z + 220.206867912376
      let d = 8.83883476483184e-2 * z + 1.75566716318264
      d = d * z + 16.064177579207
      d = d * z + 86.7807322029461
      d = d * z + 296.564248779674
      d = d * z + 637.333633378831
      d = d * z + 793.826512519948
      d = d * z + 440.413735824752
      tail = (e * n) / d
    } else {
      let b = z + 0.65
      b = z + 4 / b
      b = z + 3 / b
      b = z + 2 / b
      b = z + 1 / b
      tail = e / b / 2.506628274631
    }
  }
  return x > 0 ? 1 - tail : tail
}
