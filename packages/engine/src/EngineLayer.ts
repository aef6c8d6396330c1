/**
 * Every engine service over one database (an SQLite file or a `postgres://` URL), opened and
 * migrated once. The CLI and the server both run on this layer.
 */
import { Aggregation, Database } from "@pilotproof/store"
import { Layer, type Redacted } from "effect"
import { Analysis } from "./Analysis.js"
import { Assignments } from "./Assignments.js"
import { Decisions } from "./Decisions.js"
import { Erasure } from "./Erasure.js"
import { EventImport } from "./EventImport.js"
import { PilotRegistry } from "./PilotRegistry.js"
import { Readiness } from "./Readiness.js"
import { Simulation } from "./Simulation.js"
import { Tokens } from "./Tokens.js"

/** `location`: an SQLite file path or a `postgres://` URL (redacted: it may carry a password). */
export const EngineLayer = (location: Redacted.Redacted<string> | string) =>
  Layer.mergeAll(
    PilotRegistry.Default,
    EventImport.Default,
    Assignments.Default,
    Erasure.Default,
    Readiness.Default,
    Simulation.Default,
    Analysis.Default,
    Decisions.Default,
    Tokens.Default,
    Aggregation.Default
  ).pipe(Layer.provide(Database.fromUrl(location)))

export type Engine = Layer.Layer.Success<ReturnType<typeof EngineLayer>>

/** A database location as it may be printed (a PostgreSQL URL without its password). */
export { printableLocation } from "@pilotproof/store"
