/**
 * What a recomputed snapshot raises, on real evaluations of a pilot: a guardrail breach (the
 * bot's complaints far above control's, past the margin) once, when it appears; an SRM alarm
 * when the split goes off; a verdict change only against an earlier evaluation.
 */
import { describe, expect, it } from "@effect/vitest"
import { assign } from "@pilotproof/assignment"
import { EngineServices, EventImport, inMemorySource, PilotRegistry, snapshotNotices, Snapshots } from "@pilotproof/engine"
import { Database } from "@pilotproof/store"
import { Effect, Layer } from "effect"
import { minimalPilot } from "../../../test/fixtures/Definitions.js"

const PILOT = "alert-notices"
const allocation = { salt: PILOT, variants: [{ key: "control", weight: 50 }, { key: "bot", weight: 50 }] }
const variantOf = (unit: string) => {
  const a = assign(allocation, unit)
  return a._tag === "Assignment" ? a.variant ?? "control" : "control"
}
const DAY = 86_400_000

/** 2,000 leads over the last 30 days; complaints in 30% of the bot's and 5% of control's. */
const events = (units: number, skew = false) => {
  const start = Date.now() - 30 * DAY
  return Array.from({ length: units }, (_, i) => {
    const unit = `lead-${i}`
    const variant = skew && i % 3 === 0 ? "control" : variantOf(unit)
    const ts = new Date(start + (i / units) * 25 * DAY).toISOString()
    const later = new Date(start + (i / units) * 25 * DAY + 3_600_000).toISOString()
    const complains = variant === "bot" ? i % 10 < 3 : i % 20 === 0
    return [
      { event_id: `x-${i}`, unit_id: unit, type: "exposure", variant, ts },
      { event_id: `c-${i}`, unit_id: unit, type: "consent", value: 1, ts },
      ...(complains ? [{ event_id: `k-${i}`, unit_id: unit, type: "complaint", ts: later }] : []),
      ...(i % 7 === 0 ? [{ event_id: `w-${i}`, unit_id: unit, type: "deal_won", ts: later }] : [])
    ]
  }).flat()
}

describe("snapshot notices", () => {
  it.live("a guardrail breach once, when it appears; a verdict change only against an earlier evaluation", () =>
    Effect.gen(function*() {
      const registry = yield* PilotRegistry
      yield* registry.register([{ source: "p.json", text: JSON.stringify({ ...minimalPilot(PILOT), plan: { ...minimalPilot(PILOT).plan, minDays: 7, sampleSizePerArm: 900 } }) }])
      yield* registry.start(PILOT)
      const snapshots = yield* Snapshots
      const empty = (yield* snapshots.current(PILOT)).evaluation
      yield* (yield* EventImport).run({ pilotId: PILOT, source: "events", batches: inMemorySource(events(2000)) })
      const harmed = (yield* snapshots.current(PILOT)).evaluation
      expect(harmed.decision.verdict).toBe("NO_GO")

      const notices = snapshotNotices(empty, harmed, 0.001)
      expect(notices.map((n) => n.event)).toEqual(["verdict", "guardrail"])
      expect(notices[0]!.text).toContain(`the verdict changed from ${empty.decision.verdict} to NO_GO`)
      expect(notices[1]!.text).toMatch(/^guardrail breached — bot: guardrail complaint .* beyond its margin/)
      // the same evaluation again, or the first one ever: no change to tell of
      expect(snapshotNotices(harmed, harmed, 0.001)).toEqual([])
      expect(snapshotNotices(undefined, harmed, 0.001).map((n) => n.event)).toEqual(["guardrail"])
      expect(snapshotNotices(undefined, empty, 0.001)).toEqual([])
      // an SRM alarm needs a p-value below the pilot's alpha
      const srmP = harmed.analysis.readiness.srm.pValue
      expect(srmP).toBeGreaterThan(0.001)
      expect(snapshotNotices(empty, harmed, srmP * 2).map((n) => n.event)).toEqual(["verdict", "srm", "guardrail"])
    }).pipe(Effect.provide(EngineServices().pipe(Layer.provideMerge(Database.sqlite(":memory:"))))), 60_000)
})
