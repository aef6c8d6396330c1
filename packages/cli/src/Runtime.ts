/**
 * What commands need from the outside: where the database is (the root `--db` option, which
 * falls back to `PILOTPROOF_DB`), and the engine services built on it. Commands that do not
 * touch the database (`pilot validate`) never open it.
 */
import { EngineLayer } from "@pilotproof/engine"
import { Context, Effect, type Redacted } from "effect"

/**
 * The database location chosen on the command line or in the environment, redacted: a
 * PostgreSQL URL may carry a password, so it is printed only through `printableLocation`.
 */
export class DatabaseLocation extends Context.Tag("@pilotproof/cli/DatabaseLocation")<DatabaseLocation, Redacted.Redacted<string>>() {}

/** Runs `effect` with the engine services over the chosen database. */
export const withEngine = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(DatabaseLocation, (location) => Effect.provide(effect, EngineLayer(location)))
