/**
 * The SQL aggregation against sums computed independently here, in plain loops over the same
 * generated events, on SQLite and PostgreSQL.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Metric, PilotDefinition } from "@pilotproof/domain"
import { DAY_MS } from "@pilotproof/domain"
import type { VariantStats } from "@pilotproof/stats"
import { Aggregation, type AggregationScope, Database, EventRepo, PilotRepo } from "@pilotproof/store"
import { sql } from "kysely"
import { Effect, Layer } from "effect"
import { DIALECTS } from "../../../test/fixtures/Databases.js"
import { registerInput } from "../../../test/fixtures/Definitions.js"
import { type Ev, generate, MIN, pilot, T0, toRows } from "./fixtures/GeneratedEvents.js"

interface UnitValue {
  readonly unit: string
  readonly variant: string
  /** The unit's first exposure. */
  readonly first: number
  readonly y: number | undefined
  readonly x: number
  readonly open: number
}

/** The reference: each analysed unit's value of a metric by straightforward loops. */
const unitReference = (events: ReadonlyArray<Ev>, metric: Metric, asOf: number, consentRequired: boolean): Array<UnitValue> => {
  const byUnit = new Map<string, Array<Ev>>()
  for (const e of events) if (e.ts <= asOf) byUnit.set(e.unit, [...(byUnit.get(e.unit) ?? []), e])
  const out: Array<UnitValue> = []
  for (const [unit, evs] of byUnit) {
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
        y = of(metric.event).some(inWindow) && !(metric.unless ?? []).some((cancel) => of(cancel).some(inWindow)) ? 1 : 0
        break
      case "mean": {
        const vals = of(metric.event).filter(inWindow).map((e) => e.value ?? 0)
        y = metric.aggregate === "sum" ? vals.reduce((a, b) => a + b, 0) : metric.aggregate === "count" ? vals.length : vals.length === 0 ? undefined : vals.reduce((a, b) => a + b, 0) / vals.length
        if (metric.covariate !== undefined) {
          const { aggregate, days } = metric.covariate
          const before = of(metric.covariate.event).filter((e) => e.ts < first && e.ts >= first - days * DAY_MS).map((e) => e.value ?? 0)
          // a unit without pre-exposure events has covariate 0 whatever the aggregate
          x = aggregate === "count" ? before.length : before.length === 0 ? 0 : before.reduce((a, b) => a + b, 0) / (aggregate === "mean" ? before.length : 1)
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
    out.push({ unit, variant, first, y, x, open })
  }
  return out
}

/** Each metric's per-variant sums of the reference unit values. */
const reference = (events: ReadonlyArray<Ev>, metric: Metric, asOf: number, consentRequired: boolean) => {
  const out: Record<string, { n: number; sy: number; syy: number; sx: number; sxx: number; sxy: number; open: number }> = {}
  for (const { open, variant, x, y } of unitReference(events, metric, asOf, consentRequired)) {
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

/** The reference per exposure week: units first exposed in week ⌊(first − origin)/7d⌋, windows closed by `asOf`. */
const weeklyReference = (events: ReadonlyArray<Ev>, metric: Metric, asOf: number, origin: number) => {
  const out = new Map<number, Record<string, { n: number; sy: number; syy: number; open: number }>>()
  for (const u of unitReference(events, metric, asOf, false)) {
    if (metric.window !== undefined && u.first + metric.window.days * DAY_MS > asOf) continue
    const week = Math.floor((u.first - origin) / (7 * DAY_MS))
    const byVariant = out.get(week) ?? {}
    const acc = (byVariant[u.variant] ??= { n: 0, sy: 0, syy: 0, open: 0 })
    acc.open += u.open
    if (u.y !== undefined) {
      acc.n++
      acc.sy += u.y
      acc.syy += u.y * u.y
    }
    out.set(week, byVariant)
  }
  return out
}

/** A unit's tier attribute in the segment tests: one of three, none for every seventh unit. */
const tierOf = (unit: string): string | null => {
  const k = Number(unit.slice(1))
  return k % 7 === 0 ? null : ["gold", "silver", "bronze"][k % 3]!
}

/** A unit's cluster in the cluster tests: one of 23 managers, by its number. */
const clusterOf = (unit: string) => `m${Number(unit.slice(1)) % 23}`

/**
 * A cluster-randomized pilot's reference: the unit values summed per (variant, cluster) — the
 * outcome total (a ratio's numerator) and the units with a value (a ratio's denominator) — then
 * per variant the clusters and the totals' moments.
 */
const clusterReference = (events: ReadonlyArray<Ev>, metric: Metric, asOf: number) => {
  const clusters = new Map<string, { variant: string; total: number; size: number; units: number; open: number }>()
  for (const u of unitReference(events, metric, asOf, false)) {
    const key = `${u.variant}/${clusterOf(u.unit)}`
    const c = clusters.get(key) ?? { variant: u.variant, total: 0, size: 0, units: 0, open: 0 }
    c.open += u.open
    if (u.y !== undefined) {
      c.units++
      c.total += metric.type === "ratio" ? u.x : u.y
      c.size += metric.type === "ratio" ? u.y : 1
    }
    clusters.set(key, c)
  }
  const out: Record<string, { n: number; sx: number; sxx: number; sy: number; syy: number; sxy: number; units: number; open: number }> = {}
  for (const c of clusters.values()) {
    const acc = (out[c.variant] ??= { n: 0, sx: 0, sxx: 0, sy: 0, syy: 0, sxy: 0, units: 0, open: 0 })
    acc.n++
    acc.sx += c.total
    acc.sxx += c.total * c.total
    acc.sy += c.size
    acc.syy += c.size * c.size
    acc.sxy += c.total * c.size
    acc.units += c.units
    acc.open += c.open
  }
  return out
}

/**
 * A scoring diagnostic's reference pairs by unit: each analysed unit's first `lead_scored` value
 * in its 7-day window, and whether it has a `deal_won` there; units without a score left out.
 */
const scoredReference = (events: ReadonlyArray<Ev>, asOf: number, consentRequired: boolean) => {
  const analysed = unitReference(events, pilot.metrics[0] as unknown as Metric, asOf, consentRequired)
  const out: Record<string, Array<{ unit: string; score: number; outcome: number }>> = {}
  for (const u of analysed) {
    const inWindow = (e: Ev) => e.unit === u.unit && e.ts <= asOf && e.ts >= u.first && e.ts <= u.first + 7 * DAY_MS
    const scores = events.filter((e) => e.type === "lead_scored" && inWindow(e)).sort((a, b) => a.ts - b.ts)
    if (scores.length === 0) continue
    ;(out[u.variant] ??= []).push({ unit: u.unit, score: scores[0]!.value!, outcome: events.some((e) => e.type === "deal_won" && inWindow(e)) ? 1 : 0 })
  }
  for (const pairs of Object.values(out)) pairs.sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0))
  return out
}

const close = (actual: number, expected: number) => expect(actual).toBeCloseTo(expected, 6)

/**
 * The aggregation with every read inside `withExposedUnits` of its own scope, as an analysis
 * runs them: the queries then read the materialized exposed units instead of grouping the
 * exposures. The effect-over-time series reads a table made as of a later moment, as a
 * snapshot's does (its last date is at most the as-of moment).
 */
const throughExposedUnits = Layer.effect(
  Aggregation,
  Effect.map(Aggregation, (a) => {
    const within = (scope: AggregationScope, later = 0) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      a.withExposedUnits({ ...scope, asOfMs: scope.asOfMs + later }, effect)
    return Aggregation.make({
      ...a,
      metricStats: (scope, metric) => within(scope)(a.metricStats(scope, metric)),
      metricStatsByWeek: (scope, metric, origin) => within(scope)(a.metricStatsByWeek(scope, metric, origin)),
      metricStatsBySegment: (scope, metric, attribute) => within(scope)(a.metricStatsBySegment(scope, metric, attribute)),
      metricStatsOverTime: (scope, metric, moments) => within(scope, 5 * DAY_MS)(a.metricStatsOverTime(scope, metric, moments)),
      metricHistory: (scope, metric, moments, weeks) => within(scope, 5 * DAY_MS)(a.metricHistory(scope, metric, moments, weeks)),
      unitValues: (scope, metric) => within(scope)(a.unitValues(scope, metric)),
      exposures: (scope) => within(scope)(a.exposures(scope))
    })
  })
).pipe(Layer.provide(Aggregation.Default))

const PATHS = [
  { name: "grouping the exposures", layer: Aggregation.Default },
  { name: "from the exposed-units table", layer: throughExposedUnits }
] as const

for (const dialect of DIALECTS) for (const path of PATHS) {
  describe(`Aggregation on ${dialect.name}, ${path.name}`, () => {
    const services = Layer.mergeAll(PilotRepo.Default, EventRepo.Default, path.layer)
    /** Every test on a database of its own with the pilot and its generated events written. */
    const seeded = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof services> | Database>, options: { readonly clusters?: boolean } = {}) =>
      Effect.gen(function*() {
        const pilots = yield* PilotRepo
        const repo = yield* EventRepo
        const [registration] = yield* pilots.register([registerInput(pilot)])
        expect(registration!.outcome).toBe("created")
        yield* repo.startImport("b1", "aggregation", "generated", "2026-03-01T00:00:00Z")
        // the cluster test's exposures name their manager, as ingest stores it; every exposure but
        // every seventh unit's carries a tier attribute (the segment tests)
        const rows = toRows(events).map((r, i) => {
          if (r.type !== "exposure") return r
          const tier = tierOf(events[i]!.unit)
          return { ...r, ...(options.clusters === true ? { cluster_id: clusterOf(events[i]!.unit) } : {}), ...(tier === null ? {} : { attributes: JSON.stringify({ channel: "web", tier }) }) }
        })
        const written = yield* repo.writeBatch("b1", rows, [])
        expect(written).toEqual({ inserted: events.length, duplicates: 0, rejected: 0 })
        // planner statistics, as an import leaves them (without, PostgreSQL plans the covariate join as nested loops)
        if (dialect.name === "postgres") yield* (yield* Database).use("analyzing events", (db) => sql`analyze events`.execute(db))
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
                  if (got._tag === "Ratio" || got._tag === "Clusters") {
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

      it.effect("a cluster-randomized pilot: per-cluster totals for every metric type, and clusters per variant", () =>
        seeded(Effect.gen(function*() {
          const aggregation = yield* Aggregation
          const asOf = T0 + 40 * DAY_MS
          const scope = { pilotId: "aggregation", asOfMs: asOf, consentRequired: false, clustered: true }
          for (const metric of pilot.metrics as unknown as ReadonlyArray<Metric>) {
            if (metric.type === "mean" && metric.covariate !== undefined) continue // refused for cluster pilots
            const want = clusterReference(events, metric, asOf)
            const got = yield* aggregation.metricStats(scope, metric)
            expect(Object.keys(got).sort(), metric.key).toEqual(Object.keys(want).sort())
            for (const [variant, w] of Object.entries(want)) {
              const g = got[variant]!
              expect(g._tag, metric.key).toBe("Clusters")
              if (g._tag !== "Clusters") continue
              expect(g.moments.n, `${metric.key} ${variant} clusters`).toBe(w.n)
              close(g.moments.sumX, w.sx)
              close(g.moments.sumX2, w.sxx)
              close(g.moments.sumY, w.sy)
              close(g.moments.sumY2, w.syy)
              close(g.moments.sumXY, w.sxy)
              expect(g.units, `${metric.key} ${variant} units`).toBe(w.units)
              expect(g.open, `${metric.key} ${variant} open`).toBe(w.open)
            }
          }
          const summary = yield* aggregation.exposures(scope)
          const clusters = clusterReference(events, pilot.metrics[0] as unknown as Metric, asOf)
          expect(summary.clusters).toEqual(Object.fromEntries(Object.entries(clusters).map(([v, c]) => [v, c.n])))
        }), { clusters: true }), 60_000)

      it.effect("per exposure-week cohort: the moments of the units first exposed each week, windows closed by the as-of moment", () =>
        seeded(Effect.gen(function*() {
          const aggregation = yield* Aggregation
          const origin = Math.min(...events.filter((e) => e.type === "exposure").map((e) => e.ts))
          // day 16: the 7-day window of the last cohorts has not closed, so they are left out
          for (const asOf of [T0 + 16 * DAY_MS, T0 + 40 * DAY_MS]) {
            const scope = { pilotId: "aggregation", asOfMs: asOf, consentRequired: false }
            for (const key of ["converted", "ever_won", "csat", "first_reply"]) {
              const metric = pilot.metrics.find((m) => m.key === key) as unknown as Metric
              const want = weeklyReference(events, metric, asOf, origin)
              const got = yield* aggregation.metricStatsByWeek(scope, metric, origin)
              expect(got.map((w) => w.week), key).toEqual([...want.keys()].sort((a, b) => a - b))
              for (const { stats, week } of got) {
                for (const [variant, w] of Object.entries(want.get(week)!)) {
                  const g = stats[variant]!
                  if (g._tag === "Ratio" || g._tag === "Clusters") throw new Error("unexpected shape")
                  expect(g.moments.n, `${key} week ${week} ${variant}`).toBe(w.n)
                  close(g.moments.sum, w.sy)
                  close(g.moments.sumSquares, w.syy)
                  if (g._tag === "Duration") expect(g.open).toBe(w.open)
                }
              }
            }
          }
        })), 60_000)

      it.effect("per segment: the moments of the units of each value of an exposure attribute, null where it is missing", () =>
        seeded(Effect.gen(function*() {
          const aggregation = yield* Aggregation
          const asOf = T0 + 40 * DAY_MS
          const scope = { pilotId: "aggregation", asOfMs: asOf, consentRequired: true }
          for (const key of ["converted", "revenue", "first_reply"]) {
            const metric = pilot.metrics.find((m) => m.key === key) as unknown as Metric
            const want = new Map<string | null, Record<string, { n: number; sy: number; open: number }>>()
            for (const u of unitReference(events, metric, asOf, true)) {
              const tier = tierOf(u.unit)
              const arms = want.get(tier) ?? {}
              const acc = (arms[u.variant] ??= { n: 0, sy: 0, open: 0 })
              acc.open += u.open
              if (u.y !== undefined) {
                acc.n++
                acc.sy += u.y
              }
              want.set(tier, arms)
            }
            const got = yield* aggregation.metricStatsBySegment(scope, metric, "tier")
            expect(got.map((g) => g.value).sort(), key).toEqual([...want.keys()].sort())
            for (const { stats, value } of got) {
              for (const [variant, w] of Object.entries(want.get(value)!)) {
                const g = stats[variant]!
                if (g._tag === "Ratio" || g._tag === "Clusters") throw new Error("unexpected shape")
                expect(g.moments.n, `${key} ${value} ${variant}`).toBe(w.n)
                close(g.moments.sum, w.sy)
                if (g._tag === "Duration") expect(g.open).toBe(w.open)
              }
            }
          }
          // an attribute no exposure carries: every unit in the null segment
          const none = yield* aggregation.metricStatsBySegment(scope, pilot.metrics[0] as unknown as Metric, "region")
          expect(none.map((g) => g.value)).toEqual([null])
        })), 60_000)

      // moments before, between and after the units seen in a second variant (3 days after their
      // first exposure) and consent withdrawals (1 day after), and before some windows close
      const moments = [0.5, 2, 4.25, 7, 11, 16, 23.5, 40].map((d) => T0 + Math.round(d * DAY_MS))
      /** The same keys and numbers (to 1e−6) in `got` as in `want`, variant by variant. */
      const expectSameStats = (got: Record<string, VariantStats>, want: Record<string, VariantStats>, label: string) => {
        expect(Object.keys(got).sort(), label).toEqual(Object.keys(want).sort())
        const flat = (v: unknown, prefix = ""): Array<[string, unknown]> =>
          typeof v === "object" && v !== null ? Object.entries(v).flatMap(([k, x]) => flat(x, `${prefix}.${k}`)) : [[prefix, v]]
        for (const [variant, w] of Object.entries(want)) {
          const g = new Map(flat(got[variant]))
          for (const [path, value] of flat(w)) {
            const actual = g.get(path)
            if (typeof value === "number") close(actual as number, value)
            else expect(actual, `${label} ${variant}${path}`).toEqual(value)
          }
          expect(g.size, `${label} ${variant}`).toBe(flat(w).length)
        }
      }

      it.effect("over time: one query equals an aggregation as of each moment, every metric type, with and without consent", () =>
        seeded(Effect.gen(function*() {
          const aggregation = yield* Aggregation
          let compared = 0
          for (const consentRequired of [false, true]) {
            const scope = { pilotId: "aggregation", asOfMs: moments.at(-1)!, consentRequired }
            for (const metric of pilot.metrics as unknown as ReadonlyArray<Metric>) {
              const series = yield* aggregation.metricStatsOverTime(scope, metric, moments)
              expect(series).toHaveLength(moments.length)
              for (const [k, t] of moments.entries()) {
                const want = yield* aggregation.metricStats({ ...scope, asOfMs: t }, metric)
                expectSameStats(series[k]!, want, `${metric.key} consent ${consentRequired} moment ${k}`)
                compared += Object.keys(want).length
              }
            }
          }
          // the first moment precedes most exposures; every later one has both arms of every metric
          expect(compared).toBeGreaterThan(2 * pilot.metrics.length * (moments.length - 1) * 2)
        })), 120_000)

      it.effect("a metric's history: its moments and exposure-week cohorts from one query equal each moment's aggregation and the weekly one", () =>
        seeded(Effect.gen(function*() {
          const aggregation = yield* Aggregation
          const origin = Math.min(...events.filter((e) => e.type === "exposure").map((e) => e.ts))
          let cohorts = 0
          for (const consentRequired of [false, true]) {
            const scope = { pilotId: "aggregation", asOfMs: moments.at(-1)!, consentRequired }
            for (const metric of pilot.metrics as unknown as ReadonlyArray<Metric>) {
              // the cohorts as of the scope's moment with windows closed by then, the moments ending there;
              // then with windows closed by day 16 (the later cohorts left out), asked without the scope's moment (the query adds it)
              for (const [asked, windowsClosedBy] of [[moments, moments.at(-1)!], [moments.slice(0, -1), T0 + 16 * DAY_MS]] as const) {
                const label = `${metric.key} consent ${consentRequired} closed by ${windowsClosedBy} of ${asked.length} moments`
                const history = yield* aggregation.metricHistory(scope, metric, asked, { originMs: origin, windowsClosedBy })
                expect(history.atMoments, label).toHaveLength(asked.length)
                if (asked === moments) {
                  // against each moment's own aggregation (the over-time test compares every moment)
                  for (const k of [0, Math.floor(asked.length / 2), asked.length - 1]) {
                    expectSameStats(history.atMoments[k]!, yield* aggregation.metricStats({ ...scope, asOfMs: asked[k]! }, metric), `${label} moment ${k}`)
                  }
                } else {
                  const series = yield* aggregation.metricStatsOverTime(scope, metric, asked)
                  for (const [k, stats] of series.entries()) expectSameStats(history.atMoments[k]!, stats, `${label} moment ${k}`)
                }
                const weekly = yield* aggregation.metricStatsByWeek({ ...scope, windowsClosedBy }, metric, origin)
                expect(history.weeks.map((w) => w.week), label).toEqual(weekly.map((w) => w.week))
                for (const [i, w] of weekly.entries()) expectSameStats(history.weeks[i]!.stats, w.stats, `${label} week ${w.week}`)
                cohorts += weekly.length
              }
            }
          }
          expect(cohorts).toBeGreaterThan(2 * pilot.metrics.length)
          // without cohorts: the moments alone
          const alone = yield* aggregation.metricHistory({ pilotId: "aggregation", asOfMs: moments.at(-1)!, consentRequired: true }, pilot.metrics[0] as unknown as Metric, moments)
          expect(alone.weeks).toEqual([])
          expect(alone.atMoments).toHaveLength(moments.length)
        })), 180_000)

      it.effect("over time on a cluster-randomized pilot: per-cluster totals as of each moment in one query", () =>
        seeded(Effect.gen(function*() {
          const aggregation = yield* Aggregation
          const scope = { pilotId: "aggregation", asOfMs: moments.at(-1)!, consentRequired: false, clustered: true }
          for (const metric of pilot.metrics as unknown as ReadonlyArray<Metric>) {
            if (metric.type === "mean" && metric.covariate !== undefined) continue // refused for cluster pilots
            const series = yield* aggregation.metricStatsOverTime(scope, metric, moments)
            for (const [k, t] of moments.entries()) {
              expectSameStats(series[k]!, yield* aggregation.metricStats({ ...scope, asOfMs: t }, metric), `${metric.key} moment ${k}`)
            }
          }
        }), { clusters: true }), 120_000)

      it.effect("an exposed-units table lives as long as its effect, however the effect ends", () =>
        seeded(Effect.gen(function*() {
          const aggregation = yield* Aggregation
          const database = yield* Database
          const tables = database.use("listing temporary tables", (db) =>
            (dialect.name === "postgres"
              ? sql<{ name: string }>`select relname as name from pg_class where relname like 'pp_exposed_units_%' and relkind = 'r' and relpersistence = 't' and pg_table_is_visible(oid)`
              : sql<{ name: string }>`select name from sqlite_temp_master where type = 'table' and name like 'pp_exposed_units_%'`).execute(db)
          ).pipe(Effect.map((r) => r.rows.map((row) => row.name)))
          const scope = { pilotId: "aggregation", asOfMs: T0 + 40 * DAY_MS, consentRequired: true }
          const inside = yield* aggregation.withExposedUnits(scope, Effect.zip(tables, aggregation.exposures(scope)))
          expect(inside[0]).toHaveLength(1)
          expect(yield* tables).toEqual([])
          const failed = yield* aggregation.withExposedUnits(scope, Effect.zipRight(aggregation.exposures(scope), Effect.fail("the analysis failed"))).pipe(Effect.flip)
          expect(failed).toBe("the analysis failed")
          expect(yield* tables).toEqual([])
          // the same counts as grouping the exposures
          expect(inside[1]).toEqual(yield* aggregation.exposures(scope))
        })), 60_000)

      it.effect("reads a scoring diagnostic's pairs: each unit's first score in the window and its outcome, at most the limit a variant", () =>
        seeded(Effect.gen(function*() {
          const aggregation = yield* Aggregation
          const diagnostic = { key: "model_quality", score: "lead_scored", outcome: "deal_won", window: { days: 7 } }
          for (const consentRequired of [false, true]) {
            const scope = { pilotId: "aggregation", asOfMs: T0 + 15 * DAY_MS, consentRequired }
            const want = scoredReference(events, scope.asOfMs, consentRequired)
            const got = yield* aggregation.scoredUnits(scope, diagnostic, 1_000_000)
            expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort())
            for (const [variant, pairs] of Object.entries(want)) {
              expect(got[variant]!.units).toBe(pairs.length)
              expect(Array.from(got[variant]!.scores)).toEqual(pairs.map((p) => p.score))
              expect(Array.from(got[variant]!.outcomes)).toEqual(pairs.map((p) => p.outcome))
            }
            // past the limit: all units counted, the first `limit` in unit order read
            const capped = yield* aggregation.scoredUnits(scope, diagnostic, 10)
            for (const [variant, pairs] of Object.entries(want)) {
              expect(capped[variant]!.units).toBe(pairs.length)
              expect(Array.from(capped[variant]!.scores)).toEqual(pairs.slice(0, 10).map((p) => p.score))
            }
          }
        })), 60_000)

      it.effect("returns per-unit values for rank tests, matching the moments", () =>
        seeded(Effect.gen(function*() {
          const aggregation = yield* Aggregation
          const scope = { pilotId: "aggregation", asOfMs: T0 + 40 * DAY_MS, consentRequired: false }
          const metric = pilot.metrics.find((m) => m.key === "first_reply") as unknown as Metric
          const values = yield* aggregation.unitValues(scope, metric)
          const stats = yield* aggregation.metricStats(scope, metric)
          expect(Object.keys(values).sort()).toEqual(Object.keys(stats).sort())
          for (const [variant, arm] of Object.entries(stats)) {
            expect(values[variant]!.length, variant).toBe(arm.moments.n)
            close(values[variant]!.reduce((a, b) => a + b, 0), arm._tag === "Ratio" || arm._tag === "Clusters" ? NaN : arm.moments.sum)
          }
        })), 60_000)
  })
}
