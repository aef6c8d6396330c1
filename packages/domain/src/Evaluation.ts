/**
 * An evaluation: the analysis, each treatment's economics and the pre-registered policy's
 * decision — what `decide` computes and a decision record keeps.
 */
import { Schema } from "effect"
import { AnalysisReport } from "./AnalysisReport.js"
import { Decision } from "./DecisionReport.js"
import { EconomicsOutcome } from "./EconomicsReport.js"

export class Evaluation extends Schema.Class<Evaluation>("Evaluation")({
  analysis: AnalysisReport,
  economics: Schema.Array(EconomicsOutcome),
  decision: Decision
}, { description: "The analysis, the economics and the pre-registered policy's verdict with every check." }) {}
