/**
 * Human overrides. A person may replace any computed verdict (the engine records the override,
 * who made it and why beside the computed verdict, in the append-only decision record); scaling
 * against the evidence gets a warning to show and record.
 */
import type { Verdict } from "./DecisionPolicy.js"

export interface OverrideCheck {
  /** Always true: the policy advises, people decide. */
  readonly allowed: true
  /** Present when the override scales a pilot the evidence did not clear. */
  readonly warning?: string
}

/**
 * Whether `override` may replace `computed` (always) and the warning to record. Overriding to GO
 * from NO_GO or ITERATE warns (harm, no worthwhile effect, invalid data or no payback were found);
 * from EXTEND it warns too (the evidence is not complete yet).
 */
export const overrideAllowed = (computed: Verdict, override: Verdict): OverrideCheck => {
  if (override !== "GO" || computed === "GO") return { allowed: true }
  const why = computed === "NO_GO"
    ? "the evidence shows harm or an effect too small to pay back"
    : computed === "ITERATE"
    ? "the data is invalid, the effect does not pay back, or the pilot ended inconclusive"
    : "the pilot has not gathered enough evidence yet"
  return {
    allowed: true,
    warning: `Overriding ${computed} to GO scales the pilot although ${why}; record who decided and why.`
  }
}
