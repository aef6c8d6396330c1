/**
 * The four scenarios carry their expected verdict; this checks, on the simulated data and with
 * the textbook formulas (not the engine), that the conditions behind each verdict hold at the
 * end of the period: the primary's interval, the guardrail against its margin, the sample.
 * Sequential pilots use the always-valid mSPRT interval (Johari et al. 2022) with τ = the
 * absolute MDE, as docs/methods.md describes; fixed-horizon pilots the 95% Wald interval.
 */
import { EXPOSURE } from "@pilotproof/domain"
import { describe, expect, it } from "vitest"
import { simulate, type WireEvent } from "../src/index.js"
import { loadDefinition, loadScenario } from "./fixtures.js"

const DAY = 86_400_000
const Z = 1.959964

interface Unit {
  variant: string
  t: number
  events: Array<WireEvent>
}

const unitsOf = (id: string) => {
  const units = new Map<string, Unit>()
  const early: Array<WireEvent> = []
  for (const e of simulate(loadDefinition(id), loadScenario(id))) {
    if (e.type === EXPOSURE) units.set(e.unit_id, { variant: e.variant!, t: Date.parse(e.ts), events: [] })
    else early.push(e)
  }
  for (const e of early) units.get(e.unit_id)?.events.push(e)
  return [...units.values()]
}

const arms = (units: ReadonlyArray<Unit>, control: string, treatment: string) =>
  [units.filter((u) => u.variant === control), units.filter((u) => u.variant === treatment)] as const

/** Share of units with an event of `type` within `windowDays` after exposure. */
const rate = (arm: ReadonlyArray<Unit>, type: string, windowDays: number) =>
  arm.filter((u) => u.events.some((e) => e.type === type && Date.parse(e.ts) >= u.t && Date.parse(e.ts) < u.t + windowDays * DAY)).length / arm.length

const proportionDiff = (c: ReadonlyArray<Unit>, t: ReadonlyArray<Unit>, type: string, windowDays: number) => {
  const pc = rate(c, type, windowDays)
  const pt = rate(t, type, windowDays)
  return { d: pt - pc, v: (pc * (1 - pc)) / c.length + (pt * (1 - pt)) / t.length }
}

/** Always-valid half-width: √(v(v+τ²)/τ² · (2 ln(1/α) + ln((v+τ²)/v))). */
const alwaysValid = (v: number, tau: number, alpha = 0.05) =>
  Math.sqrt(((v * (v + tau * tau)) / (tau * tau)) * (2 * Math.log(1 / alpha) + Math.log((v + tau * tau) / v)))

describe("the data behind each expected verdict", () => {
  it("support bot → GO: conversion clearly up under sequential monitoring, complaints non-inferior", () => {
    const [c, t] = arms(unitsOf("support-bot-lead-qualification"), "control", "bot")
    expect(Math.min(c.length, t.length)).toBeGreaterThan(4919) // planned sample per arm
    const conv = proportionDiff(c, t, "deal_won", 30)
    expect(conv.d - alwaysValid(conv.v, 0.016)).toBeGreaterThan(0.005)
    expect(conv.d - alwaysValid(conv.v, 0.2)).toBeGreaterThan(0)
    const complaint = proportionDiff(c, t, "complaint", 30)
    expect(complaint.d + alwaysValid(complaint.v, 0.01)).toBeLessThan(0.01)
  })

  it("lead scoring → ITERATE: past maxDays, the small lift is neither confirmed nor ruled out", () => {
    const definition = loadDefinition("lead-scoring-queue-priority")
    expect(loadScenario("lead-scoring-queue-priority").days).toBeGreaterThan(definition.plan.maxDays)
    const [c, t] = arms(unitsOf("lead-scoring-queue-priority"), "control", "scored")
    const won = proportionDiff(c, t, "deal_won", 60)
    const hw = alwaysValid(won.v, 0.018)
    expect(won.d - hw).toBeLessThan(0) // not significantly better
    expect(won.d + hw).toBeGreaterThan(0.0015) // upper bound above the break-even +0.15 pp: not NO_GO
  })

  it("personalized offers → NO_GO: planned sample reached, unsubscribes beyond the margin", () => {
    const [c, t] = arms(unitsOf("personalized-offers-returning"), "control", "personalized")
    expect(Math.min(c.length, t.length)).toBeGreaterThan(29_478)
    const unsub = proportionDiff(c, t, "unsubscribe", 30)
    expect(unsub.d - Z * Math.sqrt(unsub.v)).toBeGreaterThan(0.005)
  })

  it("reply drafting → NO_GO: CSAT worse than the 0.2 margin, handle time down", () => {
    const [c, t] = arms(unitsOf("reply-drafting-assistant"), "control", "assistant")
    expect(Math.min(c.length, t.length)).toBeGreaterThan(649)
    const stats = (arm: ReadonlyArray<Unit>, f: (u: Unit) => number | undefined) => {
      const xs = arm.flatMap((u) => {
        const x = f(u)
        return x === undefined ? [] : [x]
      })
      const m = xs.reduce((a, b) => a + b, 0) / xs.length
      return { m, v: xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) / xs.length }
    }
    const csat = (u: Unit) => u.events.find((e) => e.type === "csat_score")?.value
    const handle = (u: Unit) => {
      const r = u.events.find((e) => e.type === "conversation_resolved")
      return r === undefined ? undefined : (Date.parse(r.ts) - u.t) / 60_000
    }
    const [sc, st] = [stats(c, csat), stats(t, csat)]
    expect(st.m - sc.m + Z * Math.sqrt(sc.v + st.v)).toBeLessThan(-0.2 - 0.05)
    const [hc, ht] = [stats(c, handle), stats(t, handle)]
    expect(ht.m - hc.m + Z * Math.sqrt(hc.v + ht.v)).toBeLessThan(0)
  })
})
