/**
 * The decision policy applied to one treatment against control. The rules run in order and the
 * first that fires decides (ARCHITECTURE.md, "The decision policy"):
 *
 *   1 data-validity  SRM p < srmAlpha, a failed readiness check, or no usable primary  → ITERATE
 *   2 runtime        day < minDays, or a fixed-sample plan short of its sample          → EXTEND
 *   3 harm           primary significantly worse, or a guardrail beyond its margin      → NO_GO
 *   4 win            primary significantly better (Holm-adjusted p)
 *     guardrails       … every guardrail non-inferior, else EXTEND (ITERATE from maxDays)
 *     economics        … both economic thresholds met → GO, else ITERATE
 *   5 no-effect      planned sample reached and even the optimistic bound is short of the
 *                    break-even effect (without one: the interval includes 0)           → NO_GO
 *                    otherwise EXTEND before maxDays, ITERATE from maxDays on
 *
 * Every check is reported: evaluated checks carry their numbers, the rest say why they were not
 * evaluated. "From maxDays on" means runtime.days ≥ plan.maxDays: the pilot may not run longer.
 */
import type { VariantDecision as DomainVariantDecision } from "@pilotproof/domain"
import { type Check, CHECK_ORDER, type CheckName, type CheckStatus } from "./Check.js"
import type { DecisionInput, MetricEvidence } from "./DecisionInput.js"
import type { Verdict } from "./DecisionPolicy.js"
import * as F from "./Format.js"
import * as R from "./MetricRules.js"

/** The verdict for one treatment, with every check and the one that decided (the domain's shape). */
export type VariantDecision = DomainVariantDecision

/** The pilot-wide data checks (SRM over all arms, readiness); shared by every treatment. */
export interface DataValidity {
  readonly valid: boolean
  readonly check: Check
  /** Why the data is invalid, for the reason sentence ("" when valid). */
  readonly problem: string
}

/** SRM and readiness, evaluated once per pilot. A missing SRM p-value is a warning, not a failure. */
export const dataValidity = (input: DecisionInput): DataValidity => {
  const srm = input.dataQuality.srmPValue
  const alpha = input.policy.srmAlpha
  const srmKnown = srm !== undefined && !Number.isNaN(srm)
  const srmFailed = srmKnown && srm < alpha
  const failures = input.dataQuality.checks.filter((c) => c.status === "fail")
  const warnings = input.dataQuality.checks.filter((c) => c.status === "warn")
  const list = (cs: typeof failures) => cs.map((c) => `${c.check}: ${c.message}`).join("; ")
  const srmText = srmKnown ? `SRM χ² p = ${F.versus(srm, alpha, !srmFailed)}` : "SRM not computed"
  const readinessText = F.plural(failures.length, "readiness failure") +
    (failures.length > 0 ? ` (${list(failures)})` : "") +
    (warnings.length > 0 ? `; ${F.plural(warnings.length, "readiness warning")} (${list(warnings)})` : "")
  const valid = !srmFailed && failures.length === 0
  const status: CheckStatus = !valid ? "fail" : !srmKnown || warnings.length > 0 ? "warn" : "pass"
  const problems = [
    ...(srmFailed ? [`the split between arms is off (SRM p = ${F.versus(srm, alpha, false)})`] : []),
    ...(failures.length > 0 ? [`readiness failed: ${failures.map((c) => c.check).join(", ")}`] : [])
  ]
  return {
    valid,
    check: { name: "data-validity", status, evidence: `${srmText}; ${readinessText}` },
    problem: problems.join("; ")
  }
}

const describe = (m: MetricEvidence): string => `${m.metric} ${F.signed(m.estimate)} ${F.interval(m.ci)}`

/** The weekly effects of a decaying primary and the trend's test, in words. */
const noveltyText = (m: MetricEvidence): string => {
  const n = m.novelty!
  const weeks = n.weeks.map((w) => `${w.from} ${F.signed(w.estimate)}`).join(", ")
  return `novelty: the effect of the units first exposed each week (${weeks}) fades by ${F.num(Math.abs(n.slope))} a week, one-sided p = ${F.num(n.pValue)}`
}

const pText = (m: MetricEvidence, alpha: number, oneSided: boolean): string => {
  const p = R.winPValue(m)
  return `${oneSided ? "one-sided " : ""}p = ${F.versus(p, alpha, p < alpha, ["<", "≥"])} (${m.adjustedPValue !== undefined ? "Holm" : "raw"})`
}

const badSide = (m: MetricEvidence): string => (m.direction === "increase" ? "below" : "above")

/** "upper 0.008 < margin 0.01" / "lower -0.15 > -0.2 (margin 0.2)": the guardrail's bad-side bound. */
const marginText = (m: MetricEvidence, holds: boolean): string => {
  const margin = R.marginOf(m)
  return m.direction === "decrease"
    ? `upper ${F.versus(m.ci.upper, margin, holds, ["<", "≥"])} margin`
    : `lower ${F.versus(m.ci.lower, -margin, holds, [">", "≤"])} (margin ${F.num(margin)})`
}

/** The units per arm that matter for `variant`: its own and every arm that is not another treatment. */
const armsOf = (input: DecisionInput, variant: string, others: ReadonlySet<string>) => {
  const units = (n: number | undefined) => (n !== undefined && !Number.isNaN(n) ? n : 0)
  const arms = Object.keys(input.runtime.unitsPerArm)
    .filter((arm) => arm !== variant && !others.has(arm))
    .map((arm) => ({ arm, n: units(input.runtime.unitsPerArm[arm]) }))
  arms.push({ arm: variant, n: units(input.runtime.unitsPerArm[variant]) })
  return arms.reduce((a, b) => (b.n < a.n ? b : a))
}

/**
 * Apply the policy to `variant`. `others` are the other treatments (their arms are not this
 * comparison's); `data` is the pilot-wide data check from `dataValidity`.
 */
export const decideVariant = (
  input: DecisionInput,
  variant: string,
  others: ReadonlySet<string>,
  data: DataValidity
): VariantDecision => {
  const { alpha, plan, policy } = input
  const days = input.runtime.days
  const done = new Map<CheckName, Check>()
  const set = (name: CheckName, status: CheckStatus, evidence: string) => done.set(name, { name, status, evidence })
  const finish = (verdict: Verdict, decidedBy: CheckName, reason: string): VariantDecision => ({
    variant,
    verdict,
    reason,
    decidedBy,
    checks: CHECK_ORDER.map((name) =>
      done.get(name) ?? { name, status: "not-applicable", evidence: `not reached: the ${decidedBy} check decided` }
    )
  })
  const pastMax = days >= plan.maxDays
  const oneSided = plan.sides === 1
  // the interval's level: a one-sided plan's ends are one-sided (1 − α) bounds of a (1 − 2α) interval
  const ciLevel = F.level(oneSided ? 2 * alpha : alpha)
  const dayOfMax = `day ${F.num(days)} of at most ${F.num(plan.maxDays)}`

  // 1. Invalid data
  const mine = input.metrics.filter((m) => m.variant === variant)
  const primaries = mine.filter((m) => m.role === "primary")
  if (!data.valid) {
    done.set("data-validity", data.check)
    return finish(
      "ITERATE",
      "data-validity",
      `The data cannot be trusted yet (${data.problem}): fix the data collection and analyse again; no verdict on the AI until then.`
    )
  }
  const primary = primaries[0]
  if (primary === undefined || primaries.length > 1) {
    const problem = primary === undefined
      ? `no primary metric result for ${variant}`
      : `${primaries.length} primary metric results for ${variant} (expected 1)`
    set("data-validity", "fail", `${data.check.evidence}; ${problem}`)
    return finish("ITERATE", "data-validity", `The analysis is incomplete (${problem}): fix the analysis inputs and decide again.`)
  }
  done.set("data-validity", data.check)

  // 2. Too early
  const smallest = armsOf(input, variant, others)
  const planned = smallest.n >= plan.sampleSizePerArm
  const sampleText = `smallest arm ${smallest.arm} ${F.count(smallest.n)} of ${F.count(plan.sampleSizePerArm)} planned units`
  const design = plan.sequential ? "sequential plan" : "fixed-sample plan"
  if (!(days >= plan.minDays)) {
    set("runtime", "fail", `day ${F.num(days)} < minimum ${F.num(plan.minDays)} (maximum ${F.num(plan.maxDays)}); ${sampleText}; ${design}`)
    return finish(
      "EXTEND",
      "runtime",
      `Too early to judge: the pilot is on day ${F.num(days)} of its ${F.num(plan.minDays)}-day minimum; keep it running.`
    )
  }
  if (!plan.sequential && !planned) {
    set("runtime", "fail", `${sampleText} (${design}: read only at the planned sample); day ${F.num(days)}`)
    return finish(
      "EXTEND",
      "runtime",
      `Too early to judge: the ${smallest.arm} arm has ${F.count(smallest.n)} of the ${F.count(plan.sampleSizePerArm)} units planned; keep the pilot running until it reaches them.`
    )
  }
  set("runtime", "pass", `day ${F.num(days)} ≥ minimum ${F.num(plan.minDays)} (maximum ${F.num(plan.maxDays)}); ${sampleText}; ${design}`)

  // 3. Harm
  const guardrails = mine.filter((m) => m.role === "guardrail")
  const secondaries = mine.filter((m) => m.role === "secondary")
  const primaryWorse = R.significantlyWorse(primary)
  const breached = guardrails.filter(R.guardrailBreached)
  if (primaryWorse || breached.length > 0) {
    const parts = [
      ...(primaryWorse ? [`primary ${describe(primary)} entirely ${badSide(primary)} 0`] : []),
      ...breached.map((g) =>
        `guardrail ${describe(g)} beyond its margin (${g.direction === "decrease" ? "lower" : "upper"} ${
          F.versus(g.direction === "decrease" ? g.ci.lower : g.ci.upper, g.direction === "decrease" ? R.marginOf(g) : -R.marginOf(g), true, g.direction === "decrease" ? [">", "≤"] : ["<", "≥"])
        })`
      )
    ]
    set("harm", "fail", parts.join("; "))
    const first = breached[0]
    const reason = primaryWorse
      ? `The AI makes ${primary.metric} worse (${F.signed(primary.estimate)}, ${ciLevel} CI ${F.interval(primary.ci)}): stop the pilot.`
      : `The AI breaks the guardrail ${first!.metric} (${F.signed(first!.estimate)}, ${ciLevel} CI ${F.interval(first!.ci)}, worse than the allowed margin ${F.num(R.marginOf(first!))}): stop the pilot.`
    return finish("NO_GO", "harm", reason)
  }
  const unusable = mine.flatMap((m) => {
    const code = R.unusable(m)
    return code === undefined ? [] : [`${m.role} ${m.metric} not computable (${code})`]
  })
  const worseSecondaries = secondaries.filter(R.significantlyWorse).map((m) =>
    `secondary ${describe(m)} significantly worse (not a stopping rule)`
  )
  const harmParts = [
    R.unusable(primary) === undefined ? `primary ${describe(primary)} not entirely ${badSide(primary)} 0` : undefined,
    guardrails.length === 0 ? "no guardrails" : `${F.plural(guardrails.length, "guardrail")} not beyond margin`,
    ...worseSecondaries,
    ...unusable
  ].filter((s): s is string => s !== undefined)
  set("harm", worseSecondaries.length > 0 || unusable.length > 0 ? "warn" : "pass", harmParts.join("; "))

  // 4. Win
  const econ = input.economics[variant]
  if (R.significantlyBetter(primary, alpha)) {
    // a fading effect is a warning on the win, never a verdict of its own
    const fading = primary.novelty?.decaying === true ? noveltyText(primary) : undefined
    set("win", fading === undefined ? "pass" : "warn", `primary ${describe(primary)} ${pText(primary, alpha, oneSided)}${fading === undefined ? "" : `; ${fading}`}`)
    const open = guardrails.filter((g) => !R.guardrailNonInferior(g))
    const guardrailText = guardrails.map((g) => {
      const code = R.unusable(g)
      return code !== undefined ? `${g.metric} not computable (${code})` : `${describe(g)}: ${marginText(g, R.guardrailNonInferior(g))}`
    }).join("; ")
    if (guardrails.length === 0) set("guardrails", "not-applicable", "no guardrail metrics")
    else set("guardrails", open.length > 0 ? "warn" : "pass", guardrailText)
    if (open.length > 0) {
      const names = open.map((g) => g.metric).join(", ")
      const noun = open.length === 1 ? `guardrail ${names} is` : `guardrails ${names} are`
      return pastMax
        ? finish(
          "ITERATE",
          "guardrails",
          `The AI improves ${primary.metric}, but by the ${F.num(plan.maxDays)}-day maximum ${noun} still not shown to stay within the allowed margin: reduce that risk and run a new pilot before scaling.`
        )
        : finish(
          "EXTEND",
          "guardrails",
          `The AI improves ${primary.metric}, but ${noun} not yet shown to stay within the allowed margin: keep the pilot running (${dayOfMax}).`
        )
    }
    if (econ === undefined) {
      set("economics", "fail", `no economics computed for ${variant}`)
      return finish(
        "ITERATE",
        "economics",
        `The effect on ${primary.metric} is real, but its economics were not computed: complete the economics and decide again.`
      )
    }
    const npvOk = econ.probNpvPositive >= policy.minProbNpvPositive
    const paybackOk = econ.probPaybackWithinTarget >= policy.minProbPayback
    const npvText = `P(NPV > 0) = ${F.versus(econ.probNpvPositive, policy.minProbNpvPositive, npvOk, ["≥", "<"], F.fixed)}`
    const target = econ.targetPaybackMonths !== undefined ? `${F.num(econ.targetPaybackMonths)} mo` : "target"
    const paybackText = `P(payback ≤ ${target}) = ${F.versus(econ.probPaybackWithinTarget, policy.minProbPayback, paybackOk, ["≥", "<"], F.fixed)}`
    set(
      "economics",
      npvOk && paybackOk ? "pass" : "fail",
      `${npvText}; ${paybackText}; median NPV ${F.num(econ.npvMedian)} ${econ.currency}`
    )
    if (npvOk && paybackOk) {
      return finish(
        "GO",
        "economics",
        `The AI improves ${primary.metric} (${F.signed(primary.estimate)}, ${ciLevel} CI ${F.interval(primary.ci)}) without breaking a guardrail, and it pays back (P(NPV > 0) = ${F.prob(econ.probNpvPositive)}, P(payback ≤ ${target}) = ${F.prob(econ.probPaybackWithinTarget)}): scale it.` +
          (fading === undefined ? "" : ` But the effect fades week by week (${fading}): watch it after the scale-up before counting on the full effect.`)
      )
    }
    const short = [...(npvOk ? [] : [npvText]), ...(paybackOk ? [] : [paybackText])].join(", ")
    return finish(
      "ITERATE",
      "economics",
      `The effect on ${primary.metric} is real but does not pay back (${short}): cut the cost or widen the scope before scaling.`
    )
  }
  const primaryCode = R.unusable(primary)
  set(
    "win",
    "fail",
    primaryCode !== undefined
      ? `primary ${primary.metric} not computable (${primaryCode})`
      : `primary ${describe(primary)} ${pText(primary, alpha, oneSided)}: not a significant improvement`
  )
  set("guardrails", "not-applicable", "checked only after a significant win on the primary")
  set("economics", "not-applicable", "checked only after a significant win on the primary")

  // 5. No effect
  if (primaryCode !== undefined) {
    set("no-effect", "warn", `primary ${primary.metric} not computable (${primaryCode}); ${sampleText}`)
    return pastMax
      ? finish(
        "ITERATE",
        "no-effect",
        `The primary metric ${primary.metric} still could not be measured at the ${F.num(plan.maxDays)}-day maximum (${primaryCode}): fix the metric or the design.`
      )
      : finish(
        "EXTEND",
        "no-effect",
        `The primary metric ${primary.metric} cannot be measured yet (${primaryCode}): keep the pilot running (${dayOfMax}).`
      )
  }
  const breakEven = econ?.breakEvenEffect !== undefined && Number.isFinite(econ.breakEvenEffect)
    ? econ.breakEvenEffect
    : undefined
  const short = R.shortOfWorthwhile(primary, breakEven)
  const bound = R.goodBound(primary)
  const criterion = breakEven !== undefined
    ? `optimistic bound ${F.signed(bound)} ${short ? "short of" : "reaches"} break-even ${F.signed(breakEven)}`
    : `${ciLevel} CI ${F.interval(primary.ci)} ${short ? "includes" : "excludes"} 0 (no break-even effect)`
  if (planned && short) {
    set("no-effect", "fail", `${sampleText} reached; ${criterion}`)
    return finish(
      "NO_GO",
      "no-effect",
      breakEven !== undefined
        ? `At the planned sample the effect on ${primary.metric} is too small to pay back: even the optimistic ${F.signed(bound)} falls short of the break-even ${F.signed(breakEven)}; stop the pilot.`
        : `At the planned sample there is no detectable effect on ${primary.metric} (${F.signed(primary.estimate)}, ${ciLevel} CI ${F.interval(primary.ci)} includes 0): stop the pilot.`
    )
  }
  set("no-effect", "warn", `${sampleText}${planned ? " reached" : " not reached"}; ${criterion}`)
  return pastMax
    ? finish(
      "ITERATE",
      "no-effect",
      `Still inconclusive on ${primary.metric} at the ${F.num(plan.maxDays)}-day maximum (${F.signed(primary.estimate)}, ${ciLevel} CI ${F.interval(primary.ci)}): rethink the pilot (a stronger change, more traffic or a more sensitive metric).`
    )
    : finish(
      "EXTEND",
      "no-effect",
      `Not enough evidence yet on ${primary.metric} (${F.signed(primary.estimate)}, ${ciLevel} CI ${F.interval(primary.ci)}): keep the pilot running (${dayOfMax}).`
    )
}
