import { CONSENT, EXPOSURE, IncomingEvent } from "@pilotproof/domain"
import { aucDeLong } from "@pilotproof/stats"
import { Schema } from "effect"
import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { attributeColumns, dailyArrivals, simulate, toCsv, toJsonLines, type WireEvent } from "../src/index.js"
import { loadDefinition, loadScenario, PILOT_IDS, withFields } from "./fixtures.js"

const sha = (s: string) => createHash("sha256").update(s).digest("hex")
const DAY = 86_400_000

const bot = loadDefinition("support-bot-lead-qualification")
/** A short support-bot scenario: 10 days, ~1,500 leads. */
const shortBot = (fields: Record<string, unknown> = {}) =>
  withFields("support-bot-lead-qualification", { days: 10, unitsPerDay: 160, ...fields })

const byUnit = (events: ReadonlyArray<WireEvent>) => {
  const units = new Map<string, Array<WireEvent>>()
  for (const e of events) {
    const list = units.get(e.unit_id)
    if (list === undefined) units.set(e.unit_id, [e])
    else list.push(e)
  }
  return units
}

describe("determinism", () => {
  it("the same definition, scenario and seed give byte-identical CSV and JSON Lines", () => {
    const scenario = shortBot()
    const columns = attributeColumns(scenario)
    const a = toCsv(simulate(bot, scenario), columns)
    const b = toCsv(simulate(bot, shortBot()), columns)
    expect(sha(a)).toBe(sha(b))
    expect(sha(toJsonLines(simulate(bot, scenario)))).toBe(sha(toJsonLines(simulate(bot, scenario))))
    expect(a.split("\n")[0]).toBe("event_id,unit_id,type,variant,value,ts,phone,email,channel")
  })
  it("a different seed gives different events", () => {
    const columns = attributeColumns(shortBot())
    expect(sha(toCsv(simulate(bot, shortBot({ seed: 1 })), columns))).not.toBe(sha(toCsv(simulate(bot, shortBot({ seed: 2 })), columns)))
  })
})

describe("the four scenarios", () => {
  for (const id of PILOT_IDS) {
    it(`${id}: decodable events, inside the period, exposures first, at most ~150,000`, () => {
      const definition = loadDefinition(id)
      const scenario = loadScenario(id)
      const events = [...simulate(definition, scenario)]
      expect(events.length).toBeLessThanOrEqual(155_000)
      const decode = Schema.decodeUnknownSync(IncomingEvent)
      events.forEach((e, i) => {
        if (i % 5 === 0) decode(e) // every fifth: Schema decoding of 150k rows is slow in a test
      })
      const endMs = Date.parse(scenario.start) + scenario.days * DAY
      const units = byUnit(events)
      const exposures = events.filter((e) => e.type === EXPOSURE)
      expect(exposures.length).toBe(dailyArrivals(scenario).reduce((a, b) => a + b, 0))
      expect(units.size).toBe(exposures.length)
      const covariate = definition.metrics.flatMap((m) => (m.covariate === undefined ? [] : [[m.covariate.event, m.covariate.days] as const]))
      for (const [unit, list] of units) {
        const exposure = list.find((e) => e.type === EXPOSURE)
        expect(exposure, unit).toBeDefined()
        const t = Date.parse(exposure!.ts)
        for (const e of list) {
          expect(Date.parse(e.ts)).toBeLessThan(endMs)
          expect(e.ts.endsWith("+03:00")).toBe(true)
          if (e.type === EXPOSURE || e.type === CONSENT) continue
          if (Date.parse(e.ts) < t) {
            // only pre-period covariate events may precede the exposure
            const cov = covariate.find(([event]) => event === e.type)
            expect(cov, `${e.type} of ${unit} before exposure`).toBeDefined()
            expect(Date.parse(e.ts)).toBeGreaterThanOrEqual(t - cov![1] * DAY)
          }
        }
      }
      expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length)
    })
  }

  it("every event of a full scenario decodes as an IncomingEvent", () => {
    const definition = loadDefinition("reply-drafting-assistant")
    const decode = Schema.decodeUnknownSync(IncomingEvent)
    for (const e of simulate(definition, loadScenario("reply-drafting-assistant"))) decode(e)
  })
})

describe("shares match the scenario", () => {
  const scenario = withFields("support-bot-lead-qualification", { days: 40, consentRate: 0.9 })
  const events = [...simulate(bot, scenario)]
  const units = byUnit(events)
  const endMs = Date.parse(scenario.start) + scenario.days * DAY
  const exposures = events.filter((e) => e.type === EXPOSURE)

  it("split, consent and weekend arrivals", () => {
    const n = exposures.length
    const control = exposures.filter((e) => e.variant === "control").length
    expect(Math.abs(control - n / 2)).toBeLessThan(3.5 * Math.sqrt(n) / 2)
    const consent = events.filter((e) => e.type === CONSENT).length / n
    expect(Math.abs(consent - 0.9)).toBeLessThan(3.5 * Math.sqrt(0.09 / n))
    const arrivals = dailyArrivals(scenario)
    expect(arrivals[5]).toBe(170) // Saturday 7 March 2026: half of 340
    expect(arrivals[0]).toBe(113) // ramp: a third of 340
  })

  it("conversion among mature leads is the true rate per arm", () => {
    for (const [variant, rate] of [["control", 0.08], ["bot", 0.112]] as const) {
      let n = 0
      let won = 0
      for (const list of units.values()) {
        const exposure = list.find((e) => e.type === EXPOSURE)!
        if (exposure.variant !== variant || Date.parse(exposure.ts) > endMs - 30 * DAY) continue
        n++
        if (list.some((e) => e.type === "deal_won")) won++
      }
      expect(n).toBeGreaterThan(1000)
      expect(Math.abs(won / n - rate)).toBeLessThan(3.5 * Math.sqrt((rate * (1 - rate)) / n))
    }
  })

  it("durations: starts without an end are open; none ends after the cut", () => {
    let open = 0
    for (const list of units.values()) {
      if (list.some((e) => e.type === "lead_created") && !list.some((e) => e.type === "first_reply")) open++
    }
    // 2% never answered, plus a few created minutes before the cut
    expect(open / units.size).toBeGreaterThan(0.01)
    expect(open / units.size).toBeLessThan(0.04)
  })
})

describe("defects appear as configured", () => {
  const defects = {
    duplicateEvents: 0.05,
    unnormalizedPhones: 0.3,
    missingConsent: 0.1,
    split: { control: 55, bot: 45 },
    outcomeBeforeExposure: 0.04,
    sameEmailTwoIds: 0.05
  }
  const scenario = withFields("support-bot-lead-qualification", { days: 20, unitsPerDay: 300, defects })
  const events = [...simulate(bot, scenario)]
  const clean = [...simulate(bot, withFields("support-bot-lead-qualification", { days: 20, unitsPerDay: 300 }))]
  const exposures = [...new Map(events.filter((e) => e.type === EXPOSURE).map((e) => [e.unit_id, e])).values()]
  const n = exposures.length
  const within = (share: number, expected: number, count: number) =>
    expect(Math.abs(share - expected)).toBeLessThan(4 * Math.sqrt((expected * (1 - expected)) / count))

  it("duplicate events repeat an event id", () => {
    const ids = new Set(events.map((e) => e.event_id))
    const duplicates = events.length - ids.size
    within(duplicates / ids.size, 0.05, ids.size)
    expect(new Set(clean.map((e) => e.event_id)).size).toBe(clean.length)
  })

  it("phones written 8 (9xx) xxx-xx-xx", () => {
    const phones = exposures.flatMap((e) => (e.attributes["phone"] === undefined ? [] : [e.attributes["phone"]]))
    const odd = phones.filter((p) => /^8 \(9\d\d\) \d{3}-\d{2}-\d{2}$/.test(p)).length
    expect(phones.every((p) => /^\+79\d{9}$/.test(p) || /^8 \(/.test(p))).toBe(true)
    within(odd / phones.length, 0.3, phones.length)
    expect(clean.every((e) => e.attributes["phone"] === undefined || /^\+79\d{9}$/.test(e.attributes["phone"]))).toBe(true)
  })

  it("consent missing for a share of units", () => {
    const consented = new Set(events.filter((e) => e.type === CONSENT).map((e) => e.unit_id))
    within(1 - consented.size / n, 0.1, n)
  })

  it("the broken split is 55/45 and fails a sample-ratio test", () => {
    const control = exposures.filter((e) => e.variant === "control").length
    within(control / n, 0.55, n)
    const expected = n / 2
    const chi2 = ((control - expected) ** 2 + (n - control - expected) ** 2) / expected
    expect(chi2).toBeGreaterThan(10.83) // p < 0.001 with one degree of freedom
  })

  it("outcomes stamped before exposure", () => {
    const units = byUnit(events)
    let outcomes = 0
    let early = 0
    for (const list of units.values()) {
      const t = Date.parse(list.find((e) => e.type === EXPOSURE)!.ts)
      const seen = new Set<string>()
      for (const e of list) {
        if (e.type === EXPOSURE || e.type === CONSENT || e.type === "lead_created" || seen.has(e.event_id)) continue
        seen.add(e.event_id)
        outcomes++
        if (Date.parse(e.ts) < t) early++
      }
    }
    within(early / outcomes, 0.04, outcomes)
  })

  it("the same person under two unit ids", () => {
    const units = new Map<string, Set<string>>()
    for (const e of exposures) {
      const email = e.attributes["email"]
      if (email === undefined) continue
      const set = units.get(email) ?? new Set()
      set.add(e.unit_id)
      units.set(email, set)
    }
    const twice = [...units.values()].filter((s) => s.size === 2).length
    expect([...units.values()].every((s) => s.size <= 2)).toBe(true)
    within(twice / units.size, 0.05, units.size)
    const cleanEmails = clean.filter((e) => e.type === EXPOSURE && e.attributes["email"] !== undefined).map((e) => e.attributes["email"])
    expect(new Set(cleanEmails).size).toBe(cleanEmails.length)
  })
})

describe("a scoring diagnostic's scores (the bank's churn model)", () => {
  const id = "bank-churn-retention-offers"
  const bank = loadDefinition(id)
  const full = loadScenario(id)
  const { diagnostics: _, ...withoutScores } = full
  const events = [...simulate(bank, full)]
  const units = byUnit(events)
  const endMs = Date.parse(full.start) + full.days * DAY

  it("leave every other event as it was: the scores draw from a stream of their own", () => {
    // the same units, types, times and values (event ids are positions within the unit, so they shift)
    const anonymous = (es: ReadonlyArray<WireEvent>) => es.map(({ event_id: _, ...e }) => e)
    const others = events.filter((e) => e.type !== "churn_score")
    expect(sha(JSON.stringify(anonymous(others)))).toBe(sha(JSON.stringify(anonymous([...simulate(bank, withoutScores)]))))
    expect(events.length - others.length).toBe(units.size) // share 1: every customer scored once
  })

  it("rank the customers who close their card with the scenario's AUC, and are calibrated to the arm's rate", () => {
    // customers whose 30-day window closed before the cut: their outcome is known
    for (const variant of ["control", "retention_offer"]) {
      const scores: Array<number> = []
      const outcomes: Array<number> = []
      for (const list of units.values()) {
        const exposure = list.find((e) => e.type === EXPOSURE)!
        if (exposure.variant !== variant || Date.parse(exposure.ts) > endMs - 30 * DAY) continue
        scores.push(list.find((e) => e.type === "churn_score")!.value!)
        outcomes.push(list.some((e) => e.type === "card_closed") ? 1 : 0)
      }
      const auc = aucDeLong(scores, outcomes)
      expect(auc.positives).toBeGreaterThan(300)
      // the binormal model's AUC Φ(d/√2) = 0.78, within 4 of DeLong's standard errors
      expect(Math.abs(auc.auc - 0.78)).toBeLessThan(4 * auc.standardError)
      // calibrated: the mean score is the arm's closure rate (8%, or 6.8% with the offer), within 4 sd
      const mean = scores.reduce((a, b) => a + b, 0) / scores.length
      const rate = variant === "control" ? 0.08 : 0.068
      expect(Math.abs(mean - rate)).toBeLessThan(4 * Math.sqrt((rate * (1 - rate)) / scores.length))
    }
  })

  it("refuse a truth for what is not a scoring diagnostic, or whose outcome no binomial truth produces", () => {
    const wrong = { ...full, diagnostics: { churn_model: { type: "scoring" as const, auc: 0.7 } } }
    expect(() => simulate(bank, wrong).next()).toThrow(/"churn_model" is not a scoring diagnostic of pilot "bank-churn-retention-offers" \(model_quality\)/)
    const { churned: __, ...metrics } = full.metrics
    const noOutcome = { ...full, metrics: { ...metrics, churned: { type: "mean" as const, events: { poisson: 0.1 } } } }
    expect(() => simulate(bank, noOutcome).next()).toThrow(/the outcome "card_closed" of "model_quality" must be a binomial metric's event/)
  })
})
