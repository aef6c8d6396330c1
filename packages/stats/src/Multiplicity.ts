/**
 * Multiple-comparison adjustments of p-values (same order in and out).
 */

const order = (p: ReadonlyArray<number>): Array<number> => p.map((_, i) => i).sort((a, b) => p[a]! - p[b]! || a - b)

/**
 * Holm step-down adjusted p-values: with p₍₁₎ ≤ … ≤ p₍ₘ₎, p̃₍ᵢ₎ = max_{j≤i} min(1, (m − j + 1)·p₍ⱼ₎).
 * Controls the family-wise error rate. Equals statsmodels multipletests(method="holm").
 * Reference: Holm (1979), Scand J Stat 6:65–70.
 */
export const holmAdjust = (p: ReadonlyArray<number>): Array<number> => {
  const m = p.length
  const idx = order(p)
  const out = new Array<number>(m)
  let running = 0
  for (let r = 0; r < m; r++) {
    const i = idx[r]!
    running = Math.max(running, Math.min(1, (m - r) * p[i]!))
    out[i] = running
  }
  return out
}

/**
 * Benjamini–Hochberg step-up adjusted p-values: p̃₍ᵢ₎ = min_{j≥i} min(1, m·p₍ⱼ₎/j).
 * Controls the false discovery rate under independence/PRDS. Equals statsmodels
 * multipletests(method="fdr_bh"). Reference: Benjamini & Hochberg (1995), J R Stat Soc B 57:289–300.
 */
export const benjaminiHochbergAdjust = (p: ReadonlyArray<number>): Array<number> => {
  const m = p.length
  const idx = order(p)
  const out = new Array<number>(m)
  let running = 1
  for (let r = m - 1; r >= 0; r--) {
    const i = idx[r]!
    running = Math.min(running, Math.min(1, (m * p[i]!) / (r + 1)))
    out[i] = running
  }
  return out
}
