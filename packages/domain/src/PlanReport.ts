/**
 * What a pilot needs before it starts: units per arm for its primary metric's MDE, how many days
 * that takes at a stated traffic, the MDE reachable by `maxDays`, and the power at the planned
 * duration — fixed-horizon, and for a sequential plan the always-valid test's own figures.
 * Computed from a pilot file alone (`pilotproof plan`, `POST /api/plan`), nothing registered.
 */
import { Schema } from "effect"
import { optional, Stat } from "./Statistic.js"

export const PlanTrafficSource = Schema.Literal("per-day", "economics.volume")

/** Figures at one duration: units per arm then, the relative MDE, and the power for the plan's MDE. */
export const PlanAtDays = Schema.Struct({
  days: Schema.Number,
  perArm: Schema.Number,
  /** Relative to the baseline, as `plan.mde`. */
  mdeRelative: Stat,
  power: Stat,
  /** The always-valid test's power and relative MDE at that duration (sequential plans). */
  sequentialPower: optional(Stat),
  sequentialMdeRelative: optional(Stat)
}).annotations({ identifier: "PlanAtDays" })
export type PlanAtDays = typeof PlanAtDays.Type

export class PlanReport extends Schema.Class<PlanReport>("PlanReport")({
  pilotId: Schema.String,
  primary: Schema.Struct({ key: Schema.String, type: Schema.Literal("binomial", "mean", "ratio", "duration", "quantile"), direction: Schema.String }),
  alpha: Schema.Number,
  power: Schema.Number,
  /** Treatments compared with the control: the α each comparison is planned at is α/m (Bonferroni). */
  comparisons: Schema.Number,
  /** 1: the test is one-sided on the primary's direction (z_{1−α/m}); 2: two-sided (z_{1−α/2m}). */
  sides: Schema.Literal(1, 2),
  sequential: Schema.Boolean,
  /** A sequential plan's always-valid method, and N* for the asymptotic confidence sequence. */
  sequentialMethod: optional(Schema.Literal("msprt", "asymptotic-cs")),
  sequentialTuning: optional(Schema.Number),
  baseline: optional(Schema.Number),
  /** The per-unit SD the plan assumes (non-binomial primaries), or √(p(1 − p)) for a rate. */
  baselineSd: optional(Schema.Number),
  mde: Schema.Struct({ relative: Schema.Number, absolute: optional(Schema.Number) }),
  /**
   * A cluster-randomized plan: units per arm are analysis units (deals) inflated by the design
   * effect 1 + (m − 1)·ICC over an individually randomized plan; clusters per arm = ⌈units / m⌉.
   */
  cluster: optional(Schema.Struct({
    unit: Schema.String,
    analysisUnit: Schema.String,
    icc: Schema.Number,
    clusterSize: Schema.Number,
    designEffect: Schema.Number,
    /** Clusters per arm for the planned units (the sequential ones never apply: clusters are fixed-horizon). */
    clustersPerArm: Stat,
    /**
     * The cluster-level t-test's power with those clusters (2k − 2 df), for the plan's MDE: below
     * the z figure when clusters are few (statsmodels' TTestIndPower on cluster means).
     */
    power: optional(Stat)
  })),
  perArm: Schema.Struct({
    /** What readiness and the decision check: `plan.sampleSizePerArm`, or the fixed-horizon size. */
    planned: Stat,
    given: Schema.Boolean,
    fixed: optional(Stat),
    /** Units per arm the always-valid test needs for the same power (sequential plans). */
    sequential: optional(Stat),
    /** sequential / fixed: what looking daily costs in sample. */
    sequentialInflation: optional(Stat)
  }),
  traffic: Schema.Struct({
    /** Units entering the pilot a day (all arms, before the holdout). */
    perDay: Schema.Number,
    source: PlanTrafficSource,
    holdout: Schema.Number,
    /** The smallest arm's share of the units in the pilot: it sets the pace. */
    smallestArmShare: Schema.Number
  }),
  days: Schema.Struct({
    /** Days until the smallest arm has the planned units (the sequential ones for a sequential plan). */
    needed: Stat,
    minDays: Schema.Number,
    maxDays: Schema.Number,
    /** The duration to plan for: at least minDays, at most maxDays. */
    planned: Schema.Number,
    fits: Schema.Boolean
  }),
  atPlannedDays: optional(PlanAtDays),
  atMaxDays: optional(PlanAtDays),
  /** What to do about it, in words. */
  notes: Schema.Array(Schema.String)
}, { description: "Units, days, reachable MDE and power for a pilot file, before it is registered." }) {}
