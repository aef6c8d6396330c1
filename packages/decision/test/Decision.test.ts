import { describe, expect, it } from "vitest"
import { type Check, type CheckName, decide, type Decision, type DecisionInput } from "../src/index.js"
import { DIRECTIONS, economics, guardrail, primary, secondary, winning, withGuardrail, withPrimary } from "./fixtures/Inputs.js"

const check = (d: Decision, name: CheckName): Check => d.checks.find((c) => c.name === name)!
const statuses = (d: Decision) => Object.fromEntries(d.checks.map((c) => [c.name, c.status]))
const at = (input: DecisionInput, days: number): DecisionInput => ({ ...input, runtime: { ...input.runtime, days } })

describe.each(DIRECTIONS)("decide — one treatment, %s-good primary", (direction) => {
  const base = winning(direction)

  describe("1. invalid data → ITERATE", () => {
    it("SRM p below srmAlpha", () => {
      const d = decide({ ...base, dataQuality: { ...base.dataQuality, srmPValue: 0.0002 } })
      expect(d).toMatchObject({ verdict: "ITERATE", decidedBy: "data-validity", variant: "bot" })
      expect(check(d, "data-validity")).toEqual({
        name: "data-validity",
        status: "fail",
        evidence: "SRM χ² p = 0.0002 < 0.001; 0 readiness failures"
      })
      expect(d.reason).toMatch(/^The data cannot be trusted yet \(the split between arms is off/)
      // later checks are not evaluated on broken data
      expect(d.checks.slice(1).every((c) => c.status === "not-applicable")).toBe(true)
    })

    it("a failed readiness check", () => {
      const d = decide({
        ...base,
        dataQuality: {
          srmPValue: 0.41,
          checks: [...base.dataQuality.checks, { check: "outcome-before-exposure", status: "fail", message: "37 outcomes precede exposure" }]
        }
      })
      expect(d).toMatchObject({ verdict: "ITERATE", decidedBy: "data-validity" })
      expect(check(d, "data-validity").evidence).toBe(
        "SRM χ² p = 0.41 ≥ 0.001; 1 readiness failure (outcome-before-exposure: 37 outcomes precede exposure)"
      )
      expect(d.reason).toContain("readiness failed: outcome-before-exposure")
    })

    it("a tighter pilot srmAlpha is honoured", () => {
      const d = decide({ ...base, policy: { ...base.policy, srmAlpha: 0.01 }, dataQuality: { ...base.dataQuality, srmPValue: 0.005 } })
      expect(d.verdict).toBe("ITERATE")
    })

    it("a readiness warning or a missing SRM p-value warns but does not stop", () => {
      const { srmPValue: _, ...noSrm } = base.dataQuality
      const d = decide({ ...base, dataQuality: { ...noSrm, checks: [{ check: "consent", status: "warn", message: "3 units lack consent" }] } })
      expect(d.verdict).toBe("GO")
      expect(check(d, "data-validity")).toMatchObject({
        status: "warn",
        evidence: "SRM not computed; 0 readiness failures; 1 readiness warning (consent: 3 units lack consent)"
      })
    })

    it("no primary result for the treatment", () => {
      const d = decide({ ...base, metrics: base.metrics.filter((m) => m.role !== "primary") })
      expect(d).toMatchObject({ verdict: "ITERATE", decidedBy: "data-validity" })
      expect(check(d, "data-validity")).toMatchObject({ status: "fail", evidence: expect.stringContaining("no primary metric result for bot") })
    })
  })

  describe("2. too early → EXTEND", () => {
    it("day 3 of a 14-day minimum (even on a sequential plan with a significant win)", () => {
      const d = decide({ ...at(base, 3), plan: { ...base.plan, sequential: true } })
      expect(d).toMatchObject({ verdict: "EXTEND", decidedBy: "runtime" })
      expect(check(d, "runtime")).toEqual({
        name: "runtime",
        status: "fail",
        evidence: "day 3 < minimum 14 (maximum 60); smallest arm bot 2 080 of 2 000 planned units; sequential plan"
      })
      expect(d.reason).toBe("Too early to judge: the pilot is on day 3 of its 14-day minimum; keep it running.")
    })

    it("a fixed-sample plan short of its sample", () => {
      const d = decide({ ...base, runtime: { days: 21, unitsPerArm: { control: 1500, bot: 1490 } } })
      expect(d).toMatchObject({ verdict: "EXTEND", decidedBy: "runtime" })
      expect(check(d, "runtime").evidence).toBe(
        "smallest arm bot 1 490 of 2 000 planned units (fixed-sample plan: read only at the planned sample); day 21"
      )
      expect(d.reason).toContain("the bot arm has 1 490 of the 2 000 units planned")
    })

    it("a sequential plan may be read before its planned sample", () => {
      const d = decide({ ...base, plan: { ...base.plan, sequential: true }, runtime: { days: 21, unitsPerArm: { control: 1500, bot: 1490 } } })
      expect(d.verdict).toBe("GO")
      expect(check(d, "runtime").status).toBe("pass")
    })
  })

  describe("3. harm → NO_GO", () => {
    it("the primary is significantly worse", () => {
      const d = decide(withPrimary(base, primary(direction, { estimate: -0.018, lower: -0.027, upper: -0.009 }, 0.0003)))
      expect(d).toMatchObject({ verdict: "NO_GO", decidedBy: "harm" })
      expect(check(d, "harm").evidence).toBe(
        direction === "increase"
          ? "primary converted -0.018 [-0.027, -0.009] entirely below 0"
          : "primary handle_minutes +0.018 [0.009, 0.027] entirely above 0"
      )
      expect(d.reason).toMatch(/^The AI makes (converted|handle_minutes) worse .*95 % CI.*: stop the pilot\.$/)
      expect(statuses(d)).toMatchObject({ win: "not-applicable", economics: "not-applicable", "no-effect": "not-applicable" })
    })

    it("a guardrail is significantly worse than its margin", () => {
      const d = decide(withGuardrail(base, guardrail(direction, { estimate: 0.02, lower: 0.012, upper: 0.028 }, 0.01)))
      expect(d).toMatchObject({ verdict: "NO_GO", decidedBy: "harm" })
      expect(check(d, "harm").evidence).toBe(
        direction === "increase"
          ? "guardrail complaint +0.02 [0.012, 0.028] beyond its margin (lower 0.012 > 0.01)"
          : "guardrail csat -0.02 [-0.028, -0.012] beyond its margin (upper -0.012 < -0.01)"
      )
      expect(d.reason).toContain("breaks the guardrail")
    })

    it("a guardrail worse than control but not beyond its margin is not harm", () => {
      const d = decide(withGuardrail(base, guardrail(direction, { estimate: 0.006, lower: 0.002, upper: 0.009 }, 0.01)))
      expect(d.verdict).toBe("GO")
    })

    it("a significantly worse secondary warns but does not stop", () => {
      const d = decide({
        ...base,
        metrics: base.metrics.map((m) => (m.role === "secondary" ? secondary(direction, { estimate: -2, lower: -3, upper: -1 }, 0.001) : m))
      })
      expect(d.verdict).toBe("GO")
      expect(check(d, "harm")).toMatchObject({ status: "warn", evidence: expect.stringContaining("secondary first_reply_minutes") })
    })
  })

  describe("4. win", () => {
    it("win that pays → GO, with every check's numbers", () => {
      const d = decide(base)
      expect(d).toMatchObject({ verdict: "GO", decidedBy: "economics", variant: "bot" })
      expect(statuses(d)).toEqual({
        "data-validity": "pass",
        runtime: "pass",
        harm: "pass",
        win: "pass",
        guardrails: "pass",
        economics: "pass",
        "no-effect": "not-applicable"
      })
      expect(check(d, "data-validity").evidence).toBe("SRM χ² p = 0.41 ≥ 0.001; 0 readiness failures")
      expect(check(d, "win").evidence).toBe(
        direction === "increase"
          ? "primary converted +0.018 [0.009, 0.027] p = 0.0006 < 0.05 (Holm)"
          : "primary handle_minutes -0.018 [-0.027, -0.009] p = 0.0006 < 0.05 (Holm)"
      )
      expect(check(d, "guardrails").evidence).toBe(
        direction === "increase"
          ? "complaint +0.001 [-0.003, 0.005]: upper 0.005 < 0.01 margin"
          : "csat -0.001 [-0.005, 0.003]: lower -0.005 > -0.01 (margin 0.01)"
      )
      expect(check(d, "economics").evidence).toBe(
        "P(NPV > 0) = 0.93 ≥ 0.80; P(payback ≤ 12 mo) = 0.81 ≥ 0.70; median NPV 1 234 567 RUB"
      )
      expect(d.reason).toMatch(/without breaking a guardrail, and it pays back \(P\(NPV > 0\) = 0\.93, P\(payback ≤ 12 mo\) = 0\.81\): scale it\.$/)
    })

    it("win that does not pay → ITERATE (NPV short)", () => {
      const d = decide({ ...base, economics: { bot: economics(direction, { probNpvPositive: 0.55 }) } })
      expect(d).toMatchObject({ verdict: "ITERATE", decidedBy: "economics" })
      expect(check(d, "economics")).toMatchObject({ status: "fail", evidence: expect.stringMatching(/^P\(NPV > 0\) = 0\.55 < 0\.80; P\(payback ≤ 12 mo\) = 0\.81 ≥ 0\.70/) })
      expect(d.reason).toBe(
        `The effect on ${direction === "increase" ? "converted" : "handle_minutes"} is real but does not pay back (P(NPV > 0) = 0.55 < 0.80): cut the cost or widen the scope before scaling.`
      )
    })

    it("win whose payback misses the target → ITERATE; comparisons never print as equal", () => {
      const d = decide({ ...base, economics: { bot: economics(direction, { probPaybackWithinTarget: 0.6999 }) } })
      expect(d.verdict).toBe("ITERATE")
      expect(check(d, "economics").evidence).toContain("P(payback ≤ 12 mo) = 0.6999 < 0.7000")
    })

    it("thresholds are inclusive (≥), and a pilot may tighten them", () => {
      expect(decide({ ...base, economics: { bot: economics(direction, { probNpvPositive: 0.8, probPaybackWithinTarget: 0.7 }) } }).verdict).toBe("GO")
      expect(decide({ ...base, policy: { ...base.policy, minProbNpvPositive: 0.95 } }).verdict).toBe("ITERATE")
    })

    it("win without economics for the treatment → ITERATE", () => {
      const d = decide({ ...base, economics: {} })
      expect(d).toMatchObject({ verdict: "ITERATE", decidedBy: "economics" })
      expect(check(d, "economics")).toEqual({ name: "economics", status: "fail", evidence: "no economics computed for bot" })
    })

    it("win with a guardrail not yet shown non-inferior → EXTEND before maxDays, ITERATE from maxDays", () => {
      const input = withGuardrail(base, guardrail(direction, { estimate: 0.004, lower: -0.002, upper: 0.012 }, 0.01))
      const early = decide(input)
      expect(early).toMatchObject({ verdict: "EXTEND", decidedBy: "guardrails" })
      expect(check(early, "guardrails")).toMatchObject({
        status: "warn",
        evidence: direction === "increase"
          ? "complaint +0.004 [-0.002, 0.012]: upper 0.012 ≥ 0.01 margin"
          : "csat -0.004 [-0.012, 0.002]: lower -0.012 ≤ -0.01 (margin 0.01)"
      })
      expect(check(early, "economics").status).toBe("not-applicable")
      expect(early.reason).toContain("keep the pilot running (day 21 of at most 60)")
      const late = decide(at(input, 60))
      expect(late).toMatchObject({ verdict: "ITERATE", decidedBy: "guardrails" })
      expect(late.reason).toContain("by the 60-day maximum")
    })

    it("a guardrail that could not be computed is not shown non-inferior", () => {
      const d = decide(withGuardrail(base, guardrail(direction, undefined, 0.01, { degenerate: "ZERO_EVENTS" })))
      expect(d.verdict).toBe("EXTEND")
      expect(check(d, "guardrails").evidence).toMatch(/not computable \(ZERO_EVENTS\)/)
    })

    it("the win uses the Holm-adjusted p-value: raw 0.03 but adjusted 0.07 is not a win", () => {
      const d = decide(withPrimary(base, primary(direction, { estimate: 0.012, lower: 0.001, upper: 0.023 }, 0.03, { adjustedPValue: 0.07 })))
      expect(check(d, "win")).toMatchObject({ status: "fail", evidence: expect.stringContaining("p = 0.07 ≥ 0.05 (Holm)") })
      expect(d.verdict).toBe("EXTEND")
    })

    it("without an adjusted p-value the raw one is used and labelled", () => {
      const { adjustedPValue: _, ...raw } = primary(direction)
      const d = decide(withPrimary(base, raw))
      expect(d.verdict).toBe("GO")
      expect(check(d, "win").evidence).toContain("p = 0.0003 < 0.05 (raw)")
    })
  })

  describe("5. no effect", () => {
    const flat = primary(direction, { estimate: 0.001, lower: -0.004, upper: 0.005 }, 0.6)

    it("planned sample reached, optimistic bound short of break-even → NO_GO", () => {
      const d = decide(withPrimary(base, flat))
      expect(d).toMatchObject({ verdict: "NO_GO", decidedBy: "no-effect" })
      expect(check(d, "no-effect")).toEqual({
        name: "no-effect",
        status: "fail",
        evidence: direction === "increase"
          ? "smallest arm bot 2 080 of 2 000 planned units reached; optimistic bound +0.005 short of break-even +0.006"
          : "smallest arm bot 2 080 of 2 000 planned units reached; optimistic bound -0.005 short of break-even -0.006"
      })
      expect(statuses(d)).toMatchObject({ win: "fail", guardrails: "not-applicable", economics: "not-applicable" })
      expect(d.reason).toContain("too small to pay back")
    })

    it("planned sample reached, no break-even effect, CI includes 0 → NO_GO", () => {
      const { breakEvenEffect: _, ...noBreakEven } = economics(direction)
      const d = decide({ ...withPrimary(base, flat), economics: { bot: noBreakEven } })
      expect(d).toMatchObject({ verdict: "NO_GO", decidedBy: "no-effect" })
      expect(check(d, "no-effect").evidence).toContain("95 % CI")
      expect(check(d, "no-effect").evidence).toContain("includes 0 (no break-even effect)")
      expect(d.reason).toContain("no detectable effect")
    })

    const promising = primary(direction, { estimate: 0.008, lower: -0.001, upper: 0.017 }, 0.08)

    it("inconclusive (CI still reaches break-even) before maxDays → EXTEND", () => {
      const d = decide(withPrimary(base, promising))
      expect(d).toMatchObject({ verdict: "EXTEND", decidedBy: "no-effect" })
      expect(check(d, "no-effect")).toMatchObject({ status: "warn", evidence: expect.stringContaining("reaches break-even") })
      expect(d.reason).toMatch(/^Not enough evidence yet on .*keep the pilot running \(day 21 of at most 60\)\.$/)
    })

    it("a sequential plan short of its planned sample cannot conclude no effect → EXTEND", () => {
      const d = decide({
        ...withPrimary(base, flat),
        plan: { ...base.plan, sequential: true },
        runtime: { days: 21, unitsPerArm: { control: 900, bot: 880 } }
      })
      expect(d).toMatchObject({ verdict: "EXTEND", decidedBy: "no-effect" })
      expect(check(d, "no-effect").evidence).toContain("not reached")
    })

    it("inconclusive past maxDays → ITERATE", () => {
      const d = decide(at(withPrimary(base, promising), 61))
      expect(d).toMatchObject({ verdict: "ITERATE", decidedBy: "no-effect" })
      expect(d.reason).toMatch(/^Still inconclusive on .* at the 60-day maximum/)
    })

    it("a primary that could not be computed → EXTEND, then ITERATE at maxDays", () => {
      const broken = withPrimary(base, primary(direction, undefined, 0.0003, { degenerate: "ZERO_VARIANCE" }))
      expect(decide(broken)).toMatchObject({ verdict: "EXTEND", decidedBy: "no-effect" })
      expect(check(decide(broken), "win").evidence).toBe(`primary ${direction === "increase" ? "converted" : "handle_minutes"} not computable (ZERO_VARIANCE)`)
      expect(decide(at(broken, 60))).toMatchObject({ verdict: "ITERATE", decidedBy: "no-effect" })
    })

    it("NaN statistics are treated as not computable, never as a win or as harm", () => {
      const d = decide(withPrimary(base, primary(direction, { estimate: Number.NaN, lower: Number.NaN, upper: Number.NaN }, Number.NaN)))
      expect(d.verdict).toBe("EXTEND")
      expect(check(d, "harm")).toMatchObject({ status: "warn", evidence: expect.stringContaining("NON_FINITE") })
    })
  })

  it("lists all seven checks, in policy order, with a non-empty evidence line", () => {
    for (const d of [decide(base), decide(at(base, 2)), decide({ ...base, dataQuality: { checks: [], srmPValue: 0 } })]) {
      expect(d.checks.map((c) => c.name)).toEqual(["data-validity", "runtime", "harm", "win", "guardrails", "economics", "no-effect"])
      for (const c of d.checks) expect(c.evidence.length).toBeGreaterThan(0)
      expect(d.perVariant).toHaveLength(1)
      expect(d.perVariant[0]!.checks).toEqual(d.checks)
    }
  })
})

describe.each(DIRECTIONS)("decide — a one-sided plan, %s-good primary", (direction) => {
  const base = winning(direction)
  const oneSided: DecisionInput = { ...base, plan: { ...base.plan, sides: 1 } }

  it("names the one-sided p and the interval's level (1 − 2α) in the evidence and the reason", () => {
    const d = decide(oneSided)
    expect(d.verdict).toBe("GO")
    expect(check(d, "win").evidence).toMatch(/one-sided p = 0\.0006 < 0\.05 \(Holm\)$/)
    expect(d.reason).toContain("90 % CI")
    expect(decide(base).reason).toContain("95 % CI")
  })

  it("reads the same bounds: harm from the bad-side end, no effect from the good-side end", () => {
    const worse = withPrimary(oneSided, primary(direction, { estimate: -0.01, lower: -0.018, upper: -0.002 }, 0.99))
    expect(decide(worse)).toMatchObject({ verdict: "NO_GO", decidedBy: "harm" })
    expect(decide(worse).reason).toContain("90 % CI")
    const flat = withPrimary(oneSided, primary(direction, { estimate: 0.001, lower: -0.004, upper: 0.006 }, 0.4))
    expect(decide({ ...flat, economics: {} })).toMatchObject({ verdict: "NO_GO", decidedBy: "no-effect" })
  })
})

describe.each(DIRECTIONS)("decide — the novelty check, %s-good primary", (direction) => {
  const base = winning(direction)
  const p = base.metrics.find((m) => m.role === "primary")!
  const sign = direction === "increase" ? 1 : -1
  const weeks = [0.03, 0.02, 0.012, 0.004].map((e, week) => ({ week, from: `2026-03-0${2 + week}`, estimate: sign * e }))
  const withNovelty = (decaying: boolean): DecisionInput =>
    withPrimary(base, { ...p, novelty: { weeks, slope: sign * -0.0087, pValue: decaying ? 0.0012 : 0.2, decaying } })

  it("a fading effect is a warning on the win, with the weeks shown; the verdict stays GO", () => {
    const d = decide(withNovelty(true))
    expect(d.verdict).toBe("GO")
    expect(check(d, "win").status).toBe("warn")
    const shown = direction === "increase" ? "2026-03-02 +0.03, 2026-03-03 +0.02, 2026-03-04 +0.012, 2026-03-05 +0.004" : "2026-03-02 -0.03, 2026-03-03 -0.02, 2026-03-04 -0.012, 2026-03-05 -0.004"
    expect(check(d, "win").evidence).toContain(`novelty: the effect of the units first exposed each week (${shown}) fades by 0.0087 a week, one-sided p = 0.0012`)
    expect(d.reason).toMatch(/: scale it\. But the effect fades week by week \(novelty: .*\): watch it after the scale-up before counting on the full effect\.$/)
  })

  it("a trend that is not significant changes nothing", () => {
    const d = decide(withNovelty(false))
    expect(check(d, "win").status).toBe("pass")
    expect(d.reason).toBe(decide(base).reason)
  })
})
