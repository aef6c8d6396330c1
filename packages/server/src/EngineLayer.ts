/**
 * The engine services the server uses, over one database (SQLite file or postgres:// URL),
 * opened and migrated once when the server starts.
 */
import { Analysis, Assignments, Decisions, Erasure, EventImport, PilotRegistry, Readiness, Tokens } from "@pilotproof/engine"
import { Aggregation, Database } from "@pilotproof/store"
import { Layer } from "effect"

export const EngineLayer = (location: string) =>
  Layer.mergeAll(
    PilotRegistry.Default,
    EventImport.Default,
    Assignments.Default,
    Erasure.Default,
    Readiness.Default,
    Analysis.Default,
    Decisions.Default,
    Tokens.Default,
    Aggregation.Default
  ).pipe(Layer.provide(Database.fromUrl(location)))

export type Engine = Layer.Layer.Success<ReturnType<typeof EngineLayer>>
