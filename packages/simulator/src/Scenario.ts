/**
 * A scenario: the ground truth of a synthetic pilot. It sits beside its pilot in
 * `experiments/scenarios/<pilot-id>.yaml` and says how many units arrive, how each metric
 * behaves in the control arm, how much each treatment moves it (a relative `lift`, comparable
 * with `plan.mde`), which data defects to inject, and which verdict the truth implies.
 *
 * Decoding is strict (unknown fields are errors) and every problem carries its field path.
 * Reading the YAML text is the caller's job (engine/CLI); this module decodes plain values.
 */
import { Verdict, withoutOptionalNoise } from "@pilotproof/domain"
import { Either, ParseResult, Schema } from "effect"
import { InvalidScenario, ScenarioIssue } from "./InvalidScenario.js"

const Finite = Schema.Number.pipe(Schema.finite({ message: () => "must be a finite number" }))
const Positive = Finite.pipe(Schema.positive({ message: () => "must be greater than zero" }))
const NonNegative = Finite.pipe(Schema.nonNegative({ message: () => "must be zero or more" }))
const Share = Finite.pipe(Schema.between(0, 1, { message: () => "must be a share in [0, 1]" }))
const PositiveInt = Schema.Int.pipe(Schema.positive({ message: () => "must be a whole number greater than zero" }))

/** Relative effect per treatment variant: `{ bot: 0.25 }` is +25 % over control; −0.1 is −10 %. */
export const Lifts = Schema.Record({
  key: Schema.String,
  value: Finite.pipe(
    Schema.greaterThan(-1, { message: () => "a lift is relative (−0.1 = −10 %) and must be greater than −1" })
  )
})
export type Lifts = typeof Lifts.Type

/**
 * When an event happens after exposure: exponential with a mean (`meanDays`, fractions allowed:
 * 0.01 days ≈ 14 minutes) or uniform on [0, `uniformDays`). Either is cut to the metric's window
 * (the exponential is truncated, so every generated event falls inside the window).
 */
export const Delay = Schema.Union(
  Schema.Struct({ meanDays: Positive }),
  Schema.Struct({ uniformDays: Positive })
)
export type Delay = typeof Delay.Type

/** How many events of a kind a unit has: Poisson with a mean, or at most one with a probability. */
export const EventCount = Schema.Union(
  Schema.Struct({ poisson: Positive }),
  Schema.Struct({ share: Share })
)
export type EventCount = typeof EventCount.Type

/**
 * The value each event carries: log-normal with a median and σ of the log (skewed: minutes,
 * roubles), or integer scores 1…K with the control's probabilities (CSAT: five probabilities).
 */
export const ValueDistribution = Schema.Union(
  Schema.Struct({ lognormal: Schema.Struct({ median: Positive, sigma: NonNegative }) }),
  Schema.Struct({
    scores: Schema.Array(Share).pipe(
      Schema.minItems(2, { message: () => "scores lists the probability of each score 1…K (K ≥ 2)" }),
      Schema.filter((ps) => Math.abs(ps.reduce((a, b) => a + b, 0) - 1) < 1e-6 || "the score probabilities must sum to 1")
    )
  })
)
export type ValueDistribution = typeof ValueDistribution.Type

/** A stream of events of one type: how many per unit, their values, when they happen. */
export const EventProcess = Schema.Struct({
  events: EventCount,
  value: Schema.optional(ValueDistribution),
  delay: Schema.optional(Delay)
})
export type EventProcess = typeof EventProcess.Type

/**
 * Binomial metric: the probability `rate` that the event happens inside the metric's window.
 * `fade` (in (0, 1]) is a novelty effect: a unit first exposed w whole weeks after the start gets
 * the lift times fade^w (0.7: the lift loses 30 % of itself each week).
 */
export const BinomialTruth = Schema.Struct({
  type: Schema.Literal("binomial"),
  rate: Share,
  lift: Schema.optional(Lifts),
  delay: Schema.optional(Delay),
  fade: Schema.optional(Finite.pipe(Schema.between(0, 1, { message: () => "fade must be in [0, 1]: the share of the lift a unit exposed a week later keeps" })))
})

/**
 * Mean metric: the metric's event as a process. `lift` scales the values (log-normal median,
 * or the score mean by exponential tilting) when the metric averages or sums values, and the
 * event rate when it counts events. `covariate` adds pre-exposure events for CUPED: a latent
 * per-unit propensity (Gamma frailty, mean 1) multiplies the event rate before and after
 * exposure; its variance is solved so that the control arm's pre/post correlation equals
 * `correlation`. `events` is the pre-period Poisson mean (default: the post-period daily rate
 * times the covariate's days).
 */
export const MeanTruth = Schema.Struct({
  type: Schema.Literal("mean"),
  events: EventCount,
  value: Schema.optional(ValueDistribution),
  delay: Schema.optional(Delay),
  lift: Schema.optional(Lifts),
  covariate: Schema.optional(
    Schema.Struct({
      correlation: Finite.pipe(Schema.between(0, 0.99, { message: () => "correlation must be in [0, 0.99]" })),
      events: Schema.optional(Positive)
    })
  )
})

/** Ratio metric: numerator and denominator processes; `lift` scales the numerator. */
export const RatioTruth = Schema.Struct({
  type: Schema.Literal("ratio"),
  numerator: EventProcess,
  denominator: EventProcess,
  lift: Schema.optional(Lifts)
})

/**
 * Duration metric: the `from` event one second after exposure, the `to` event a log-normal time
 * later (median in the metric's `in` unit) for a `completion` share of units; the rest stay open.
 * `lift` scales the median, hence the mean.
 */
export const DurationTruth = Schema.Struct({
  type: Schema.Literal("duration"),
  median: Positive,
  sigma: NonNegative,
  completion: Schema.optional(Share),
  lift: Schema.optional(Lifts)
})

export const MetricTruth = Schema.Union(BinomialTruth, MeanTruth, RatioTruth, DurationTruth)
export type MetricTruth = typeof MetricTruth.Type

/**
 * A scoring diagnostic's truth: the model scores a `share` of each arm's units (default all),
 * each with its chance of the diagnostic's outcome, as a binormal model with the given AUC. A
 * unit's latent x is normal with mean ±d/2 (d = √2·Φ⁻¹(auc)) by whether its outcome happens, and
 * its score the calibrated P(outcome | x) at the arm's outcome rate.
 */
export const ScoringTruth = Schema.Struct({
  type: Schema.Literal("scoring"),
  auc: Finite.pipe(Schema.between(0.5, 0.99, { message: () => "auc must be in [0.5, 0.99]" })),
  share: Schema.optional(Share)
})
export type ScoringTruth = typeof ScoringTruth.Type

/** Data defects to inject; every share is of units or events as named. All default to none. */
export const Defects = Schema.Struct({
  /** Share of emitted events re-emitted right after with the same `event_id`. */
  duplicateEvents: Schema.optional(Share),
  /** Share of phones written "8 (912) 345-67-89" instead of "+79123456789". */
  unnormalizedPhones: Schema.optional(Share),
  /** Share of consenting units whose consent event is missing from the export. */
  missingConsent: Schema.optional(Share),
  /** Actual weights per variant, overriding the plan's (a broken split, e.g. 55/45 on 50/50). */
  split: Schema.optional(Schema.Record({ key: Schema.String, value: Positive })),
  /** Share of outcome events stamped before the unit's exposure. */
  outcomeBeforeExposure: Schema.optional(Share),
  /** Share of people who appear under two unit ids (same e-mail and phone). */
  sameEmailTwoIds: Schema.optional(Share)
})
export type Defects = typeof Defects.Type


/** ISO 8601 with an explicit offset, seconds required: `2026-03-02T00:00:00+03:00`. */
export const ScenarioStart = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/, {
    message: () => "start must be ISO 8601 with seconds and an offset, e.g. 2026-03-02T00:00:00+03:00"
  }),
  Schema.filter((s) => !Number.isNaN(Date.parse(s)) || "start is not a real date and time")
)

export const Scenario = Schema.Struct({
  /** The pilot id this scenario simulates. */
  pilot: Schema.String.pipe(Schema.nonEmptyString({ message: () => "pilot must name the pilot id" })),
  /** Seed of the generator: same definition + scenario + seed → byte-identical events. */
  seed: Schema.Int.pipe(Schema.nonNegative({ message: () => "seed must be a whole number ≥ 0" })),
  /** Start of the observation period; the offset is used for every timestamp written. */
  start: ScenarioStart,
  /** Length of the observation period; the export is cut at start + days. */
  days: PositiveInt,
  /** New units per full weekday. */
  unitsPerDay: Positive,
  /** Daily arrivals ramp linearly: day d (0-based) gets min(1, (d + 1) / rampDays). */
  rampDays: Schema.optional(PositiveInt),
  /** Multiplier of arrivals on Saturdays and Sundays (local time); default 1. */
  weekendFactor: Schema.optional(NonNegative),
  /** Share of units with a consent event (value 1) just before exposure. */
  consentRate: Share,
  /** Contact attributes on exposure and consent events. */
  attributes: Schema.optional(
    Schema.Struct({
      phone: Schema.optional(Share),
      email: Schema.optional(Share),
      channel: Schema.optional(Schema.Record({ key: Schema.String, value: Positive }))
    })
  ),
  /**
   * A cluster-randomized pilot's clusters (managers): `count` of them, each assigned a variant
   * (every unit of a manager sees it), units spread over them at random. `icc` is the intra-cluster
   * correlation: a manager's rate of each binomial metric is Beta-distributed around the arm's
   * rate with that ICC, and log-normal durations and values shift by a per-manager normal on the
   * log scale whose share of the log variance is `icc`.
   */
  clusters: Schema.optional(Schema.Struct({
    count: PositiveInt,
    icc: Finite.pipe(Schema.between(0, 0.9, { message: () => "clusters.icc must be in [0, 0.9]" }))
  })),
  /** Ground truth per metric key of the pilot. */
  metrics: Schema.Record({ key: Schema.String, value: MetricTruth }),
  /** Ground truth per scoring diagnostic of the pilot (its scores; the outcome is a metric's truth). */
  diagnostics: Schema.optional(Schema.Record({ key: Schema.String, value: ScoringTruth })),
  defects: Schema.optional(Defects),
  /** The verdict a correct engine reaches on this data at the end of the period, and why. */
  expect: Schema.Struct({
    verdict: Verdict,
    why: Schema.String.pipe(Schema.nonEmptyString({ message: () => "expect.why must say why" }))
  })
}).annotations({ identifier: "Scenario" })
export type Scenario = typeof Scenario.Type

const decodeOptions = { errors: "all", onExcessProperty: "error" } as const
const decode = Schema.decodeUnknownEither(Scenario, decodeOptions)

/** `["metrics", "csat", "lift"]` → `metrics.csat.lift`; numbers as `[i]`. */
export const formatScenarioPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (out, key) => (typeof key === "number" ? `${out}[${key}]` : out === "" ? String(key) : `${out}.${String(key)}`),
    ""
  )

/**
 * Decodes a scenario from a plain value (a parsed YAML or JSON document). Never throws: every
 * problem comes back in one `InvalidScenario`, each with its field path.
 */
export const decodeScenario = (input: unknown, source = "scenario"): Either.Either<Scenario, InvalidScenario> =>
  Either.mapLeft(decode(input), (error) =>
    new InvalidScenario({
      source,
      issues: withoutOptionalNoise(ParseResult.ArrayFormatter.formatErrorSync(error)).map(
        (i) => new ScenarioIssue({ path: formatScenarioPath(i.path), message: i.message })
      )
    })
  )
