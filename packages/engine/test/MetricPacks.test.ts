/**
 * Metric packs in a pilot file: each use expands, at validation, into the ordinary metric it
 * stands for — which the design hash covers and the stored definition keeps — and a problem in a
 * use, or in the metric it expands into, is reported on the use's line.
 */
import { METRIC_PACK_NAMES, METRIC_PACKS, type Metric, packSection } from "@pilotproof/domain"
import { fingerprint, parsePilotFile } from "@pilotproof/engine"
import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { minimalPilot } from "../../../test/fixtures/Definitions.js"

const PRIMARY = { key: "converted", role: "primary", type: "binomial", event: "deal_won", direction: "increase" }

/**
 * A valid pilot (JSON, which the YAML reader reads) whose metrics are `metrics`; its plan gives
 * the sample size, which any primary can take.
 */
const pilotWith = (metrics: ReadonlyArray<unknown>, value: Record<string, number> = {}) =>
  JSON.stringify({
    ...minimalPilot("packs"),
    metrics,
    plan: { mde: 0.1, sampleSizePerArm: 1000, minDays: 14, maxDays: 60 },
    economics: { ...minimalPilot("x").economics, value }
  })

const parsed = (text: string) => {
  const result = parsePilotFile(text, "packs.yaml")
  if (Either.isLeft(result)) throw new Error(result.left.message)
  return result.right.definition
}
const issuesOf = (text: string) => {
  const result = parsePilotFile(text, "packs.yaml")
  if (Either.isRight(result)) throw new Error("expected the file to be invalid")
  return result.left.issues.map((i) => ({ path: i.path, line: i.line, message: i.message }))
}
const metricsOf = (text: string): ReadonlyArray<Metric> => parsed(text).metrics

describe("metric packs", () => {
  it("expand into the documented metrics, naming their pack", () => {
    const [contained, firstReply, revenue, complaint] = metricsOf(pilotWith([
      { pack: "bot.containment", recontactDays: 5, role: "secondary" },
      { pack: "bot.first-reply", quantile: 0.9 },
      { pack: "personalization.revenue", covariateDays: 60, unit: "RUB", role: "secondary" },
      { pack: "bot.complaints" },
      PRIMARY
    ]))
    expect(contained).toEqual({
      key: "contained",
      name: "Contained: resolved by the bot, no handoff, no recontact within 5 days",
      role: "secondary",
      type: "binomial",
      event: "bot_resolved",
      unless: ["handoff", "recontact"],
      window: { days: 5 },
      direction: "increase",
      fromPack: "bot.containment"
    })
    expect(firstReply).toEqual({
      key: "first_reply_p90",
      name: "Time to first reply, p90",
      role: "secondary",
      type: "quantile",
      quantile: 0.9,
      of: { from: "conversation_started", to: "first_reply", in: "minutes" },
      direction: "decrease",
      unit: "minutes",
      fromPack: "bot.first-reply"
    })
    expect(revenue).toEqual({
      key: "revenue",
      name: "Revenue per customer",
      role: "secondary",
      type: "mean",
      event: "purchase",
      aggregate: "sum",
      window: { days: 30 },
      covariate: { event: "purchase", aggregate: "sum", days: 60 },
      direction: "increase",
      unit: "RUB",
      fromPack: "personalization.revenue"
    })
    // a guardrail pack brings its margin
    expect(complaint).toMatchObject({ key: "complaint", role: "guardrail", margin: 0.01, window: { days: 30 }, fromPack: "bot.complaints" })
  })

  it("take the pilot's own event names, key, name and role", () => {
    const [contained] = metricsOf(pilotWith([
      { pack: "bot.containment", key: "bot_contained", name: "Contained", role: "primary", events: { resolved: "closed_by_bot", recontact: "came_back" } },
      { ...PRIMARY, role: "secondary" }
    ]))
    expect(contained).toMatchObject({ key: "bot_contained", name: "Contained", role: "primary", event: "closed_by_bot", unless: ["handoff", "came_back"] })
  })

  it("is what the design hash covers: the use and its spelled-out expansion hash alike, an option changes it", () => {
    const use = parsed(pilotWith([{ pack: "bot.containment" }, { ...PRIMARY, role: "secondary" }], { contained: 300 }))
    const spelled = parsed(pilotWith([use.metrics[0], { ...PRIMARY, role: "secondary" }], { contained: 300 }))
    expect(spelled).toEqual(use)
    expect(fingerprint(spelled).hash).toBe(fingerprint(use).hash)
    // the stored canonical form is the expansion itself: it names the events, not the pack's defaults
    expect(fingerprint(use).canonical).toContain(`"unless":["handoff","recontact"]`)
    const longer = parsed(pilotWith([{ pack: "bot.containment", recontactDays: 14 }, { ...PRIMARY, role: "secondary" }], { contained: 300 }))
    expect(fingerprint(longer).hash).not.toBe(fingerprint(use).hash)
  })

  it("every pack, with any of its overrides, expands into a metric that decodes in a valid pilot", () => {
    const name = fc.constantFrom(...METRIC_PACK_NAMES.filter((n) => packSection(n) === "metrics"))
    fc.assert(fc.property(
      name,
      fc.option(fc.constantFrom("primary", "secondary", "guardrail"), { nil: undefined }),
      fc.option(fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/), { nil: undefined }),
      fc.option(fc.integer({ min: 1, max: 90 }), { nil: undefined }),
      (pack, role, key, days) => {
        const spec = METRIC_PACKS[pack] as { readonly options: Record<string, unknown>; readonly role?: string }
        const options = spec.options
        const use = {
          pack,
          ...(role === undefined ? {} : { role }),
          ...(key === undefined ? {} : { key }),
          ...(role === "guardrail" ? { margin: 0.05 } : {}),
          ...(days !== undefined && "window" in options ? { window: { days } } : {}),
          ...(days !== undefined && "recontactDays" in options ? { recontactDays: days } : {})
        }
        // the pilot's own primary stays unless the pack is used as the primary
        const other = role === "primary" || (role === undefined && spec.role === "primary")
          ? { ...PRIMARY, key: "other_metric", role: "secondary" }
          : { ...PRIMARY, key: "other_metric" }
        const result = parsePilotFile(pilotWith([use, other]), "packs.yaml")
        if (Either.isLeft(result)) return expect.fail(result.left.message)
        const metric = result.right.definition.metrics[0]!
        expect(metric.fromPack).toBe(pack)
        expect(metric.role).toBe(role ?? spec.role)
        if (key !== undefined) expect(metric.key).toBe(key)
        if (days !== undefined && ("window" in options || "recontactDays" in options)) expect(metric.window).toEqual({ days })
      }
    ), { numRuns: 300 })
  })

  it("reports every problem at once on the use's line: unknown packs, options and events, bad values, the expanded metric's rules", () => {
    const text = `id: packs
name: Packs
kind: bot
owner: { name: Anna, email: anna@example.com }
hypothesis: The bot contains conversations.
unit: conversation
variants: [{ key: control, weight: 50 }, { key: bot, weight: 50 }]
metrics:
  - pack: bot.containment
    recontactDays: 0
    colour: red
  - pack: bot.handof
  - pack: bot.first-reply
    quantile: 1.5
  - pack: bot.complaints
    events: { complain: grumble }
  - pack: bot.handoff
    key: contained
  - pack: scoring.win-rate
    role: guardrail
plan: { mde: 0.1, baseline: 0.4, minDays: 14, maxDays: 42 }
economics:
  currency: RUB
  horizonMonths: 36
  discountRate: 0.16
  contingency: 0.15
  targetPaybackMonths: 12
  volume: { unitsPerMonth: 9000 }
  value: { contained: 300 }
  costs: [{ item: Bot platform, category: license, monthly: 45000 }]
readiness: { dataOwner: Support }
`
    expect(issuesOf(text)).toEqual([
      { path: "metrics[0].recontactDays", line: 10, message: "pack bot.containment: must be a whole number greater than zero" },
      { path: "metrics[0].colour", line: 11, message: expect.stringMatching(/^colour is not an option of the pack bot\.containment \(its options: key, name, description, role, margin, recontactDays, events\)$/) },
      { path: "metrics[1].pack", line: 12, message: `unknown metric pack "bot.handof"; the packs are ${METRIC_PACK_NAMES.filter((n) => packSection(n) === "metrics").join(", ")}` },
      { path: "metrics[2].quantile", line: 14, message: "pack bot.first-reply: quantile must be in (0, 1)" },
      { path: "metrics[3].events.complain", line: 16, message: `the pack bot.complaints reads no event "complain" (its events: complaint)` }
    ])
    // with the uses themselves mended, the rules between metrics speak, on the uses' lines
    const mended = text.replace("    recontactDays: 0\n    colour: red\n", "").replace("  - pack: bot.handof\n", "")
      .replace("    quantile: 1.5\n", "").replace("    events: { complain: grumble }\n", "")
    expect(issuesOf(mended)).toEqual([
      { path: "metrics[3].key", line: 13, message: `pack bot.handoff: metric key "contained" is used twice` },
      { path: "metrics[4]", line: 14, message: expect.stringContaining(`pack scoring.win-rate: guardrail "won" needs a non-inferiority margin`) }
    ])
  })

  it("diagnostic packs go under diagnostics, metric packs under metrics, and a diagnostic's key is its own", () => {
    const definition = parsed(JSON.stringify({
      ...JSON.parse(pilotWith([PRIMARY])),
      diagnostics: [{ pack: "assistant.acceptance", window: { days: 3 } }, { pack: "scoring.quality", bins: 5, events: { score: "lead_score" } }]
    }))
    expect(definition.diagnostics).toEqual([
      {
        key: "draft_acceptance",
        name: "Drafts accepted",
        type: "ratio",
        numerator: { event: "draft_accepted", aggregate: "count" },
        denominator: { event: "draft_shown", aggregate: "count" },
        window: { days: 3 },
        unit: "share",
        fromPack: "assistant.acceptance"
      },
      { key: "model_quality", name: "Scoring model quality", type: "scoring", score: "lead_score", outcome: "deal_won", window: { days: 30 }, bins: 5, fromPack: "scoring.quality" }
    ])
    const misplaced = issuesOf(JSON.stringify({
      ...JSON.parse(pilotWith([PRIMARY, { pack: "scoring.quality" }])),
      diagnostics: [{ pack: "bot.handoff" }, { pack: "assistant.edit-share", role: "primary" }, { pack: "assistant.acceptance", key: "converted" }]
    }))
    expect(misplaced.map((i) => [i.path, i.message])).toEqual([
      ["metrics[1].pack", "scoring.quality is a diagnostic of what the AI did, not a metric to decide on: list it under diagnostics"],
      ["diagnostics[0].pack", "bot.handoff is a metric pack: list it under metrics"],
      ["diagnostics[1].role", expect.stringMatching(/^role is not an option of the pack assistant\.edit-share/)]
    ])
    // with the misplaced uses gone, the key clash speaks
    expect(issuesOf(JSON.stringify({
      ...JSON.parse(pilotWith([PRIMARY])),
      diagnostics: [{ pack: "assistant.acceptance", key: "converted" }]
    })).map((i) => [i.path, i.message])).toEqual([["diagnostics[0].key", `pack assistant.acceptance: "converted" is a metric's key already; a diagnostic needs its own`]])
  })

  it("a use as the only primary that fails is not also reported as a pilot without a primary", () => {
    const issues = issuesOf(pilotWith([{ pack: "scoring.win-rate", window: { days: 0 } }, { pack: "bot.complaints" }], { won: 100 }))
    expect(issues.map((i) => i.path)).toEqual(["metrics[0].window.days"])
    // a stray field inside an option is named as such, and a quantile out of range gets one message
    expect(issuesOf(pilotWith([PRIMARY, { pack: "bot.handoff", window: { days: 7, weeks: 1 } }])).map((i) => [i.path, i.message]))
      .toEqual([["metrics[1].window.weeks", "pack bot.handoff: window.weeks is not a field of window"]])
    expect(issuesOf(pilotWith([PRIMARY, { pack: "bot.first-reply", quantile: -0.5 }])).map((i) => [i.path, i.message]))
      .toEqual([["metrics[1].quantile", "pack bot.first-reply: quantile must be in (0, 1)"]])
  })
})
