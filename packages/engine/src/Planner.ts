/**
 * Planning a pilot from its file, before it is registered (`pilotproof plan`, `POST /api/plan`):
 * the file is read and validated as registration reads it, then planned by `planPilot`
 * (@pilotproof/analysis), the same code readiness takes the planned sample from.
 */
import { planPilot, type PlanTraffic } from "@pilotproof/analysis"
import { type InvalidPilotDefinition, PlanReport } from "@pilotproof/domain"
import { Either } from "effect"
import { parsePilotFile } from "./PilotFile.js"

export type { PlanTraffic }

/** The plan of the pilot in `text` (its problems, every one, when it is not a valid pilot file). */
export const planPilotFile = (text: string, source: string, traffic: PlanTraffic = {}): Either.Either<PlanReport, InvalidPilotDefinition> =>
  Either.map(parsePilotFile(text, source), (parsed) => new PlanReport(planPilot(parsed.definition, traffic)))
