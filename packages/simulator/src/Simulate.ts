/**
 * The generator: a scenario's units arrive day by day, each is assigned with the pilot's own
 * assignment (`@pilotproof/assignment`, salt = `definition.salt ?? definition.id`) and gets its
 * exposure, consent and metric events, with the scenario's defects injected. Streaming: only
 * one day's arrival times and one unit's events are held at a time.
 *
 * Order of output: units in arrival order; a unit's events in time order (duplicates right
 * after their original). The stream is therefore not globally sorted by time (a unit's late
 * outcomes come before the next unit's exposure); sort by `ts` if a feed needs it.
 *
 * Determinism: every draw comes from one `makeRandom(scenario.seed)` stream, in a fixed order,
 * and no clock or locale is read, so the same definition + scenario gives the same events.
 * Defects draw only when switched on, so a clean scenario is not shifted by their draws; a
 * scoring diagnostic's scores draw from a stream of their own (seeded from the scenario's seed),
 * so adding one leaves every other event's unit, type, time and value as they were (event ids
 * are positions within the unit and shift).
 */
import { assign, type Allocation } from "@pilotproof/assignment"
import { clusterDesignOf, CONSENT, DAY_MS, EXPOSURE, type PilotDefinition } from "@pilotproof/domain"
import { betaQuantile, makeRandom, type Random } from "@pilotproof/stats"
import { makeClock } from "./Clock.js"
import { type Contact, makeContact, unnormalizedPhone } from "./Contacts.js"
import { categorical, cumulate, poisson, truncatedExponential } from "./Sampling.js"
import type { Scenario } from "./Scenario.js"
import { type DelayModel, planOrThrow, type ValueModel } from "./SimulationPlan.js"
import type { WireEvent } from "./WireEvent.js"

const HOUR_MS = 3_600_000
/** Share of arrivals inside business hours (09:00–20:00 local); the rest spread over the day. */
const BUSINESS_SHARE = 0.8
/** Unit ids are 8-digit serials from here, with gaps of 0–2 (deleted records). */
const FIRST_SERIAL = 10_000
/** People kept for the `sameEmailTwoIds` defect to reappear as a second unit. */
const RECENT_PEOPLE = 64

/** Units arriving on each day of the scenario: round(unitsPerDay × ramp × weekend factor). */
export const dailyArrivals = (scenario: Scenario): ReadonlyArray<number> => {
  const clock = makeClock(scenario.start)
  const out: Array<number> = []
  for (let d = 0; d < scenario.days; d++) {
    const ramp = scenario.rampDays === undefined ? 1 : Math.min(1, (d + 1) / scenario.rampDays)
    const weekday = clock.weekday(clock.startMs + d * DAY_MS + 12 * HOUR_MS)
    const weekend = weekday === 0 || weekday === 6 ? (scenario.weekendFactor ?? 1) : 1
    out.push(Math.round(scenario.unitsPerDay * ramp * weekend))
  }
  return out
}

interface Draft {
  ts: number
  readonly type: string
  readonly variant?: string
  readonly value?: number
  readonly attributes: Readonly<Record<string, string>>
}

const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({})

const drawDelay = (random: Random, d: DelayModel): number =>
  d.kind === "uniform" ? random.uniform() * d.spanMs : truncatedExponential(random, d.meanMs, d.limitMs)

const drawValue = (random: Random, v: ValueModel): number =>
  v.kind === "lognormal"
    ? Math.round(random.lognormal(v.mu, v.sigma) * 100) / 100
    : categorical(random, v.cumulative) + 1

/**
 * The scenario's events for the pilot, lazily. Throws `InvalidScenario` up front when the
 * scenario does not fit the pilot (check first with `planSimulation` to get the issues as a value).
 */
export function* simulate(definition: PilotDefinition, scenario: Scenario): Generator<WireEvent> {
  const plan = planOrThrow(definition, scenario)
  const random = makeRandom(scenario.seed)
  const scoreRandoms = plan.scores.map((_, k) => makeRandom((scenario.seed + 7919 * (k + 1)) % 2_147_483_647))
  const clock = makeClock(scenario.start)
  const endMs = clock.startMs + scenario.days * DAY_MS
  const defects = scenario.defects ?? {}
  const split = defects.split
  const allocation: Allocation = {
    salt: definition.salt ?? definition.id,
    variants: definition.variants.map((v) => ({ key: v.key, weight: split?.[v.key] ?? v.weight })),
    ...(definition.holdout === undefined ? {} : { holdout: definition.holdout })
  }
  const phoneShare = scenario.attributes?.phone ?? 0
  const emailShare = scenario.attributes?.email ?? 0
  const channels = Object.entries(scenario.attributes?.channel ?? {})
  const channelCumulative = cumulate(channels.map(([, w]) => w))
  const duplicateShare = defects.duplicateEvents ?? 0
  const phoneDefect = defects.unnormalizedPhones ?? 0
  const missingConsent = defects.missingConsent ?? 0
  const earlyShare = defects.outcomeBeforeExposure ?? 0
  const twoIdsShare = defects.sameEmailTwoIds ?? 0
  // A share s of people with two ids: s·P of P people repeat, so s/(1+s) of their units are repeats.
  const repeatProbability = twoIdsShare / (1 + twoIdsShare)
  const recent: Array<Contact> = []
  const clusters = clusterSimulation(definition, scenario, allocation, random)

  const arrivals = dailyArrivals(scenario)
  /** Whole weeks from the start to `t` (a novelty effect's age). */
  const weeksSinceStart = (t: number) => Math.floor((t - clock.startMs) / (7 * DAY_MS))
  let serial = FIRST_SERIAL
  for (let day = 0; day < scenario.days; day++) {
    const dayStart = clock.startMs + day * DAY_MS
    const midnight = dayStart - clock.timeOfDay(dayStart)
    const times: Array<number> = []
    for (let i = 0; i < arrivals[day]!; i++) {
      const offset = random.uniform() < BUSINESS_SHARE ? 9 * HOUR_MS + random.uniform() * 11 * HOUR_MS : random.uniform() * DAY_MS
      let t = midnight + offset
      if (t < dayStart) t += DAY_MS
      times.push(Math.floor(t / 1000) * 1000)
    }
    times.sort((a, b) => a - b)

    for (const t of times) {
      serial += 1 + random.integer(3)
      const unitId = `${definition.analysisUnit ?? definition.unit}-${String(serial).padStart(8, "0")}`
      const manager = clusters === undefined ? undefined : clusters.managers[random.integer(clusters.managers.length)]!

      // The person behind the unit, possibly one already seen under another id (defect).
      // Only people with an e-mail can be recognised again, so the repeat is drawn among them.
      let contact: Contact = makeContact(random, serial, phoneShare, emailShare)
      if (twoIdsShare > 0 && contact.email !== undefined) {
        if (recent.length > 0 && random.uniform() < repeatProbability) {
          contact = recent.splice(random.integer(recent.length), 1)[0]!
        } else {
          recent.push(contact)
          if (recent.length > RECENT_PEOPLE) recent.shift()
        }
      }
      const contactAttributes: Record<string, string> = {}
      if (contact.phone !== undefined) {
        contactAttributes["phone"] = phoneDefect > 0 && random.uniform() < phoneDefect ? unnormalizedPhone(contact.phone) : contact.phone
      }
      if (contact.email !== undefined) contactAttributes["email"] = contact.email
      const exposureAttributes: Record<string, string> = { ...contactAttributes }
      if (channels.length > 0) exposureAttributes["channel"] = channels[categorical(random, channelCumulative)]![0]
      if (manager !== undefined) exposureAttributes[clusters!.field] = manager.id

      const assignment = manager === undefined ? assign(allocation, unitId) : manager.assignment
      if (assignment._tag === "InvalidAllocation") throw new Error(assignment.message)
      const variant = assignment.variant
      if (variant === null) continue // held out: not in the pilot, no events

      const drafts: Array<Draft> = [{ ts: t, type: EXPOSURE, variant, attributes: exposureAttributes }]
      if (random.uniform() < scenario.consentRate) {
        const lost = missingConsent > 0 && random.uniform() < missingConsent
        const ts = t - (30 + random.integer(571)) * 1000
        if (!lost) drafts.push({ ts, type: CONSENT, value: 1, attributes: contactAttributes })
      }
      for (const from of plan.starts) drafts.push({ ts: t + 1000, type: from, attributes: NO_ATTRIBUTES })

      const outcome = (ts: number, type: string, value?: number) => {
        const early = earlyShare > 0 && random.uniform() < earlyShare
        const stamped = early ? t - (60 + random.integer(86_400)) * 1000 : Math.floor(ts / 1000) * 1000
        drafts.push(value === undefined ? { ts: stamped, type, attributes: NO_ATTRIBUTES } : { ts: stamped, type, value, attributes: NO_ATTRIBUTES })
      }
      /**
       * The once processes' events this unit has, for the scores: whether they happen, even past
       * the export's cut (a model scores the propensity, not what the export will show).
       */
      const happened = new Set<string>()
      for (const process of plan.processes) {
        switch (process.kind) {
          case "once": {
            const arm = process.fade === undefined
              ? process.arms.get(variant)!
              : process.fade.control + (process.arms.get(variant)! - process.fade.control) * process.fade.factor ** weeksSinceStart(t)
            const rate = manager === undefined ? arm : manager.rate(process.event, arm)
            if (random.uniform() < rate) {
              outcome(t + drawDelay(random, process.delay), process.event)
              happened.add(process.event)
            }
            break
          }
          case "stream": {
            const arm = process.arms.get(variant)!
            const cov = process.covariate
            const k = cov !== undefined && cov.frailtyVariance > 0 ? 1 / cov.frailtyVariance : 0
            const frailty = k > 0 ? random.gamma(k, k) : 1
            const n = arm.count.kind === "poisson" ? poisson(random, arm.count.mean * frailty) : random.uniform() < arm.count.p ? 1 : 0
            for (let i = 0; i < n; i++) {
              const ts = t + drawDelay(random, process.delay)
              outcome(ts, process.event, arm.value === undefined ? undefined : drawValue(random, manager === undefined ? arm.value : manager.shifted(process.event, arm.value)))
            }
            if (cov !== undefined) {
              const pre = poisson(random, cov.preMean * frailty)
              const preValue = process.arms.get(plan.control)!.value
              for (let i = 0; i < pre; i++) {
                const ts = Math.floor((t - 1000 - random.uniform() * (cov.daysMs - 2000)) / 1000) * 1000
                drafts.push(
                  preValue === undefined
                    ? { ts, type: cov.event, attributes: NO_ATTRIBUTES }
                    : { ts, type: cov.event, value: drawValue(random, preValue), attributes: NO_ATTRIBUTES }
                )
              }
            }
            break
          }
          case "duration":
            if (random.uniform() < process.completion) {
              const mu = process.arms.get(variant)! + (manager === undefined ? 0 : manager.logShift(process.to, process.sigma))
              const duration = random.lognormal(mu, process.sigma)
              outcome(t + 1000 + duration, process.to)
            }
            break
        }
      }

      // scoring diagnostics: each from its own stream, so the metrics' events stay as they were
      plan.scores.forEach((score, k) => {
        const draw = scoreRandoms[k]!
        if (!(draw.uniform() < score.share)) return
        const d = score.separation
        const x = draw.normal(happened.has(score.outcome) ? d / 2 : -d / 2, 1)
        const rate = score.rates.get(variant)!
        const logit = Math.log(rate / (1 - rate)) + d * x
        drafts.push({ ts: t + 60_000, type: score.event, value: Math.round(10_000 / (1 + Math.exp(-logit))) / 10_000, attributes: NO_ATTRIBUTES })
      })

      drafts.sort((a, b) => a.ts - b.ts)
      for (let k = 0; k < drafts.length; k++) {
        const d = drafts[k]!
        if (d.ts >= endMs) continue // the export is cut at the end of the observation period
        const event: WireEvent = {
          event_id: `${unitId}-${String(k + 1).padStart(2, "0")}`,
          unit_id: unitId,
          type: d.type,
          ...(d.variant === undefined ? {} : { variant: d.variant }),
          ...(d.value === undefined ? {} : { value: d.value }),
          ts: clock.format(d.ts),
          attributes: d.attributes
        }
        yield event
        if (duplicateShare > 0 && random.uniform() < duplicateShare) yield event
      }
    }
  }
}

/** One simulated cluster (a manager): its assignment and its draws around the arm's truth. */
interface Manager {
  readonly id: string
  readonly assignment: ReturnType<typeof assign>
  /** The manager's rate of a binomial event: Beta around the arm's rate with the scenario's ICC. */
  readonly rate: (event: string, armRate: number) => number
  /** The manager's shift of a log-normal's μ for an event: normal, a share ICC of the log variance. */
  readonly logShift: (event: string, sigma: number) => number
  /** A log-normal value model moved by the manager's shift (other models are left as they are). */
  readonly shifted: (event: string, value: ValueModel) => ValueModel
}

/**
 * The managers of a cluster-randomized scenario, or `undefined` for a pilot randomized unit by
 * unit. Each manager's effects are drawn on first use, from the one random stream (deterministic:
 * the units' order fixes the order of first uses).
 */
const clusterSimulation = (definition: PilotDefinition, scenario: Scenario, allocation: Allocation, random: Random) => {
  const design = clusterDesignOf(definition)
  if (design === undefined || scenario.clusters === undefined) return undefined
  const icc = scenario.clusters.icc
  const width = String(scenario.clusters.count).length
  const managers: Array<Manager> = Array.from({ length: scenario.clusters.count }, (_, i) => {
    const id = `${design.unit}-${String(i + 1).padStart(Math.max(3, width), "0")}`
    const rates = new Map<string, number>()
    const shifts = new Map<string, number>()
    const logShift = (event: string, sigma: number) => {
      let z = shifts.get(event)
      if (z === undefined) shifts.set(event, z = icc > 0 ? random.normal(0, sigma * Math.sqrt(icc / (1 - icc))) : 0)
      return z
    }
    return {
      id,
      assignment: assign(allocation, id),
      rate: (event, armRate) => {
        // the manager's propensity is drawn once per event, as a quantile, so the arm's rate sets its scale
        let u = rates.get(event)
        if (u === undefined) rates.set(event, u = random.uniform())
        if (icc === 0 || armRate <= 0 || armRate >= 1) return armRate
        return betaQuantile(u, armRate * (1 - icc) / icc, (1 - armRate) * (1 - icc) / icc)
      },
      logShift,
      shifted: (event, value) => (value.kind === "lognormal" ? { ...value, mu: value.mu + logShift(event, value.sigma) } : value)
    }
  })
  return { field: design.field, managers }
}
