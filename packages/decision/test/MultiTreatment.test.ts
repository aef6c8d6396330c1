import { describe, expect, it } from "vitest"
import { decide, type DecisionInput } from "../src/index.js"
import { asVariant, combine, economics, guardrail, primary, winning, withGuardrail, withPrimary } from "./fixtures/Inputs.js"

// Single-treatment inputs for each outcome, renamed and combined into one pilot.
const go = (variant: string, probNpvPositive = 0.93, probPaybackWithinTarget = 0.81): DecisionInput =>
  asVariant({ ...winning("increase"), economics: { bot: economics("increase", { probNpvPositive, probPaybackWithinTarget }) } }, variant)
const noGo = (variant: string) =>
  asVariant(withPrimary(winning("increase"), primary("increase", { estimate: -0.018, lower: -0.027, upper: -0.009 })), variant)
const extend = (variant: string) =>
  asVariant(withGuardrail(winning("increase"), guardrail("increase", { estimate: 0.004, lower: -0.002, upper: 0.012 })), variant)
const iterate = (variant: string) =>
  asVariant({ ...winning("increase"), economics: { bot: economics("increase", { probNpvPositive: 0.5 }) } }, variant)
const noPrimary = (variant: string) => {
  const input = asVariant(winning("increase"), variant)
  return { ...input, metrics: input.metrics.filter((m) => m.role !== "primary") }
}

describe("decide — several treatments", () => {
  it("decides each treatment against control on its own", () => {
    const d = decide(combine(go("bot-a"), noGo("bot-b"), extend("bot-c")))
    expect(d.perVariant.map((v) => [v.variant, v.verdict, v.decidedBy])).toEqual([
      ["bot-a", "GO", "economics"],
      ["bot-b", "NO_GO", "harm"],
      ["bot-c", "EXTEND", "guardrails"]
    ])
  })

  it("GO when any treatment is GO; the GO with the highest P(NPV > 0) is named", () => {
    const d = decide(combine(go("bot-a", 0.85), noGo("bot-b"), go("bot-c", 0.97)))
    expect(d).toMatchObject({ verdict: "GO", variant: "bot-c" })
    expect(d.reason).toMatch(/^bot-c: The AI improves converted/)
    expect(d.checks).toEqual(d.perVariant[2]!.checks)
  })

  it("ties on P(NPV > 0) go to the higher P(payback), then to input order", () => {
    expect(decide(combine(go("bot-a", 0.9, 0.75), go("bot-b", 0.9, 0.9))).variant).toBe("bot-b")
    expect(decide(combine(go("bot-a", 0.9, 0.8), go("bot-b", 0.9, 0.8))).variant).toBe("bot-a")
  })

  it("without a GO: ITERATE (invalid data) > EXTEND > ITERATE > NO_GO", () => {
    expect(decide(combine(noGo("a"), extend("b"), iterate("c")))).toMatchObject({ verdict: "EXTEND", variant: "b", decidedBy: "guardrails" })
    expect(decide(combine(noGo("a"), iterate("b")))).toMatchObject({ verdict: "ITERATE", variant: "b", decidedBy: "economics" })
    expect(decide(combine(noGo("a"), noGo("b")))).toMatchObject({ verdict: "NO_GO", variant: "a" })
    expect(decide(combine(extend("a"), noPrimary("b")))).toMatchObject({ verdict: "ITERATE", variant: "b", decidedBy: "data-validity" })
  })

  it("a GO still wins over another treatment's incomplete analysis", () => {
    expect(decide(combine(noPrimary("a"), go("b")))).toMatchObject({ verdict: "GO", variant: "b" })
  })

  it("invalid pilot-wide data makes every treatment ITERATE", () => {
    const input = combine(go("bot-a"), go("bot-b"))
    const d = decide({ ...input, dataQuality: { ...input.dataQuality, srmPValue: 1e-6 } })
    expect(d.verdict).toBe("ITERATE")
    expect(d.perVariant.every((v) => v.verdict === "ITERATE" && v.decidedBy === "data-validity")).toBe(true)
    expect(d.reason).toMatch(/^The data cannot be trusted yet/)
  })

  it("a treatment's sample is its own arm and control: another under-sampled arm does not hold it back", () => {
    const input = combine(go("bot-a"), go("bot-b"))
    const d = decide({ ...input, runtime: { days: 21, unitsPerArm: { control: 2100, "bot-a": 2050, "bot-b": 700 } } })
    expect(d.perVariant.map((v) => v.verdict)).toEqual(["GO", "EXTEND"])
    expect(d.perVariant[1]!.checks[1]!.evidence).toContain("smallest arm bot-b 700 of 2 000")
  })

  it("economics for a variant without metric results (e.g. control) is ignored", () => {
    const input = go("bot-a")
    const d = decide({ ...input, economics: { ...input.economics, control: economics("increase") } })
    expect(d).toMatchObject({ verdict: "GO", variant: "bot-a" })
    expect(d.perVariant.map((v) => v.variant)).toEqual(["bot-a"])
  })

  it("an arm missing from unitsPerArm counts as 0 units", () => {
    const input = go("bot-a")
    expect(decide({ ...input, runtime: { days: 21, unitsPerArm: { control: 2100 } } }).verdict).toBe("EXTEND")
  })

  it("with no metric results at all there is nothing to decide: ITERATE", () => {
    const d = decide({ ...winning("increase"), metrics: [], economics: {} })
    expect(d).toMatchObject({ verdict: "ITERATE", decidedBy: "data-validity", perVariant: [] })
    expect(d.variant).toBeUndefined()
    expect(d.checks[0]).toMatchObject({ status: "fail", evidence: expect.stringContaining("no metric results") })
    expect(d.checks).toHaveLength(7)
  })
})
