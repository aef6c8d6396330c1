/**
 * Planning a pilot from its definition alone: the units per arm its primary metric's MDE needs
 * (the same number readiness and the decision check), the days that takes at a stated traffic,
 * the MDE reachable by `maxDays` and the power at the planned duration — fixed-horizon, and for
 * a sequential plan the always-valid test's own sample and power beside them.
 *
 * A rate plans with its binomial variance; mean, ratio and duration primaries plan as means with
 * `plan.baselineSd`, the per-unit SD of the metric (for a ratio, of its linearized per-unit value).
 * Each treatment is compared with the control at α/m (Bonferroni over the m treatments), two-sided
 * or, with `plan.sides: 1`, one-sided on the primary's direction (z_{1−α/m} in place of z_{1−α/2m}).
 *
 * A cluster-randomized plan (`analysisUnit`, with `plan.icc` and `plan.clusterSize` = m) counts
 * analysis units (deals) per arm: the individually randomized size times the design effect
 * DE = 1 + (m − 1)·ICC, since n deals in clusters of m carry the information of n/DE independent
 * ones (Donner & Klar 2000, ch. 5); MDE and power at a duration are read at n/DE, and clusters per
 * arm are ⌈n/m⌉, and the report adds the power of the cluster-level t at those clusters (2k − 2 df),
 * which is what the analysis runs. Reference for the inflation: Hayes & Moulton (2017), §7.3.
 */
import type { PilotDefinition, PlanAtDays, PlanReport } from "@pilotproof/domain"
import {
  clusterPower,
  mdeMeans,
  mdeProportions,
  powerTwoSided,
  sampleSizeMeans,
  sampleSizeProportions,
  sequentialMde,
  sequentialPower,
  sequentialSampleSize
} from "@pilotproof/stats"

/** The plan's primary metric (a valid definition has exactly one). */
const primaryOf = (d: PilotDefinition) => d.metrics.find((m) => m.role === "primary")!

const planOptions = (d: PilotDefinition) => ({
  alpha: d.plan.alpha,
  power: d.plan.power,
  comparisons: d.variants.length - 1,
  sides: d.plan.sides ?? (2 as const)
})

/** The absolute MDE, signed by the primary's direction: `plan.mde` is relative to the baseline. */
const absoluteMde = (d: PilotDefinition): number | undefined => {
  if (d.plan.baseline === undefined) return undefined
  const delta = Math.abs(d.plan.baseline * d.plan.mde)
  return primaryOf(d).direction === "increase" ? delta : -delta
}

/**
 * The design effect 1 + (m − 1)·ICC of a cluster-randomized plan with `plan.icc` and
 * `plan.clusterSize`; 1 for an individually randomized one.
 */
export const designEffect = (d: PilotDefinition): number =>
  d.analysisUnit === undefined || d.plan.icc === undefined || d.plan.clusterSize === undefined
    ? 1
    : 1 + (d.plan.clusterSize - 1) * d.plan.icc

/**
 * Units per arm computed from baseline, MDE, alpha and power (a valid definition without
 * `sampleSizePerArm` has the baseline, and the SD for a non-binomial primary), times the design
 * effect of a cluster-randomized plan.
 */
const computedSampleSizePerArm = (d: PilotDefinition): number => {
  const delta = absoluteMde(d) ?? 0
  const independent = primaryOf(d).type === "binomial"
    ? sampleSizeProportions(d.plan.baseline ?? 0, delta, planOptions(d))
    : sampleSizeMeans(d.plan.baselineSd ?? 1, Math.abs(delta), planOptions(d))
  const de = designEffect(d)
  return de === 1 ? independent : Math.ceil(independent * de)
}

/** Units per arm the plan calls for: given, or computed from baseline, MDE, alpha and power. */
export const plannedSampleSizePerArm = (d: PilotDefinition): number => d.plan.sampleSizePerArm ?? computedSampleSizePerArm(d)

/** Per-unit variances of the two arms added (σ_T² + σ_C²) under the plan's MDE, if the plan says enough. */
const varianceSum = (d: PilotDefinition): number | undefined => {
  const baseline = d.plan.baseline
  const delta = absoluteMde(d)
  if (primaryOf(d).type === "binomial") {
    if (baseline === undefined || delta === undefined) return undefined
    const p2 = baseline + delta
    return baseline * (1 - baseline) + p2 * (1 - p2)
  }
  return d.plan.baselineSd === undefined ? undefined : 2 * d.plan.baselineSd ** 2
}

/** A `PlanReport`'s fields. */
export type PlanFields = { readonly [K in keyof PlanReport]: PlanReport[K] }

export interface PlanTraffic {
  /** Units entering the pilot a day; default: `economics.volume.unitsPerMonth` / 30. */
  readonly perDay?: number | undefined
}

const DAYS_PER_MONTH = 30

/** The plan of a pilot at a traffic: see the module comment. */
export const planPilot = (d: PilotDefinition, traffic: PlanTraffic = {}): PlanFields => {
  const primary = primaryOf(d)
  const fixedOptions = planOptions(d)
  // the sequential figures of an asymptotic-cs plan use its width, tuned as the analysis tunes it
  const options = d.plan.sequential && d.plan.sequentialMethod === "asymptotic-cs"
    ? { ...fixedOptions, confidenceSequenceTuning: d.plan.sequentialTuning ?? 2 * plannedSampleSizePerArm(d) }
    : fixedOptions
  const notes: Array<string> = []
  const baseline = d.plan.baseline
  const delta = absoluteMde(d)
  const variances = varianceSum(d)
  const planned = plannedSampleSizePerArm(d)
  const fixed = d.plan.sampleSizePerArm === undefined ? planned : variances === undefined ? undefined : computedSampleSizePerArm(d)
  // The mixing variance the analysis uses: τ = the absolute MDE (SequentialStep); sequential plans
  // only (an asymptotic-cs plan ignores it: its width is set by N*)
  const tau2 = d.plan.sequential && delta !== undefined && delta !== 0 ? delta * delta : undefined
  const sequential = variances !== undefined && delta !== undefined && tau2 !== undefined
    ? sequentialSampleSize(delta, variances, tau2, options)
    : undefined

  const perDay = traffic.perDay ?? d.economics.volume.unitsPerMonth / DAYS_PER_MONTH
  const holdout = d.holdout ?? 0
  const totalWeight = d.variants.reduce((a, v) => a + v.weight, 0)
  const smallestArmShare = Math.min(...d.variants.map((v) => v.weight)) / totalWeight
  const perArmPerDay = perDay * (1 - holdout) * smallestArmShare
  // a given sampleSizePerArm is the plan's word, sequential or not
  const target = d.plan.sampleSizePerArm ?? sequential ?? planned
  const needed = Math.ceil(target / perArmPerDay)
  const plannedDays = Math.min(d.plan.maxDays, Math.max(d.plan.minDays, needed))

  const de = designEffect(d)
  // the cluster design as the domain's clusterDesignOf reads it (this package imports domain types only)
  const cluster = d.analysisUnit === undefined ? undefined : { unit: d.unit, analysisUnit: d.analysisUnit }
  const at = (days: number): PlanAtDays | undefined => {
    if (variances === undefined || delta === undefined || baseline === undefined) return undefined
    const n = Math.floor(perArmPerDay * days)
    // clustered units carry the information of n/DE independent ones
    const effective = n / de
    const mdeAbs = n < 1 ? Infinity : primary.type === "binomial"
      ? mdeProportions(delta >= 0 ? baseline : 1 - baseline, effective, options)
      : mdeMeans(d.plan.baselineSd!, effective, options)
    const power = n < 1 ? 0 : powerTwoSided(delta, variances, effective, options)
    return {
      days,
      perArm: n,
      mdeRelative: baseline === 0 ? Infinity : mdeAbs / Math.abs(baseline),
      power,
      ...(tau2 !== undefined
        ? {
          sequentialPower: n < 1 ? 0 : sequentialPower(delta, variances, n, tau2, options),
          sequentialMdeRelative: n < 1 || baseline === 0 ? Infinity : sequentialMde(variances, n, tau2, options) / Math.abs(baseline)
        }
        : {})
    }
  }
  const atPlannedDays = at(plannedDays)
  const atMaxDays = at(d.plan.maxDays)

  if (needed > d.plan.maxDays) {
    notes.push(
      `${target} units per arm take ${needed} days at ${perDay.toFixed(perDay < 10 ? 1 : 0)} units a day; maxDays is ${d.plan.maxDays}` +
        (atMaxDays === undefined ? "" : `: by day ${d.plan.maxDays} the MDE reachable is ${(100 * (atMaxDays.sequentialMdeRelative ?? atMaxDays.mdeRelative)).toFixed(1)}% (the plan asks ${(100 * d.plan.mde).toFixed(1)}%)`) +
        "; raise the traffic, accept a larger MDE, or run longer"
    )
  }
  if (needed < d.plan.minDays) notes.push(`the sample is reached in ${needed} days; minDays (${d.plan.minDays}) keeps the pilot running for full weekly cycles`)
  if (d.plan.sampleSizePerArm !== undefined && sequential !== undefined && sequential > d.plan.sampleSizePerArm) {
    notes.push(`plan.sampleSizePerArm (${d.plan.sampleSizePerArm}) is below the ${sequential} per arm the sequential test needs for power ${d.plan.power} at this MDE`)
  }
  if (smallestArmShare < 1 / d.variants.length) {
    notes.push(`the arms are unequal: days and power are those of the smallest arm (${(100 * smallestArmShare).toFixed(1)}% of the units) at equal size, a conservative figure`)
  }
  if (sequential !== undefined && fixed !== undefined) {
    notes.push(`looking daily (sequential plan) needs ${sequential} units per arm, ${(sequential / fixed).toFixed(2)}× the fixed-horizon ${fixed}`)
  }
  const clustersPerArm = cluster !== undefined && d.plan.clusterSize !== undefined ? Math.ceil(planned / d.plan.clusterSize) : undefined
  if (cluster !== undefined && clustersPerArm !== undefined) {
    notes.push(
      `cluster-randomized: ${planned} ${cluster.analysisUnit}s per arm in about ${clustersPerArm} ${cluster.unit}s of ${d.plan.clusterSize}` +
        (de === 1 ? "" : `, ${de.toFixed(2)}× an individually randomized pilot (design effect 1 + (m − 1)·ICC at ICC ${d.plan.icc})`) +
        (clustersPerArm < 20 ? `; under 20 ${cluster.unit}s per arm the t-test on per-${cluster.unit} totals has few degrees of freedom: plan one or two more ${cluster.unit}s per arm` : "")
    )
  }
  if (variances === undefined) notes.push("without plan.baseline (and plan.baselineSd for a non-binomial primary) no MDE or power can be computed; the plan uses sampleSizePerArm as given")
  if (traffic.perDay === undefined) notes.push(`traffic from economics.volume: ${d.economics.volume.unitsPerMonth} units a month ÷ ${DAYS_PER_MONTH}; give --per-day for the pilot's own traffic`)

  // the report's fields; the engine makes the schema's class of them (this package imports domain types only)
  return {
    pilotId: d.id,
    primary: { key: primary.key, type: primary.type, direction: primary.direction },
    alpha: d.plan.alpha,
    power: d.plan.power,
    comparisons: options.comparisons,
    sides: options.sides,
    sequential: d.plan.sequential,
    ...(d.plan.sequential ? { sequentialMethod: d.plan.sequentialMethod ?? "msprt" } : {}),
    ...("confidenceSequenceTuning" in options ? { sequentialTuning: options.confidenceSequenceTuning } : {}),
    ...(baseline === undefined ? {} : { baseline }),
    ...(primary.type === "binomial"
      ? baseline === undefined ? {} : { baselineSd: Math.sqrt(baseline * (1 - baseline)) }
      : d.plan.baselineSd === undefined ? {} : { baselineSd: d.plan.baselineSd }),
    mde: { relative: d.plan.mde, ...(delta === undefined ? {} : { absolute: delta }) },
    ...(cluster === undefined || clustersPerArm === undefined
      ? {}
      : {
        cluster: {
          unit: cluster.unit,
          analysisUnit: cluster.analysisUnit,
          icc: d.plan.icc ?? 0,
          clusterSize: d.plan.clusterSize!,
          designEffect: de,
          clustersPerArm,
          ...(variances === undefined || delta === undefined || clustersPerArm < 2
            ? {}
            : { power: clusterPower(delta, variances, d.plan.clusterSize!, d.plan.icc ?? 0, clustersPerArm, options) })
        }
      }),
    perArm: {
      planned,
      given: d.plan.sampleSizePerArm !== undefined,
      ...(fixed === undefined ? {} : { fixed }),
      ...(sequential === undefined ? {} : { sequential }),
      ...(sequential === undefined || fixed === undefined ? {} : { sequentialInflation: sequential / fixed })
    },
    traffic: { perDay, source: traffic.perDay === undefined ? "economics.volume" : "per-day", holdout, smallestArmShare },
    days: { needed, minDays: d.plan.minDays, maxDays: d.plan.maxDays, planned: plannedDays, fits: needed <= d.plan.maxDays },
    ...(atPlannedDays === undefined ? {} : { atPlannedDays }),
    ...(atMaxDays === undefined ? {} : { atMaxDays }),
    notes
  }
}
