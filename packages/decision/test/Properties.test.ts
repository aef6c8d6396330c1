import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { decide, DEFAULT_POLICY, type DecisionInput, type MetricEvidence } from "../src/index.js"
import { economics, guardrail, primary, winning } from "./fixtures/Inputs.js"

// Arbitrary pilots: 1–3 treatments, each with a primary, 0–2 secondaries and 0–2 guardrails
// of either direction, intervals around the estimate, p-values biased towards small ones so
// that wins (and GOs) occur, readiness checks of every status, economics sometimes missing.
const direction = fc.constantFrom("increase" as const, "decrease" as const)
const pValue = fc.oneof(fc.double({ min: 0, max: 0.06, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))

// Any result, or (half the time) a clearly good one: estimate on the good side, interval not
// reaching 0, small p. Without the bias, a GO (a win, safe guardrails, paying economics) is too
// rare for the GO property to be tested at all.
const metric = (variant: string, role: MetricEvidence["role"], key: string): fc.Arbitrary<MetricEvidence> =>
  fc.record({
    direction,
    good: fc.boolean(),
    estimate: fc.double({ min: -0.05, max: 0.05, noNaN: true }),
    below: fc.double({ min: 0, max: 0.04, noNaN: true }),
    above: fc.double({ min: 0, max: 0.04, noNaN: true }),
    shrink: fc.double({ min: 0, max: 0.95, noNaN: true }),
    pValue,
    adjust: fc.option(fc.double({ min: 1, max: 3, noNaN: true }), { nil: undefined }),
    margin: fc.double({ min: 0, max: 0.02, noNaN: true }),
    degenerate: fc.option(fc.constant("ZERO_VARIANCE"), { nil: undefined, freq: 10 })
  }).map((r) => {
    const sign = r.direction === "increase" ? 1 : -1
    const magnitude = Math.max(0.005, Math.abs(r.estimate))
    const estimate = r.good ? sign * magnitude : r.estimate
    const ci = r.good
      ? { lower: estimate - magnitude * r.shrink, upper: estimate + magnitude * r.shrink }
      : { lower: r.estimate - r.below, upper: r.estimate + r.above }
    const p = r.good ? r.pValue * 0.8 : r.pValue
    return {
      metric: key,
      role,
      direction: r.direction,
      variant,
      estimate,
      ci,
      pValue: p,
      ...(r.adjust !== undefined && role !== "guardrail" ? { adjustedPValue: Math.min(1, p * r.adjust) } : {}),
      ...(role === "guardrail" ? { margin: r.margin } : {}),
      method: "test",
      ...(r.degenerate !== undefined ? { degenerate: r.degenerate } : {})
    }
  })

const probability = fc.oneof(fc.double({ min: 0.75, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))

const treatment = (variant: string) =>
  fc.tuple(
    metric(variant, "primary", "primary"),
    fc.array(metric(variant, "secondary", "secondary"), { maxLength: 2 }),
    fc.array(metric(variant, "guardrail", "guardrail"), { maxLength: 2 }),
    fc.option(
      fc.record({
        probNpvPositive: probability,
        probPaybackWithinTarget: probability,
        npvMedian: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        breakEvenEffect: fc.double({ min: -0.03, max: 0.03, noNaN: true }),
        currency: fc.constant("EUR")
      }),
      { nil: undefined, freq: 6 }
    ),
    fc.integer({ min: 0, max: 3000 })
  ).map(([p, s, g, economics, units]) => ({ variant, metrics: [p, ...s, ...g.map((m, i) => ({ ...m, metric: `guardrail${i}` }))], economics, units }))

const pilot: fc.Arbitrary<DecisionInput> = fc.record({
  treatments: fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => treatment(`t${i}`)))),
  control: fc.integer({ min: 0, max: 3000 }),
  days: fc.integer({ min: 0, max: 90 }),
  sequential: fc.boolean(),
  srmPValue: fc.option(
    fc.oneof(
      { arbitrary: fc.double({ min: 0, max: 0.002, noNaN: true }), weight: 1 },
      // uniform: fc.double's bias towards the bounds would make most SRM p-values ≈ 0
      { arbitrary: fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 1_000_000), weight: 5 }
    ),
    { nil: undefined }
  ),
  readiness: fc.array(
    fc.oneof(
      { arbitrary: fc.constant("pass" as const), weight: 10 },
      { arbitrary: fc.constant("warn" as const), weight: 2 },
      { arbitrary: fc.constant("fail" as const), weight: 1 }
    ),
    { maxLength: 3 }
  ),
  minProbNpvPositive: fc.double({ min: 0.5, max: 0.99, noNaN: true }),
  minProbPayback: fc.double({ min: 0.5, max: 0.99, noNaN: true })
}).map((r) => ({
  policy: { ...DEFAULT_POLICY, minProbNpvPositive: r.minProbNpvPositive, minProbPayback: r.minProbPayback },
  alpha: 0.05,
  plan: { minDays: 14, maxDays: 60, sequential: r.sequential, sampleSizePerArm: 1000 },
  runtime: {
    days: r.days,
    unitsPerArm: Object.fromEntries([["control", r.control], ...r.treatments.map((t) => [t.variant, t.units] as const)])
  },
  dataQuality: {
    ...(r.srmPValue !== undefined ? { srmPValue: r.srmPValue } : {}),
    checks: r.readiness.map((status, i) => ({ check: `check${i}`, status, message: status }))
  },
  metrics: r.treatments.flatMap((t) => t.metrics),
  economics: Object.fromEntries(r.treatments.flatMap((t) => (t.economics !== undefined ? [[t.variant, t.economics]] : [])))
}))

// Pilots near the GO case (fixtures/Inputs.ts `winning`, either direction) with the primary,
// the guardrail, the economics, the runtime and the data check perturbed around their
// thresholds, so that GO and each way of missing it are frequent.
const uniform = (min: number, max: number) => fc.integer({ min: 0, max: 1_000_000 }).map((n) => min + ((max - min) * n) / 1_000_000)
const nearWin: fc.Arbitrary<DecisionInput> = fc.record({
  direction,
  good: uniform(-0.005, 0.03),
  goodHalfWidth: uniform(0.001, 0.02),
  pValue: uniform(0, 0.04),
  bad: uniform(-0.01, 0.01),
  badHalfWidth: uniform(0.001, 0.006),
  margin: uniform(0.002, 0.015),
  probNpvPositive: uniform(0.7, 1),
  probPaybackWithinTarget: uniform(0.6, 1),
  days: fc.integer({ min: 10, max: 70 }),
  units: fc.integer({ min: 1900, max: 2400 }),
  srmPValue: uniform(0, 0.02)
}).map((r) => {
  const base = winning(r.direction)
  return {
    ...base,
    runtime: { days: r.days, unitsPerArm: { control: 2100, bot: r.units } },
    dataQuality: { ...base.dataQuality, srmPValue: r.srmPValue },
    metrics: [
      primary(r.direction, { estimate: r.good, lower: r.good - r.goodHalfWidth, upper: r.good + r.goodHalfWidth }, r.pValue),
      guardrail(r.direction, { estimate: r.bad, lower: r.bad - r.badHalfWidth, upper: r.bad + r.badHalfWidth }, r.margin)
    ],
    economics: { bot: economics(r.direction, { probNpvPositive: r.probNpvPositive, probPaybackWithinTarget: r.probPaybackWithinTarget }) }
  }
})

const anyPilot = fc.oneof({ arbitrary: pilot, weight: 1 }, { arbitrary: nearWin, weight: 2 })

const invalidData = (input: DecisionInput) =>
  (input.dataQuality.srmPValue !== undefined && input.dataQuality.srmPValue < input.policy.srmAlpha) ||
  input.dataQuality.checks.some((c) => c.status === "fail")

// Written out again here, independently of src/MetricRules.ts.
const nonInferior = (g: MetricEvidence) =>
  g.degenerate === undefined &&
  (g.direction === "decrease" ? g.ci.upper < (g.margin ?? 0) : g.ci.lower > -(g.margin ?? 0))

describe("decide — properties", () => {
  it("the generators produce every verdict, GO often enough for the GO property to bite", () => {
    const verdicts = fc.sample(anyPilot, { numRuns: 2000, seed: 42 }).map((input) => decide(input).verdict)
    expect([...new Set(verdicts)].sort()).toEqual(["EXTEND", "GO", "ITERATE", "NO_GO"])
    expect(verdicts.filter((v) => v === "GO").length).toBeGreaterThan(50)
  })

  it("invalid data never yields GO: every treatment and the pilot are ITERATE", () => {
    fc.assert(
      fc.property(anyPilot.filter(invalidData), (input) => {
        const d = decide(input)
        expect(d.verdict).toBe("ITERATE")
        for (const v of d.perVariant) expect(v).toMatchObject({ verdict: "ITERATE", decidedBy: "data-validity" })
      }),
      { numRuns: 500 }
    )
  })

  it("GO implies valid data, enough days, a significant primary win, every guardrail non-inferior and both economic thresholds met", () => {
    fc.assert(
      fc.property(anyPilot, (input) => {
        const d = decide(input)
        for (const v of d.perVariant.filter((v) => v.verdict === "GO")) {
          const mine = input.metrics.filter((m) => m.variant === v.variant)
          const p = mine.find((m) => m.role === "primary")!
          const e = input.economics[v.variant]!
          expect(invalidData(input)).toBe(false)
          expect(input.runtime.days).toBeGreaterThanOrEqual(input.plan.minDays)
          expect(p.adjustedPValue ?? p.pValue).toBeLessThan(input.alpha)
          expect(p.direction === "increase" ? p.ci.lower > 0 : p.ci.upper < 0).toBe(true)
          for (const g of mine.filter((m) => m.role === "guardrail")) expect(nonInferior(g)).toBe(true)
          expect(e.probNpvPositive).toBeGreaterThanOrEqual(input.policy.minProbNpvPositive)
          expect(e.probPaybackWithinTarget).toBeGreaterThanOrEqual(input.policy.minProbPayback)
        }
        expect(d.verdict === "GO").toBe(d.perVariant.some((v) => v.verdict === "GO"))
        if (d.verdict === "GO") expect(d.perVariant.find((v) => v.variant === d.variant)?.verdict).toBe("GO")
      }),
      { numRuns: 2000 }
    )
  })

  it("is deterministic: equal inputs give equal decisions, and the order of the metric results does not change the verdict", () => {
    fc.assert(
      fc.property(anyPilot, (input) => {
        const d = decide(input)
        expect(decide(structuredClone(input))).toEqual(d)
        expect(decide({ ...input, metrics: [...input.metrics].reverse() }).verdict).toBe(d.verdict)
      }),
      { numRuns: 1000 }
    )
  })

  it("always reports the seven checks in policy order, each with evidence, and a reason", () => {
    fc.assert(
      fc.property(anyPilot, (input) => {
        const d = decide(input)
        expect(d.reason.length).toBeGreaterThan(0)
        for (const v of [d, ...d.perVariant]) {
          expect(v.checks.map((c) => c.name)).toEqual(["data-validity", "runtime", "harm", "win", "guardrails", "economics", "no-effect"])
          for (const c of v.checks) {
            expect(c.evidence).not.toBe("")
            expect(c.evidence).not.toMatch(/NaN|undefined/)
          }
          expect(v.checks.find((c) => c.name === v.decidedBy)?.status).not.toBe("not-applicable")
        }
      }),
      { numRuns: 1000 }
    )
  })
})
