/**
 * A scenario that cannot be simulated: it does not decode, or it does not fit its pilot
 * (unknown metric keys or variants, a metric without truth, impossible rates).
 */
import { Schema } from "effect"

/** One problem: the field path in the scenario (`metrics.csat.lift.assistant`) and what is wrong. */
export class ScenarioIssue extends Schema.Class<ScenarioIssue>("ScenarioIssue")({
  path: Schema.String,
  message: Schema.String
}) {}

export class InvalidScenario extends Schema.TaggedError<InvalidScenario>()("InvalidScenario", {
  source: Schema.String,
  issues: Schema.Array(ScenarioIssue)
}) {
  override get message(): string {
    const n = this.issues.length
    return [
      `${this.source}: ${n} problem${n === 1 ? "" : "s"} in the scenario`,
      ...this.issues.map((i) => `  ${this.source} ${i.path === "" ? "(file)" : i.path}: ${i.message}`)
    ].join("\n")
  }
}
