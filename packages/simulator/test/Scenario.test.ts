import { controlVariant } from "@pilotproof/domain"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { decodeScenario, planSimulation } from "../src/index.js"
import { loadDefinition, loadScenario, loadScenarioValue, PILOT_IDS } from "./fixtures.js"

const EXPECTED = {
  "support-bot-lead-qualification": "GO",
  "lead-scoring-queue-priority": "ITERATE",
  "personalized-offers-returning": "NO_GO",
  "reply-drafting-assistant": "NO_GO"
} as const

const issuesOf = (id: string, patch: (v: Record<string, any>) => void) => {
  const value = structuredClone(loadScenarioValue(id)) as Record<string, any>
  patch(value)
  const decoded = decodeScenario(value, `${id}.yaml`)
  if (Either.isLeft(decoded)) return decoded.left.issues.map((i) => `${i.path}: ${i.message}`)
  const planned = planSimulation(loadDefinition(id), decoded.right, `${id}.yaml`)
  return Either.isLeft(planned) ? planned.left.issues.map((i) => `${i.path}: ${i.message}`) : []
}

describe("the four scenario files", () => {
  for (const id of PILOT_IDS) {
    it(`${id} decodes and fits its pilot`, () => {
      const definition = loadDefinition(id)
      const scenario = loadScenario(id)
      expect(scenario.pilot).toBe(id)
      expect(scenario.expect.verdict).toBe(EXPECTED[id])
      const plan = planSimulation(definition, scenario)
      expect(Either.isRight(plan)).toBe(true)
      const metricKeys = definition.metrics.map((m) => m.key as string)
      for (const key of Object.keys(scenario.metrics)) expect(metricKeys).toContain(key)
      const treatments = definition.variants.map((v) => v.key as string).filter((k) => k !== controlVariant(definition).key)
      for (const truth of Object.values(scenario.metrics)) {
        for (const variant of Object.keys(truth.lift ?? {})) expect(treatments).toContain(variant)
      }
      expect(scenario.days).toBeGreaterThanOrEqual(definition.plan.minDays)
    })
  }
})

describe("decoding is strict and names the field", () => {
  const id = "support-bot-lead-qualification"
  it("rejects unknown fields", () => {
    expect(issuesOf(id, (v) => (v.metrics.converted.rat = 0.1))).toEqual([expect.stringMatching(/^metrics\.converted\.rat: /)])
    expect(issuesOf(id, (v) => (v.defects = { duplicates: 0.1 }))[0]).toMatch(/^defects\.duplicates: /)
    expect(issuesOf(id, (v) => (v.unitsPerDays = 3))[0]).toMatch(/^unitsPerDays: /)
  })
  it("checks ranges and formats", () => {
    expect(issuesOf(id, (v) => (v.consentRate = 1.2))).toEqual(["consentRate: must be a share in [0, 1]"])
    // an optional field's value is told once, without the "Expected undefined" of its absent branch
    expect(issuesOf(id, (v) => (v.rampDays = 0))).toEqual(["rampDays: must be a whole number greater than zero"])
    expect(issuesOf(id, (v) => (v.start = "2026-03-02T00:00:00"))[0]).toMatch(/^start: start must be ISO 8601/)
    expect(issuesOf(id, (v) => (v.metrics.converted.lift.bot = -1.5))[0]).toMatch(/^metrics\.converted\.lift\.bot: a lift is relative/)
    expect(issuesOf(id, (v) => (v.expect.verdict = "MAYBE"))[0]).toMatch(/^expect\.verdict: /)
  })
  it("reports every problem at once", () => {
    const issues = issuesOf(id, (v) => {
      v.days = 0
      v.seed = -1
    })
    expect(issues.map((i) => i.split(":")[0]).sort()).toEqual(["days", "seed"])
  })
})

describe("the scenario must fit its pilot", () => {
  const id = "support-bot-lead-qualification"
  it("names unknown metrics, variants and pilots", () => {
    expect(issuesOf(id, (v) => (v.metrics.revenue = { type: "binomial", rate: 0.1 }))[0]).toMatch(/^metrics\.revenue: "revenue" is not a metric/)
    expect(issuesOf(id, (v) => (v.metrics.converted.lift = { robot: 0.1 }))[0]).toMatch(/^metrics\.converted\.lift\.robot: "robot" is not a treatment variant/)
    expect(issuesOf(id, (v) => (v.metrics.converted.lift = { control: 0.1 }))[0]).toMatch(/is the control/)
    expect(issuesOf(id, (v) => (v.pilot = "other-pilot"))[0]).toMatch(/^pilot: /)
  })
  it("needs truth for every metric it cannot derive", () => {
    expect(issuesOf(id, (v) => delete v.metrics.complaint)[0]).toMatch(/^metrics: no truth for metric "complaint"/)
  })
  it("checks metric types, rates, values and covariates", () => {
    expect(issuesOf(id, (v) => (v.metrics.converted = { type: "mean", events: { poisson: 1 } }))[0]).toMatch(/^metrics\.converted\.type: /)
    expect(issuesOf(id, (v) => (v.metrics.converted.lift.bot = 20))[0]).toMatch(/exceeds 1/)
    expect(issuesOf(id, (v) => delete v.metrics.handle_minutes.value)[0]).toMatch(/^metrics\.handle_minutes\.value: .*sums event values/)
    expect(issuesOf("personalized-offers-returning", (v) => delete v.metrics.revenue.covariate)[0]).toMatch(/has a covariate/)
    expect(issuesOf("reply-drafting-assistant", (v) => (v.metrics.csat.lift.assistant = -0.9))[0]).toMatch(/outside the score range/)
  })
  it("checks the split defect against the variants", () => {
    expect(issuesOf(id, (v) => (v.defects = { split: { control: 55 } }))[0]).toMatch(/^defects\.split: .*"bot" has none/)
    expect(issuesOf(id, (v) => (v.defects = { split: { control: 55, bot: 45 } }))).toEqual([])
  })
})
