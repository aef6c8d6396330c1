import { EXPOSURE } from "@pilotproof/domain"
import { makeRandom } from "@pilotproof/stats"
import { describe, expect, it } from "vitest"
import { frailtyCorrelation, poisson, scoreMean, simulate, solveFrailtyVariance, tiltScores, trueEffects, type WireEvent } from "../src/index.js"
import { loadDefinition, loadScenario, withFields } from "./fixtures.js"

const DAY = 86_400_000

/** Per-unit rows of mature units (exposed at least `matureDays` before the cut). */
const matureUnits = (events: Iterable<WireEvent>, endMs: number, matureDays: number) => {
  const units = new Map<string, { variant: string; t: number; events: Array<WireEvent> }>()
  const pending = new Map<string, Array<WireEvent>>()
  for (const e of events) {
    if (e.type === EXPOSURE) {
      units.set(e.unit_id, { variant: e.variant!, t: Date.parse(e.ts), events: pending.get(e.unit_id) ?? [] })
      pending.delete(e.unit_id)
    } else {
      const u = units.get(e.unit_id)
      if (u !== undefined) u.events.push(e)
      else pending.set(e.unit_id, [...(pending.get(e.unit_id) ?? []), e])
    }
  }
  return [...units.values()].filter((u) => u.t <= endMs - matureDays * DAY)
}

const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
const sd = (xs: ReadonlyArray<number>) => {
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1))
}

describe("sampling helpers", () => {
  it("Poisson draws have mean and variance λ, below and above the algorithm switch", () => {
    const random = makeRandom(7)
    for (const lambda of [0.3, 4, 25, 400]) {
      const xs = Array.from({ length: 20_000 }, () => poisson(random, lambda))
      expect(Math.abs(mean(xs) - lambda)).toBeLessThan(5 * Math.sqrt(lambda / 20_000))
      expect(Math.abs(sd(xs) ** 2 / lambda - 1)).toBeLessThan(0.05)
    }
  })
  it("the exponential tilt hits the target mean and keeps a distribution", () => {
    const p = [0.04, 0.05, 0.09, 0.27, 0.55]
    const tilted = tiltScores(p, 3.79)!
    expect(scoreMean(tilted)).toBeCloseTo(3.79, 9)
    expect(tilted.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
    expect(tiltScores(p, 5)).toBeUndefined()
  })
  it("the frailty variance solves the stated correlation", () => {
    const v = solveFrailtyVariance(0.35, 0.36, 20_000, 8e8, 0.12, 20_000, 8e8)
    expect(frailtyCorrelation(0.36, 20_000, 8e8, 0.12, 20_000, 8e8, v)).toBeCloseTo(0.35, 9)
  })
})

describe("analytic truth", () => {
  it("matches the scenario's parameters", () => {
    const t = trueEffects(loadDefinition("support-bot-lead-qualification"), loadScenario("support-bot-lead-qualification"))
    expect(t["converted"]!.control).toBeCloseTo(0.08, 12)
    expect(t["converted"]!.treatments["bot"]!.effect).toBeCloseTo(0.032, 12)
    expect(t["handle_minutes"]!.treatments["bot"]!.effect).toBeCloseTo(-1.6 * 7 * Math.exp(0.18) * 0.25, 9)
    expect(t["first_reply_minutes"]!.treatments["bot"]!.lift).toBeCloseTo(-0.97, 9)
    const csat = trueEffects(loadDefinition("reply-drafting-assistant"), loadScenario("reply-drafting-assistant"))["csat"]!
    expect(csat.control).toBeCloseTo(4.24, 12)
    expect(csat.treatments["assistant"]!.effect).toBeCloseTo(-0.45, 2)
    const offers = trueEffects(loadDefinition("personalized-offers-returning"), loadScenario("personalized-offers-returning"))
    expect(offers["orders"]!.control).toBeCloseTo(0.12, 12) // derived from revenue's order stream
    expect(offers["revenue"]!.treatments["personalized"]!.effect).toBe(0)
  })

  it("agrees with simulated mature units (reply drafting, 60 days)", () => {
    const definition = loadDefinition("reply-drafting-assistant")
    const scenario = withFields("reply-drafting-assistant", { days: 60, unitsPerDay: 500 })
    const truth = trueEffects(definition, scenario)
    const endMs = Date.parse(scenario.start) + scenario.days * DAY
    const units = matureUnits(simulate(definition, scenario), endMs, 10)
    for (const variant of ["control", "assistant"]) {
      const arm = units.filter((u) => u.variant === variant)
      const scores = arm.flatMap((u) => u.events.filter((e) => e.type === "csat_score").map((e) => e.value!))
      const durations = arm.flatMap((u) => {
        const a = u.events.find((e) => e.type === "conversation_assigned")
        const r = u.events.find((e) => e.type === "conversation_resolved")
        return a === undefined || r === undefined ? [] : [(Date.parse(r.ts) - Date.parse(a.ts)) / 60_000]
      })
      const reopened = arm.filter((u) => u.events.some((e) => e.type === "reopened")).length / arm.length
      const want = (key: string) => (variant === "control" ? truth[key]!.control : truth[key]!.treatments[variant]!.value)
      expect(Math.abs(mean(scores) - want("csat"))).toBeLessThan(4 * sd(scores) / Math.sqrt(scores.length))
      // durations are floored to whole seconds: at most 1/60 minute low
      expect(Math.abs(mean(durations) - want("handle_minutes"))).toBeLessThan(4 * sd(durations) / Math.sqrt(durations.length) + 0.02)
      expect(Math.abs(reopened - want("reopened"))).toBeLessThan(4 * Math.sqrt(0.09 / arm.length))
    }
  })

  it("the CUPED covariate correlates with revenue as stated", () => {
    const definition = loadDefinition("personalized-offers-returning")
    const scenario = withFields("personalized-offers-returning", { days: 45, unitsPerDay: 2000, seed: 11 })
    const endMs = Date.parse(scenario.start) + scenario.days * DAY
    const units = matureUnits(simulate(definition, scenario), endMs, 30).filter((u) => u.variant === "control")
    const pre: Array<number> = []
    const post: Array<number> = []
    for (const u of units) {
      let x = 0
      let y = 0
      for (const e of u.events) {
        if (e.type !== "order") continue
        if (Date.parse(e.ts) < u.t) x += e.value!
        else y += e.value!
      }
      pre.push(x)
      post.push(y)
    }
    const mx = mean(pre)
    const my = mean(post)
    const cov = pre.reduce((s, x, i) => s + (x - mx) * (post[i]! - my), 0) / (pre.length - 1)
    const rho = cov / (sd(pre) * sd(post))
    expect(units.length).toBeGreaterThan(14_000)
    expect(Math.abs(my - trueEffects(definition, scenario)["revenue"]!.control) / my).toBeLessThan(0.12)
    // heavy-tailed spend: the sample correlation is noisy, so the tolerance is wide
    expect(rho).toBeGreaterThan(0.2)
    expect(rho).toBeLessThan(0.5)
  })
})
