/**
 * The four verdicts of the decision policy. GO: scale it. NO_GO: stop it (harm, or an effect too
 * small to matter). EXTEND: keep the pilot running. ITERATE: change something (the data, the
 * cost, the design) before deciding.
 */
import { Schema } from "effect"

export const VERDICTS = ["GO", "NO_GO", "EXTEND", "ITERATE"] as const

export const Verdict = Schema.Literal(...VERDICTS)
export type Verdict = typeof Verdict.Type
