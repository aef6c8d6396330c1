/**
 * A registered pilot as the registry stores it: its lifecycle status, its current version and,
 * once started, the frozen design hash (the pre-registration).
 */
import { Schema } from "effect"
import { PilotId } from "./Ids.js"
import { PilotDefinition } from "./PilotDefinition.js"

/** draft → running → stopped. A draft can change; a running or stopped pilot's design is frozen. */
export const PilotStatus = Schema.Literal("draft", "running", "stopped")
export type PilotStatus = typeof PilotStatus.Type

export class PilotVersion extends Schema.Class<PilotVersion>("PilotVersion")({
  pilotId: PilotId,
  version: Schema.Number,
  definitionHash: Schema.String,
  source: Schema.String,
  registeredAt: Schema.String,
  definition: PilotDefinition
}) {}

export class Pilot extends Schema.Class<Pilot>("Pilot")({
  id: PilotId,
  status: PilotStatus,
  version: Schema.Number,
  /** Hash of the canonical definition of the current version. */
  definitionHash: Schema.String,
  /** The frozen design hash, recorded when the pilot started; absent for drafts. */
  designHash: Schema.optional(Schema.String),
  createdAt: Schema.String,
  updatedAt: Schema.String,
  startedAt: Schema.optional(Schema.String),
  stoppedAt: Schema.optional(Schema.String),
  definition: PilotDefinition
}) {}

/** What registering a definition did. */
export const RegistrationOutcome = Schema.Literal("created", "new-version", "unchanged")
export type RegistrationOutcome = typeof RegistrationOutcome.Type

export class Registration extends Schema.Class<Registration>("Registration")({
  pilotId: PilotId,
  outcome: RegistrationOutcome,
  version: Schema.Number,
  definitionHash: Schema.String,
  source: Schema.String
}) {}
