/** The current time (the Effect `Clock`, so tests can move it) as ISO 8601 UTC, as stored. */
import { Clock, Effect } from "effect"

export const nowIso: Effect.Effect<string> = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())
