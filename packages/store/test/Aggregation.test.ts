/**
 * The SQL aggregation against sums computed independently here, in plain loops over the same
 * generated events, on SQLite and PostgreSQL.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Metric, PilotDefinition } from "@pilotproof/domain"
import { makeRandom } from "@pilotproof/stats"
import { DAY_MS } from "@pilotproof/domain"
import { Aggregation, EventRepo, type EventRow, PilotRepo } from "@pilotproof/store"
import { Effect, Layer } from "effect"
import { DIALECTS } from "../../../test/fixtures/Databases.js"
import { minimalPilot, registerInput } from "../../../test/fixtures/Definitions.js"

const T0 = Date.parse("2026-03-01T00:00:00Z")
const MIN = 60_000

const pilot = {
  ...minimalPilot("aggregation"),
  metrics: [
    { key: "converted", role: "primary", type: "binomial", event: "deal_won", direction: "increase", window: { days: 7 } },
    { key: "ever_won", role: "secondary", type: "binomial", event: "deal_won", direction: "increase" },
    { key: "revenue", role: "secondary", type: "mean", event: "order", aggregate: "sum", direction: "increase", covariate: { event: "order", days: 30 } },
    { key: "orders", role: "secondary", type: "mean", event: "order", aggregate: "count", direction: "increase", window: { days: 10 } },
    { key: "csat", role: "guardrail", type: "mean", event: "csat_score", aggregate: "mean", direction: "increase", margin: 0.2 },
    { key: "minutes_per_ticket", role: "secondary", type: "ratio", numerator: { event: "handled", aggregate: "sum" }, denominator: { event: "ticket", aggregate: "count" }, direction: "decrease" },
    { key: "first_reply", role: "secondary", type: "duration", from: "created", to: "replied", direction: "decrease" },
    { key: "resolution_hours", role: "secondary", type: "duration", from: "created", to: "resolved", in: "hours", window: { days: 2 }, direction: "decrease" }
  ],
  economics: { ...minimalPilot("x").economics, value: { converted: 1000 } }
}

interface Ev {
  readonly unit: string
  readonly type: string
  readonly variant?: string
  readonly value?: number
  readonly ts: number
}

/** 300 units over 20 days with every kind of event, including units in two variants and consent changes. */
const generate = (seed: number): Array<Ev> => {
  const r = makeRandom(seed)
  const events: Array<Ev> = []
  for (let i = 0; i < 300; i++) {
    const unit = `u${i}`
    const variant = r.uniform() < 0.5 ? "control" : "bot"
    const t = T0 + Math.floor(r.uniform() * 20 * DAY_MS)
    events.push({ unit, type: "exposure", variant, ts: t })
    if (r.uniform() < 0.05) events.push({ unit, type: "exposure", variant: variant === "bot" ? "control" : "bot", ts: t + 3 * DAY_MS })
    if (r.uniform() < 0.2) events.push({ unit, type: "exposure", variant, ts: t + DAY_MS }) // re-exposure, same variant
    const consent = r.uniform()
    if (consent < 0.85) events.push({ unit, type: "consent", ts: t - MIN })
    if (consent < 0.05) events.push({ unit, type: "consent", value: 0, ts: t + DAY_MS }) // withdrawn later
    if (r.uniform() < (variant === "bot" ? 0.3 : 0.2)) events.push({ unit, type: "deal_won", ts: t + Math.floor(r.uniform() * 12 * DAY_MS) })
    if (r.uniform() < 0.1) events.push({ unit, type: "deal_won", ts: t - DAY_MS }) // before exposure: not counted
    for (let k = r.integer(4); k > 0; k--) events.push({ unit, type: "order", value: Math.round(r.lognormal(6, 1)), ts: t + Math.floor(r.uniform() * 15 * DAY_MS) })
    for (let k = r.integer(3); k > 0; k--) events.push({ unit, type: "order", value: Math.round(r.lognormal(6, 1)), ts: t - Math.floor(r.uniform() * 45 * DAY_MS) - 1 })
    for (let k = r.integer(3); k > 0; k--) events.push({ unit, type: "csat_score", value: 1 + r.integer(5), ts: t + Math.floor(r.uniform() * 5 * DAY_MS) })
    for (let k = r.integer(4); k > 0; k--) {
      events.push({ unit, type: "ticket", ts: t + k * DAY_MS })
      events.push({ unit, type: "handled", value: Math.round(r.lognormal(2, 0.6) * 10) / 10, ts: t + k * DAY_MS + MIN })
    }
    if (r.uniform() < 0.9) {
      const created = t + Math.floor(r.uniform() * MIN)
      events.push({ unit, type: "created", ts: created })
      if (r.uniform() < 0.8) events.push({ unit, type: "replied", ts: created + Math.floor(r.lognormal(3, 1) * MIN) })
      if (r.uniform() < 0.7) events.push({ unit, type: "resolved", ts: created + Math.floor(r.lognormal(3, 1) * 60 * MIN) })
    }
  }
  return events
}

/** The reference: each metric's per-variant sums by straightforward loops. */
const reference = (events: ReadonlyArray<Ev>, metric: Metric, asOf: number, consentRequired: boolean) => {
  const byUnit = new Map<string, Array<Ev>>()
  for (const e of events) if (e.ts <= asOf) byUnit.set(e.unit, [...(byUnit.get(e.unit) ?? []), e])
  const out: Record<string, { n: number; sy: number; syy: number; sx: number; sxx: number; sxy: number; open: number }> = {}
  for (const [, evs] of byUnit) {
    const exposures = evs.filter((e) => e.type === "exposure")
    if (exposures.length === 0 || new Set(exposures.map((e) => e.variant)).size !== 1) continue
    if (consentRequired) {
      const granted = Math.max(-Infinity, ...evs.filter((e) => e.type === "consent" && e.value !== 0).map((e) => e.ts))
      const withdrawn = Math.max(-1, ...evs.filter((e) => e.type === "consent" && e.value === 0).map((e) => e.ts))
      if (!(granted > withdrawn)) continue
    }
    const first = Math.min(...exposures.map((e) => e.ts))
    const variant = exposures[0]!.variant!
    const inWindow = (e: Ev) => e.ts >= first && (metric.window === undefined || e.ts <= first + metric.window.days * DAY_MS)
    const of = (type: string) => evs.filter((e) => e.type === type)
    let y: number | undefined
    let x = 0
    let open = 0
    switch (metric.type) {
      case "binomial":
        y = of(metric.event).some(inWindow) ? 1 : 0
        break
      case "mean": {
        const vals = of(metric.event).filter(inWindow).map((e) => e.value ?? 0)
        y = metric.aggregate === "sum" ? vals.reduce((a, b) => a + b, 0) : metric.aggregate === "count" ? vals.length : vals.length === 0 ? undefined : vals.reduce((a, b) => a + b, 0) / vals.length
        if (metric.covariate !== undefined) {
          const days = metric.covariate.days
          x = of(metric.covariate.event).filter((e) => e.ts < first && e.ts >= first - days * DAY_MS).reduce((a, e) => a + (e.value ?? 0), 0)
        }
        break
      }
      case "ratio":
        x = of(metric.numerator.event).filter(inWindow).reduce((a, e) => a + (e.value ?? 0), 0)
        y = of(metric.denominator.event).filter(inWindow).length
        break
      case "duration": {
        const starts = of(metric.from).map((e) => e.ts)
        if (starts.length === 0) continue
        const start = Math.min(...starts)
        const limit = metric.window === undefined ? Infinity : start + metric.window.days * DAY_MS
        const ends = of(metric.to).map((e) => e.ts).filter((t) => t >= start && t <= limit)
        const scale = metric.in === "minutes" ? MIN : metric.in === "hours" ? 60 * MIN : DAY_MS
        if (ends.length === 0) open = 1
        else y = (Math.min(...ends) - start) / scale
        break
      }
    }
    const acc = (out[variant] ??= { n: 0, sy: 0, syy: 0, sx: 0, sxx: 0, sxy: 0, open: 0 })
    acc.open += open
    if (y === undefined) continue
    acc.n++
    acc.sy += y
    acc.syy += y * y
    acc.sx += x
    acc.sxx += x * x
    acc.sxy += x * y
  }
  return out
}

const toRows = (events: ReadonlyArray<Ev>): Array<EventRow> =>
  events.map((e, i) => ({
    pilot_id: "aggregation",
    event_id: `e${i}`,
    unit_id: e.unit,
    type: e.type,
    variant: e.variant ?? null,
    value: e.value ?? null,
    ts_ms: e.ts,
    attributes: "{}",
    phone_key: null,
    email_key: null,
    format_flags: null,
    expected_variant: null,
    source: "generated",
    line: i + 1,
    batch_id: "b1"
  }))

const close = (actual: number, expected: number) => expect(actual).toBeCloseTo(expected, 6)

for (const dialect of DIALECTS) {
  describe(`Aggregation on ${dialect.name}`, () => {
    const services = Layer.mergeAll(PilotRepo.Default, EventRepo.Default, Aggregation.Default)
    /** Every test on a database of its own with the pilot and its generated events written. */
    const seeded = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof services>>) =>
      Effect.gen(function*() {
        const pilots = yield* PilotRepo
        const repo = yield* EventRepo
        const [registration] = yield* pilots.register([registerInput(pilot)])
        expect(registration!.outcome).toBe("created")
        yield* repo.startImport("b1", "aggregation", "generated", "2026-03-01T00:00:00Z")
        const written = yield* repo.writeBatch("b1", toRows(events), [])
        expect(written).toEqual({ inserted: events.length, duplicates: 0, rejected: 0 })
        return yield* effect
      }).pipe(Effect.provide(services.pipe(Layer.provideMerge(dialect.layer()))))
    const events = generate(7)

      it.effect("equals independently computed sums for every metric type, as of several moments, with and without consent", () =>
        seeded(Effect.gen(function*() {
          const pilots = yield* PilotRepo
          const aggregation = yield* Aggregation

          const definition = (yield* pilots.get("aggregation")).definition as PilotDefinition
          let compared = 0
          for (const asOf of [T0 + 10 * DAY_MS, T0 + 40 * DAY_MS]) {
            for (const consentRequired of [false, true]) {
              const scope = { pilotId: "aggregation", asOfMs: asOf, consentRequired }
              for (const metric of definition.metrics) {
                const actual = yield* aggregation.metricStats(scope, metric)
                const expected = reference(events, metric, asOf, consentRequired)
                expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort())
                for (const [variant, want] of Object.entries(expected)) {
                  const got = actual[variant]!
                  if (got._tag === "Ratio") {
                    expect(got.moments.n).toBe(want.n)
                    close(got.moments.sumX, want.sx)
                    close(got.moments.sumY, want.sy)
                    close(got.moments.sumX2, want.sxx)
                    close(got.moments.sumY2, want.syy)
                    close(got.moments.sumXY, want.sxy)
                  } else {
                    expect(got.moments.n, `${metric.key} ${variant} n`).toBe(want.n)
                    close(got.moments.sum, want.sy)
                    close(got.moments.sumSquares, want.syy)
                    expect(got._tag, metric.key).toBe(metric.type === "duration" ? "Duration" : "Moments")
                    if (got._tag === "Duration") expect(got.open, `${metric.key} open`).toBe(want.open)
                    if (got._tag === "Moments" && metric.covariate !== undefined) {
                      expect(got.covariate, `${metric.key} covariate`).toBeDefined()
                      if (got.covariate === undefined) continue
                      close(got.covariate.sumX, want.sx)
                      close(got.covariate.sumX2, want.sxx)
                      close(got.covariate.sumXY, want.sxy)
                    }
                  }
                  compared++
                }
              }
            }
          }
          expect(compared).toBe(2 * 2 * pilot.metrics.length * 2)
        })), 60_000)

      it.effect("summarizes exposures: analysed units, units in two variants, units without consent", () =>
        seeded(Effect.gen(function*() {
          const aggregation = yield* Aggregation
          const asOf = T0 + 40 * DAY_MS
          const summary = yield* aggregation.exposures({ pilotId: "aggregation", asOfMs: asOf, consentRequired: true })
          const units = new Map<string, Set<string>>()
          for (const e of events) if (e.type === "exposure") units.set(e.unit, (units.get(e.unit) ?? new Set()).add(e.variant!))
          const multi = [...units.values()].filter((v) => v.size > 1).length
          expect(summary.multiVariantUnits).toBe(multi)
          const expectedUnits = reference(events, pilot.metrics[0] as unknown as Metric, asOf, true)
          expect(summary.units).toEqual(Object.fromEntries(Object.entries(expectedUnits).map(([k, v]) => [k, v.n])))
          const withoutConsentCheck = reference(events, pilot.metrics[0] as unknown as Metric, asOf, false)
          const total = (r: Record<string, { n: number }>) => Object.values(r).reduce((a, v) => a + v.n, 0)
          expect(summary.withoutConsent).toBe(total(withoutConsentCheck) - total(expectedUnits))
          expect(summary.withoutConsent).toBeGreaterThan(0)
        })), 60_000)

      it.effect("returns per-unit values for rank tests, matching the moments", () =>
        seeded(Effect.gen(function*() {
          const aggregation = yield* Aggregation
          const scope = { pilotId: "aggregation", asOfMs: T0 + 40 * DAY_MS, consentRequired: false }
          const metric = pilot.metrics[6] as unknown as Metric
          const values = yield* aggregation.unitValues(scope, metric, "bot")
          const stats = yield* aggregation.metricStats(scope, metric)
          const bot = stats["bot"]!
          expect(values.length).toBe(bot.moments.n)
          close(values.reduce((a, b) => a + b, 0), bot._tag === "Ratio" ? NaN : bot.moments.sum)
        })), 60_000)
  })
}
