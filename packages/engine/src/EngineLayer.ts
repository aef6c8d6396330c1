/**
 * Every engine service over one database (an SQLite file or a `postgres://` URL), opened and
 * migrated once. The CLI and the server both run on this layer.
 */
import { Aggregation, Database } from "@pilotproof/store"
import { Layer } from "effect"
import { Analysis } from "./Analysis.js"
import { Assignments } from "./Assignments.js"
import { Decisions } from "./Decisions.js"
import { Erasure } from "./Erasure.js"
import { EventImport } from "./EventImport.js"
import { PilotRegistry } from "./PilotRegistry.js"
import { Readiness } from "./Readiness.js"
import { Simulation } from "./Simulation.js"
import { Tokens } from "./Tokens.js"

export const EngineLayer = (location: string) =>
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
