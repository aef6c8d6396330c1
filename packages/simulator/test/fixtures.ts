/** Shared test setup: the pilot files and their scenarios, decoded; small synthetic pilots. */
import { expandMetricPacks, PilotDefinition } from "@pilotproof/domain"
import { Either, Schema } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"
import { decodeScenario, type Scenario } from "../src/index.js"

const root = fileURLToPath(new URL("../../../", import.meta.url))

export const PILOT_IDS = [
  "support-bot-lead-qualification",
  "lead-scoring-queue-priority",
  "personalized-offers-returning",
  "reply-drafting-assistant"
] as const

/** A pilot of experiments/, decoded as the file reader decodes it (metric packs expanded). */
export const loadDefinition = (id: string): PilotDefinition =>
  Schema.decodeUnknownSync(PilotDefinition, { onExcessProperty: "error" })(
    expandMetricPacks(parse(readFileSync(`${root}experiments/${id}.yaml`, "utf8")) as Record<string, unknown>).value
  )

export const loadScenarioValue = (id: string): unknown => parse(readFileSync(`${root}experiments/scenarios/${id}.yaml`, "utf8"))

export const loadScenario = (id: string): Scenario => {
  const decoded = decodeScenario(loadScenarioValue(id), id)
  if (Either.isLeft(decoded)) throw decoded.left
  return decoded.right
}

/** A scenario value with fields replaced (deep for `metrics` and `defects` via the caller). */
export const withFields = (id: string, fields: Record<string, unknown>): Scenario => {
  const value = { ...(loadScenarioValue(id) as Record<string, unknown>), ...fields }
  const decoded = decodeScenario(value, id)
  if (Either.isLeft(decoded)) throw decoded.left
  return decoded.right
}
