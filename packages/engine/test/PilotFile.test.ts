import { fingerprint, parsePilotFile } from "@pilotproof/engine"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { experimentFiles, minimalPilot } from "../../../test/fixtures/Definitions.js"

const parse = (text: string, source = "pilot.yaml") => parsePilotFile(text, source)
const issuesOf = (text: string) => {
  const result = parse(text)
  if (Either.isRight(result)) throw new Error("expected the file to be invalid")
  return result.left.issues.map((i) => ({ path: i.path, line: i.line, message: i.message }))
}

// Five different mistakes: a bad id, an unknown kind, a guardrail without a margin (a rule
// across fields), alpha out of range, and a valued metric that does not exist.
const FIVE_MISTAKES = `id: Support Bot
name: Bot
kind: chatbot
owner: { name: Anna, email: anna@example.com }
hypothesis: The bot raises conversion.
unit: lead
variants: [{ key: control, weight: 50 }, { key: bot, weight: 50 }]
metrics:
  - { key: converted, role: primary, type: binomial, event: deal_won, direction: increase }
  - { key: complaint, role: guardrail, type: binomial, event: complaint, direction: decrease }
plan: { alpha: 0.5, mde: 0.1, baseline: 0.1, minDays: 14, maxDays: 60 }
economics:
  currency: RUB
  horizonMonths: 36
  discountRate: 0.16
  contingency: 0.15
  targetPaybackMonths: 12
  volume: { unitsPerMonth: 1000 }
  value: { revenue: 100 }
  costs: [{ item: Integration, category: integration, oneTime: 100000 }]
readiness: { dataOwner: CRM team }
`

describe("parsePilotFile", () => {
  it("accepts every pilot in experiments/ without warnings", () => {
    const files = experimentFiles()
    expect(files.length).toBe(12)
    for (const file of files) {
      const result = parse(file.text, file.source)
      expect(Either.isRight(result), Either.isLeft(result) ? result.left.message : "").toBe(true)
      if (Either.isRight(result)) expect(result.right.warnings).toEqual([])
    }
  })

  it("reports five mistakes as five messages with field path and line", () => {
    expect(issuesOf(FIVE_MISTAKES)).toEqual([
      { path: "id", line: 1, message: expect.stringContaining("lower-case kebab case") },
      { path: "kind", line: 3, message: `must be one of "bot", "scoring", "personalization", "assistant"; got "chatbot"` },
      { path: "metrics[1]", line: 10, message: expect.stringContaining(`guardrail "complaint" needs a non-inferiority margin`) },
      { path: "plan.alpha", line: 11, message: "plan.alpha must be in (0, 0.5)" },
      { path: "economics.value.revenue", line: 19, message: expect.stringContaining(`economics.value names "revenue", which is not a metric`) }
    ])
    const message = Either.getLeft(parse(FIVE_MISTAKES, "experiments/bad.yaml")).pipe((o) => (o._tag === "Some" ? o.value.message : ""))
    expect(message.split("\n")[0]).toBe("experiments/bad.yaml: 5 problems in the pilot definition")
    expect(message).toContain("experiments/bad.yaml:11:")
  })

  it("names unknown fields, so a typo cannot silently fall back to a default", () => {
    const text = FIVE_MISTAKES.replace("id: Support Bot", "id: support-bot")
      .replace("kind: chatbot", "kind: bot")
      .replace("direction: decrease }", "direction: decrease, margin: 0.01 }")
      .replace("alpha: 0.5", "alpha: 0.05")
      .replace("revenue: 100", "converted: 100")
      .replace("maxDays: 60", "maxDay: 60")
    expect(issuesOf(text)).toEqual([
      { path: "plan.maxDays", line: 11, message: "is missing" },
      { path: "plan.maxDay", line: 11, message: expect.stringContaining("is unexpected") }
    ])
  })

  it("points at the line of a YAML syntax error and of a duplicate key", () => {
    expect(issuesOf("id: a\nname: [unclosed\nkind: bot\n")[0]).toMatchObject({ path: "", line: expect.any(Number) })
    const duplicate = issuesOf("id: a\nid: b\n")
    expect(duplicate[0]).toMatchObject({ line: 2, message: expect.stringContaining("not valid YAML/JSON") })
  })

  it("rejects a file that is not a mapping", () => {
    expect(issuesOf("- just\n- a list\n")).toEqual([{ path: "", line: 1, message: expect.stringContaining("a mapping") }])
  })

  it("reads JSON with line numbers too", () => {
    const json = JSON.stringify({ ...minimalPilot("json-pilot"), unit: "visitor" }, null, 2)
    const [issue] = issuesOf(json)
    expect(issue!.path).toBe("unit")
    expect(issue!.line).toBe(json.split("\n").findIndex((l) => l.includes(`"unit"`)) + 1)
  })

  it("checks rules between sections even when another section is broken", () => {
    const broken = { ...minimalPilot("x"), owner: { name: "A", email: "nope" }, plan: { mde: 0.1, baseline: 0.1, minDays: 30, maxDays: 10 } }
    expect(issuesOf(JSON.stringify(broken, null, 1)).map((i) => i.path)).toEqual(["owner.email", "plan.minDays"])
  })

  it("refuses an MDE that moves a rate out of (0, 1), and a relative MDE on a zero baseline", () => {
    const lift = { ...minimalPilot("x"), plan: { mde: 0.5, baseline: 0.9, minDays: 14, maxDays: 60 } }
    const [issue] = issuesOf(JSON.stringify(lift, null, 1))
    expect(issue).toMatchObject({ path: "plan.mde", message: "plan.mde (0.5) would move the rate 0.9 to 1.35, outside (0, 1): a lift of at most 0.1111 is a rate" })
    const fall = { ...minimalPilot("y"), metrics: [{ ...minimalPilot("y").metrics[0]!, direction: "decrease" }, minimalPilot("y").metrics[1]!], plan: { mde: 1.2, baseline: 0.3, minDays: 14, maxDays: 60 } }
    expect(issuesOf(JSON.stringify(fall, null, 1)).map((i) => i.path)).toEqual(["plan.mde"])
    const base = minimalPilot("z")
    const zero = {
      ...base,
      metrics: [{ key: "minutes", role: "primary", type: "mean", event: "handled", aggregate: "sum", direction: "decrease" }, base.metrics[1]!],
      economics: { ...base.economics, value: { minutes: 10 } },
      plan: { mde: 0.1, baseline: 0, baselineSd: 3, minDays: 14, maxDays: 60 }
    }
    expect(issuesOf(JSON.stringify(zero, null, 1)).map((i) => i.message)).toEqual([
      "plan.mde is relative to plan.baseline, which is 0: give a non-zero baseline or plan.sampleSizePerArm"
    ])
  })

  it("refuses, never throws, a file with an optional field (salt, holdout, policy) and a mistake elsewhere (found by the fuzzer)", () => {
    const broken = { ...minimalPilot("x"), salt: "s-1", holdout: 0.1, policy: {}, owner: { name: "A", email: "nope" } }
    expect(issuesOf(JSON.stringify(broken, null, 1)).map((i) => i.path)).toEqual(["owner.email"])
  })

  it("checks rules inside a section whose other fields are broken: one pass shows every mistake", () => {
    const economics = minimalPilot("x").economics
    const broken = {
      ...minimalPilot("x"),
      plan: { alpha: 2, mde: 0.1, baseline: 0.1, minDays: 30, maxDays: 10 },
      economics: { ...economics, currency: "rubles", targetPaybackMonths: 48, horizonMonths: 24 }
    }
    const issues = issuesOf(JSON.stringify(broken, null, 1))
    expect(issues.map((i) => i.path)).toEqual(["plan.alpha", "plan.minDays", "economics.currency", "economics.targetPaybackMonths"])
    expect(issues[1]!.message).toBe("plan.minDays (30) exceeds plan.maxDays (10)")
    expect(issues[3]!.message).toBe("targetPaybackMonths (48) is beyond the horizon (24 months)")
    // a broken baseline was given: the plan is not also told it "needs a baseline"
    const noBaseline = { ...minimalPilot("y"), plan: { mde: 0.1, baseline: "ten percent", minDays: 30, maxDays: 10 } }
    expect(issuesOf(JSON.stringify(noBaseline, null, 1)).map((i) => i.path)).toEqual(["plan.baseline", "plan.minDays"])
  })

  it("plan.sides: 1 is a one-sided plan, 2 (the default) is left out, anything else is refused at its path", () => {
    const one = parse(JSON.stringify({ ...minimalPilot("one"), plan: { ...minimalPilot("one").plan, sides: 1 } }))
    const two = parse(JSON.stringify({ ...minimalPilot("two"), plan: { ...minimalPilot("two").plan, sides: 2 } }))
    expect(Either.isRight(one) && one.right.definition.plan.sides).toBe(1)
    expect(Either.isRight(two) && "sides" in two.right.definition.plan).toBe(false)
    const three = issuesOf(JSON.stringify({ ...minimalPilot("three"), plan: { ...minimalPilot("three").plan, sides: 3 } }))
    expect(three).toMatchObject([{ path: "plan.sides", message: "plan.sides must be 1 (one-sided) or 2 (two-sided)" }])
  })

  it("a cluster-randomized pilot: unit + analysisUnit (+ clusterField) with plan.icc and plan.clusterSize; its rules at their paths", () => {
    const base = minimalPilot("cl")
    const clustered = (extra: object, plan: object = {}) =>
      JSON.stringify({ ...base, unit: "manager", analysisUnit: "deal", ...extra, plan: { ...base.plan, icc: 0.05, clusterSize: 40, ...plan } })
    const ok = parse(clustered({ clusterField: "manager_id" }))
    expect(Either.isRight(ok) && ok.right.definition).toMatchObject({ unit: "manager", analysisUnit: "deal", clusterField: "manager_id", plan: { icc: 0.05, clusterSize: 40 } })
    expect(Either.isRight(parse(clustered({})))).toBe(true) // the cluster travels in the field "manager"
    expect(issuesOf(clustered({ analysisUnit: "manager" }))).toMatchObject([
      { path: "analysisUnit", message: `analysisUnit is the unit the metrics are measured on when "manager" is a cluster of them; it cannot be "manager" itself` }
    ])
    expect(issuesOf(clustered({ clusterField: "unit_id" }))).toMatchObject([{ path: "clusterField" }])
    expect(issuesOf(clustered({ clusterField: "manager id" }))).toMatchObject([
      { path: "clusterField", message: "clusterField must be an attribute name (letters, digits and _), such as manager_id" }
    ])
    expect(issuesOf(clustered({}, { sequential: true }))).toMatchObject([{ path: "plan.sequential", message: expect.stringContaining("fixed horizon") }])
    expect(issuesOf(clustered({}, { icc: undefined }))).toMatchObject([
      { path: "plan", message: "a cluster-randomized plan needs plan.icc to compute its sample (the design effect 1 + (m − 1)·ICC), or plan.sampleSizePerArm in deals" }
    ])
    expect(Either.isRight(parse(clustered({}, { icc: undefined, clusterSize: undefined, sampleSizePerArm: 2000 })))).toBe(true)
    expect(issuesOf(clustered({}, { icc: 1 }))).toMatchObject([{ path: "plan.icc", message: "plan.icc must be in [0, 1)" }])
    const cuped = JSON.stringify({
      ...JSON.parse(clustered({})),
      metrics: [...base.metrics, { key: "revenue", role: "secondary", type: "mean", event: "order", direction: "increase", covariate: { event: "order", days: 30 } }]
    })
    expect(issuesOf(cuped)).toMatchObject([{ path: "metrics[2].covariate", message: expect.stringContaining("CUPED is not available for a cluster-randomized pilot") }])
    // and the cluster fields where units are randomized one by one
    expect(issuesOf(JSON.stringify({ ...base, clusterField: "manager_id", plan: { ...base.plan, icc: 0.1 } })).map((i) => i.path).sort()).toEqual(["clusterField", "plan.icc"])
  })

  it("a quantile metric: quantile in (0, 1) of a duration or a value; its rules at their paths", () => {
    const base = minimalPilot("q")
    const withMetric = (metric: object, extra: object = {}) =>
      JSON.stringify({ ...base, metrics: [...base.metrics, { key: "reply_p90", role: "secondary", type: "quantile", direction: "decrease", ...metric }], ...extra })
    const ok = parse(withMetric({ quantile: 0.9, of: { from: "created", to: "replied" } }))
    expect(Either.isRight(ok) && ok.right.definition.metrics[2]).toMatchObject({ type: "quantile", quantile: 0.9, of: { from: "created", to: "replied", in: "minutes" } })
    const value = parse(withMetric({ quantile: 0.5, of: { event: "order" } }))
    expect(Either.isRight(value) && value.right.definition.metrics[2]).toMatchObject({ of: { event: "order", aggregate: "sum" } })
    expect(issuesOf(withMetric({ quantile: 1, of: { event: "order" } }))).toMatchObject([{ path: "metrics[2].quantile", message: "quantile must be in (0, 1)" }])
    expect(issuesOf(withMetric({ quantile: 0.9, of: { from: "created", to: "created" } }))).toMatchObject([{ path: "metrics[2].of.to" }])
    expect(issuesOf(withMetric({ quantile: 0.9, of: { event: "order" }, covariate: { event: "order" } }))).toMatchObject([{ path: "metrics[2].covariate" }])
    expect(issuesOf(withMetric({ quantile: 0.9, of: { event: "order" } }, { economics: { ...base.economics, value: { converted: 1, reply_p90: 5 } } }))).toMatchObject([
      { path: "economics.value.reply_p90", message: expect.stringContaining("a shift of a quantile is not an amount per unit") }
    ])
    // a quantile primary is planned by a given sample only
    const primary = { ...base, metrics: [{ key: "reply_p90", role: "primary", type: "quantile", quantile: 0.9, of: { from: "created", to: "replied" }, direction: "decrease" }], economics: { ...base.economics, value: {} } }
    expect(issuesOf(JSON.stringify(primary))).toMatchObject([{ path: "plan", message: expect.stringContaining("is a quantile: give plan.sampleSizePerArm") }])
    expect(Either.isRight(parse(JSON.stringify({ ...primary, plan: { ...base.plan, sampleSizePerArm: 3000 } })))).toBe(true)
  })

  it("segments: up to five exposure attributes, each once, none an event field or an identity, none in a cluster pilot", () => {
    const base = minimalPilot("seg")
    const ok = parse(JSON.stringify({ ...base, segments: ["tenure", "lead_source"] }))
    expect(Either.isRight(ok) && ok.right.definition.segments).toEqual(["tenure", "lead_source"])
    expect(issuesOf(JSON.stringify({ ...base, segments: ["tenure", "tenure"] }))).toMatchObject([{ path: "segments[1]", message: `segment "tenure" is listed twice` }])
    expect(issuesOf(JSON.stringify({ ...base, segments: ["phone"] }))).toMatchObject([{ path: "segments[0]" }])
    expect(issuesOf(JSON.stringify({ ...base, segments: ["Mobile"] }))).toMatchObject([{ path: "segments[0]" }])
    const quantilePrimary = {
      ...base,
      metrics: [{ key: "p90", role: "primary", type: "quantile", quantile: 0.9, of: { from: "a", to: "b" }, direction: "decrease" }],
      plan: { ...base.plan, sampleSizePerArm: 1000 },
      economics: { ...base.economics, value: {} },
      segments: ["channel"]
    }
    expect(issuesOf(JSON.stringify(quantilePrimary))).toMatchObject([{ path: "segments", message: expect.stringContaining("is a quantile") }])
    expect(issuesOf(JSON.stringify({ ...base, segments: ["a", "b", "c", "d", "e", "f"] }))).toMatchObject([{ path: "segments", message: expect.stringContaining("at most 5") }])
    expect(issuesOf(JSON.stringify({ ...base, segments: ["lead source"] }))[0]!.message).toContain("an exposure attribute's name")
    const cluster = { ...base, unit: "manager", analysisUnit: "deal", plan: { ...base.plan, icc: 0.05, clusterSize: 30 }, segments: ["region"] }
    expect(issuesOf(JSON.stringify(cluster))).toMatchObject([{ path: "segments[0]", message: expect.stringContaining("cluster-randomized") }])
  })

  it("crm: a connector's stages map to the pilot's outcome events, frozen in the design; its rules at their paths", () => {
    const base = minimalPilot("crm")
    const amo = { connector: "amo-main", source: "amocrm", pipelines: [4542166], events: [{ type: "deal_won", stages: [142, "Успешно реализовано"], value: "price" }] }
    const ok = parse(JSON.stringify({ ...base, crm: [amo] }))
    expect(Either.isRight(ok) && ok.right.definition.crm).toEqual([{ ...amo, unit: "id", pipelines: ["4542166"], events: [{ ...amo.events[0], stages: ["142", "Успешно реализовано"] }] }])
    expect(issuesOf(JSON.stringify({ ...base, crm: [{ ...amo, source: "pipedrive" }] }))).toMatchObject([{ path: "crm[0].source", message: expect.stringContaining(`"amocrm", "bitrix24", "hubspot", "salesforce"; got "pipedrive"`) }])
    expect(issuesOf(JSON.stringify({ ...base, crm: [{ ...amo, events: [{ type: "exposure", stages: ["142"] }] }] })))
      .toMatchObject([{ path: "crm[0].events[0].type", message: expect.stringContaining("never says which variant a unit saw") }])
    expect(issuesOf(JSON.stringify({ ...base, crm: [{ ...amo, events: [{ type: "deal_signed", stages: ["142"] }] }] })))
      .toMatchObject([{ path: "crm[0].events[0].type", message: expect.stringContaining(`"deal_signed" is read by no metric or diagnostic of this pilot (deal_won, complaint)`) }])
    expect(issuesOf(JSON.stringify({ ...base, crm: [amo, amo] }))).toMatchObject([{ path: "crm[1].connector", message: expect.stringContaining("mapped twice") }])
    expect(issuesOf(JSON.stringify({ ...base, crm: [{ ...amo, events: [{ type: "deal_won", stages: ["142", "142"] }] }] }))).toMatchObject([{ path: "crm[0].events[0].stages[1]" }])
    expect(issuesOf(JSON.stringify({ ...base, crm: [{ ...amo, source: "hubspot" }] }))).toMatchObject([{ path: "crm[0].pipelines", message: expect.stringContaining("names no pipeline") }])
    expect(issuesOf(JSON.stringify({ ...base, crm: [{ ...amo, events: [] }] }))).toMatchObject([{ path: "crm[0].events" }])
    // the mapping is part of the frozen design
    const hashOf = (value: unknown) => fingerprint(Either.getOrThrow(parse(JSON.stringify(value))).definition).hash
    expect(hashOf({ ...base, crm: [amo] })).not.toBe(hashOf({ ...base, crm: [{ ...amo, events: [{ ...amo.events[0], stages: [142] }] }] }))
  })

  it("plan.sequentialMethod: asymptotic-cs with its tuning on a sequential plan; refused where it does not apply", () => {
    const plan = minimalPilot("cs").plan
    const with_ = (p: object) => JSON.stringify({ ...minimalPilot("cs"), plan: { ...plan, ...p } })
    const ok = parse(with_({ sequential: true, sequentialMethod: "asymptotic-cs", sequentialTuning: 8000 }))
    expect(Either.isRight(ok) && ok.right.definition.plan).toMatchObject({ sequentialMethod: "asymptotic-cs", sequentialTuning: 8000 })
    const spelled = parse(with_({ sequential: true, sequentialMethod: "msprt" }))
    expect(Either.isRight(spelled) && "sequentialMethod" in spelled.right.definition.plan).toBe(false)
    expect(issuesOf(with_({ sequentialMethod: "asymptotic-cs" }))).toMatchObject([
      { path: "plan.sequentialMethod", message: "plan.sequentialMethod applies to a sequential plan: set plan.sequential: true, or leave it out" }
    ])
    expect(issuesOf(with_({ sequential: true, sequentialTuning: 8000 }))).toMatchObject([
      { path: "plan.sequentialTuning", message: "plan.sequentialTuning tunes sequentialMethod: asymptotic-cs; mSPRT (the default) is tuned by plan.mde" }
    ])
    expect(issuesOf(with_({ sequential: true, sequentialMethod: "asymptotic-cs", sides: 1 })).map((i) => i.path)).toEqual(["plan.sides"])
    expect(issuesOf(with_({ sequential: true, sequentialMethod: "gst" }))).toMatchObject([
      { path: "plan.sequentialMethod", message: `plan.sequentialMethod must be "msprt" or "asymptotic-cs"; got "gst"` }
    ])
  })

  it("warns about a thin reserve, an unusual horizon and missing cost categories", () => {
    const thin = { ...minimalPilot("thin"), economics: { ...minimalPilot("thin").economics, contingency: 0.05, horizonMonths: 12 } }
    const result = parse(JSON.stringify(thin))
    expect(Either.isRight(result)).toBe(true)
    if (Either.isRight(result)) {
      expect(result.right.warnings.map((w) => w.path)).toEqual(["economics.contingency", "economics.horizonMonths", "economics.costs"])
      expect(result.right.warnings[2]!.message).toContain("license, training, support")
    }
  })
})

describe("fingerprint (the design hash)", () => {
  const hashOf = (text: string) => {
    const result = parse(text)
    if (Either.isLeft(result)) throw new Error(result.left.message)
    return fingerprint(result.right.definition).hash
  }
  const pilot = minimalPilot("hashed")

  it("is the same for YAML and JSON, any key order, and defaults written out", () => {
    const json = JSON.stringify(pilot)
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(pilot).reverse()))
    const withDefaults = JSON.stringify({ ...pilot, plan: { ...pilot.plan, alpha: 0.05, power: 0.8, sequential: false, sides: 2 } })
    const sequential = hashOf(JSON.stringify({ ...pilot, plan: { ...pilot.plan, sequential: true } }))
    expect(hashOf(JSON.stringify({ ...pilot, plan: { ...pilot.plan, sequential: true, sequentialMethod: "msprt" } }))).toBe(sequential)
    expect(hashOf(JSON.stringify({ ...pilot, plan: { ...pilot.plan, sequential: true, sequentialMethod: "asymptotic-cs" } }))).not.toBe(sequential)
    const yaml = `# a comment\n${Object.entries(pilot).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join("\n")}\n`
    const hash = hashOf(json)
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    expect(hashOf(reordered)).toBe(hash)
    expect(hashOf(withDefaults)).toBe(hash)
    expect(hashOf(yaml)).toBe(hash)
  })

  it("changes with any change of meaning", () => {
    const hash = hashOf(JSON.stringify(pilot))
    expect(hashOf(JSON.stringify({ ...pilot, plan: { ...pilot.plan, alpha: 0.01 } }))).not.toBe(hash)
    expect(hashOf(JSON.stringify({ ...pilot, plan: { ...pilot.plan, sides: 1 } }))).not.toBe(hash)
    expect(hashOf(JSON.stringify({ ...pilot, variants: [{ key: "control", weight: 40 }, { key: "bot", weight: 60 }] }))).not.toBe(hash)
  })
})
