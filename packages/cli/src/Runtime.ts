/**
 * What commands need from the outside: where the database is (the root `--db` option, which
 * falls back to `PILOTPROOF_DB`), and the engine services built on it. Commands that do not
 * touch the database (`pilot validate`) never open it.
 */
import { Analysis, Assignments, Decisions, Erasure, EventImport, PilotRegistry, Readiness, Simulation } from "@pilotproof/engine"
import { Database } from "@pilotproof/store"
import { Context, Effect, Layer } from "effect"

/** The database location chosen on the command line or in the environment. */
export class DatabaseLocation extends Context.Tag("@pilotproof/cli/DatabaseLocation")<DatabaseLocation, string>() {}

/** The engine services over the chosen database; opened (and migrated) on first use. */
export const EngineLayer = (location: string) =>
  Layer.mergeAll(
    PilotRegistry.Default,
    EventImport.Default,
    Assignments.Default,
    Erasure.Default,
    Readiness.Default,
    Simulation.Default,
    Analysis.Default,
    Decisions.Default
  ).pipe(
    Layer.provide(Database.fromUrl(location))
  )

export type Engine = Layer.Layer.Success<ReturnType<typeof EngineLayer>>

/** Runs `effect` with the engine services over the chosen database. */
export const withEngine = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(DatabaseLocation, (location) => Effect.provide(effect, EngineLayer(location)))
