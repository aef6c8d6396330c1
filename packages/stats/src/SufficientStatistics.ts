/**
 * One metric's sufficient statistics for one variant, as the store's SQL computes them and the
 * analysis reads them: the one spelling of these shapes in the codebase (the store imports
 * these types; it needs nothing else from this package).
 *
 * - `Moments`: n units with Σy and Σy² of the unit values (binomial metrics: Σy = conversions),
 *   with a pre-exposure covariate's Σx, Σx², Σxy when the metric has one (CUPED);
 * - `Duration`: the same over completed units, and the number of units started and not finished;
 * - `Ratio`: per unit a numerator and a denominator with their cross moments;
 * - `Clusters`: a cluster-randomized pilot's arm, per cluster the outcome total (X) and the
 *   analysis units with a value (Y), n = clusters; `units` counts the analysis units, `open`
 *   the durations started and not finished.
 */
import type { MeanStats, RatioStats } from "./Types.js"

/** A pre-exposure covariate x beside the outcome y: Σx, Σx², Σxy over the same units. */
export interface CovariateStats {
  readonly sumX: number
  readonly sumX2: number
  readonly sumXY: number
}

export type VariantStats =
  | { readonly _tag: "Moments"; readonly moments: MeanStats; readonly covariate?: CovariateStats }
  | { readonly _tag: "Duration"; readonly moments: MeanStats; readonly open: number }
  | { readonly _tag: "Ratio"; readonly moments: RatioStats }
  | { readonly _tag: "Clusters"; readonly moments: RatioStats; readonly units: number; readonly open: number }
