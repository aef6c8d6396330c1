/**
 * `decide`: the pilot's verdict from its plan, runtime, data checks, per-metric results and
 * economics. Each treatment is decided against control by `decideVariant`; the pilot's verdict
 * then combines them:
 *
 * - GO when any treatment is GO; `variant` is the GO treatment with the highest P(NPV > 0)
 *   (ties: higher P(payback ≤ target), then the first in input order).
 * - Otherwise the most urgent treatment verdict, in the order
 *   ITERATE for invalid data > EXTEND > ITERATE > NO_GO:
 *   broken data must be fixed before anything else is read; a treatment that can still conclude
 *   keeps the pilot running; a treatment that needs rework outranks one that is simply stopped.
 *   Ties go to the first treatment in input order.
 * - Invalid pilot-wide data (SRM, readiness) makes every treatment ITERATE.
 *
 * The top-level `checks` and `reason` are those of the treatment named in `variant`. Treatments
 * are the variants named in `metrics`, in input order (an `economics` entry for any other
 * variant is ignored). Pure and deterministic: the same input always gives the same decision.
 */
import type { Decision as DomainDecision } from "@pilotproof/domain"
import { CHECK_ORDER } from "./Check.js"
import type { DecisionInput } from "./DecisionInput.js"
import { dataValidity, decideVariant, type VariantDecision } from "./VariantDecision.js"

/** The pilot's verdict, the checks and reason behind it, and each treatment's own decision (the domain's shape). */
export type Decision = DomainDecision

/** Urgency of a non-GO treatment verdict: lower is more urgent. */
const urgency = (d: VariantDecision): number =>
  d.verdict === "ITERATE" && d.decidedBy === "data-validity" ? 0
  : d.verdict === "EXTEND" ? 1
  : d.verdict === "ITERATE" ? 2
  : 3

const treatmentsOf = (input: DecisionInput): ReadonlyArray<string> => [...new Set(input.metrics.map((m) => m.variant))]

/** Apply the decision policy to every treatment of a pilot and combine the verdicts. */
export const decide = (input: DecisionInput): Decision => {
  const data = dataValidity(input)
  const treatments = treatmentsOf(input)
  if (treatments.length === 0) {
    const problem = data.valid ? "no metric results for any treatment" : data.problem
    return {
      verdict: "ITERATE",
      reason: data.valid
        ? "There is nothing to decide on (no metric results for any treatment): run the analysis and decide again."
        : `The data cannot be trusted yet (${problem}): fix the data collection and analyse again; no verdict on the AI until then.`,
      decidedBy: "data-validity",
      checks: CHECK_ORDER.map((name) =>
        name === "data-validity"
          ? { name, status: "fail", evidence: data.valid ? `${data.check.evidence}; ${problem}` : data.check.evidence }
          : { name, status: "not-applicable", evidence: "not reached: the data-validity check decided" }
      ),
      perVariant: []
    }
  }
  const perVariant = treatments.map((variant) =>
    decideVariant(input, variant, new Set(treatments.filter((t) => t !== variant)), data)
  )
  const several = perVariant.length > 1
  const top = (d: VariantDecision): Decision => ({
    verdict: d.verdict,
    reason: several && data.valid ? `${d.variant}: ${d.reason}` : d.reason,
    variant: d.variant,
    checks: d.checks,
    decidedBy: d.decidedBy,
    perVariant
  })
  const gos = perVariant.filter((d) => d.verdict === "GO")
  if (gos.length > 0) {
    const score = (d: VariantDecision) => {
      const e = input.economics[d.variant]
      return [e?.probNpvPositive ?? 0, e?.probPaybackWithinTarget ?? 0] as const
    }
    const best = gos.reduce((a, b) => {
      const [na, pa] = score(a)
      const [nb, pb] = score(b)
      return nb > na || (nb === na && pb > pa) ? b : a
    })
    return top(best)
  }
  return top(perVariant.reduce((a, b) => (urgency(b) < urgency(a) ? b : a)))
}
