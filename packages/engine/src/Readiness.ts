/**
 * The data-readiness report: can this pilot's data be trusted? Each check has a verdict
 * (pass / warn / fail) with counts and examples. A `fail` makes the decision ITERATE (fix the
 * data), never GO.
 *
 * Thresholds (shares of rows or units): rejected rows warn above 0, fail above 5%; units in two
 * variants and exposures disagreeing with the assignment warn above 0, fail above 1%; one
 * person under two unit ids warns above 0, fails above 1% of exposed units; malformed phones or
 * e-mails warn above 0, fail above 5% of events; outcomes before exposure warn above 0, fail
 * above 1% of events; future timestamps fail; units without consent (when required) warn above
 * 0, fail above 10% of exposed units; sample-ratio mismatch fails at p < policy.srmAlpha. A
 * cluster-randomized pilot tests the sample ratio on clusters (they are what is assigned; its
 * units per arm follow the clusters' sizes) and warns below 20 clusters in an arm, where the
 * cluster-level t-test holds its level but has little power (docs/methods.md).
 */
import {
  type CheckStatus,
  clusterDesignOf,
  InputError,
  type ListedCheck,
  type Metric,
  type PilotDefinition,
  quantileValueMetric,
  type ReadinessCheck,
  type ReadinessCheckName,
  ReadinessProblems,
  ReadinessReport
} from "@pilotproof/domain"
import { plannedSampleSizePerArm } from "@pilotproof/analysis"
import { sampleRatioMismatch } from "@pilotproof/stats"
import { Aggregation, type AggregationScope, DataQuality, PilotRepo } from "@pilotproof/store"
import { Clock, Effect } from "effect"

/** Units per arm the plan calls for: one function for the planner, readiness and the decision. */
export { plannedSampleSizePerArm }

/** What the store aggregates for a pilot as of a moment: consent and the cluster design from its definition. */
export const aggregationScope = (d: PilotDefinition, asOfMs: number): AggregationScope => ({
  pilotId: d.id,
  asOfMs,
  consentRequired: d.readiness.consent === "required",
  ...(clusterDesignOf(d) === undefined ? {} : { clustered: true }),
  ...(d.warehouse === undefined ? {} : { warehouse: d.warehouse })
})

/** An event stamped more than this after now is in the future (clocks drift by minutes). */
const FUTURE_GRACE_MS = 5 * 60_000

/** The most problems a drill-down lists at once. */
export const MAX_LISTED_PROBLEMS = 500

/** Fewer clusters in an arm than this is a warning: the cluster-level test has little power. */
export const MIN_CLUSTERS_PER_ARM = 20

/** Event types that must follow exposure: outcomes, not covariates or duration starts. */
const outcomeTypes = (metrics: ReadonlyArray<Metric>): Array<string> => {
  const before = new Set<string>()
  const after = new Set<string>()
  for (const metric of metrics) {
    const m = metric.type === "quantile" ? quantileValueMetric(metric) : metric
    if (m.covariate !== undefined) before.add(m.covariate.event)
    if (m.type === "binomial" || m.type === "mean") after.add(m.event)
    if (m.type === "binomial") for (const cancel of m.unless ?? []) after.add(cancel)
    if (m.type === "ratio") after.add(m.numerator.event).add(m.denominator.event)
    if (m.type === "duration") {
      before.add(m.from)
      after.add(m.to)
    }
  }
  return [...after].filter((t) => !before.has(t)).sort()
}

const grade = (count: number, total: number, failShare: number): CheckStatus =>
  count === 0 ? "pass" : total > 0 && count / total > failShare ? "fail" : "warn"

const pct = (count: number, total: number) => (total === 0 ? "0%" : `${((100 * count) / total).toFixed(count / total < 0.01 ? 2 : 1)}%`)

export class Readiness extends Effect.Service<Readiness>()("@pilotproof/engine/Readiness", {
  effect: Effect.gen(function*() {
    const pilots = yield* PilotRepo
    const aggregation = yield* Aggregation
    const quality = yield* DataQuality

    const report = Effect.fn("Readiness.report")(function*(pilotId: string, asOfMs?: number) {
      const pilot = yield* pilots.get(pilotId)
      const d = pilot.definition
      const nowMs = yield* Clock.currentTimeMillis
      const asOf = asOfMs ?? nowMs
      const consentRequired = d.readiness.consent === "required"
      const cluster = clusterDesignOf(d)
      yield* aggregation.currentStatistics
      const exposure = yield* aggregation.exposures(aggregationScope(d, asOf))
      const volumes = yield* quality.volumes(pilotId)
      const identities = yield* quality.sharedIdentities(pilotId, d.warehouse)
      const { emails, events, future, phones } = yield* quality.eventProblems(pilotId, nowMs + FUTURE_GRACE_MS, d.warehouse)
      const early = yield* quality.outcomesBeforeExposure(pilotId, outcomeTypes(d.metrics), d.warehouse)
      const exposed = yield* quality.exposedUnits(pilotId, d.warehouse)
      const records = events + volumes.duplicatesSkipped + volumes.rejected

      const variants = d.variants.map((v) => v.key)
      const units = variants.map((v) => exposure.units[v] ?? 0)
      const clusters = variants.map((v) => exposure.clusters?.[v] ?? 0)
      // what is assigned is what must come out in the planned ratio: clusters, when there are clusters
      const observed = cluster === undefined ? units : clusters
      const srm = sampleRatioMismatch(observed, d.variants.map((v) => v.weight))
      const totalWeight = d.variants.reduce((s, v) => s + v.weight, 0)
      const planned = plannedSampleSizePerArm(d)
      const smallest = Math.min(...units)

      const checks: Array<ReadinessCheck> = []
      const add = (check: ReadinessCheckName, status: CheckStatus, message: string, count: number, examples: ReadonlyArray<string> = []) =>
        checks.push({ check, status, message, count, examples })

      add("rejected-rows", grade(volumes.rejected, records, 0.05),
        `${volumes.rejected} of ${records} rows rejected (${pct(volumes.rejected, records)}); list them with pilotproof events rejects ${pilotId}`,
        volumes.rejected)
      add("duplicates", volumes.duplicatesSkipped === 0 ? "pass" : "warn",
        `${volumes.duplicatesSkipped} duplicate events inside the delivered files (same event id; re-imports of a file are not counted)${volumes.duplicatesSkipped === 0 ? "" : ": skipped, but the export repeats rows"}`,
        volumes.duplicatesSkipped)
      const sharedUnits = identities.phone.units + identities.email.units
      add("same-person-two-ids", grade(sharedUnits, exposed, 0.01),
        `${identities.phone.count} phone numbers and ${identities.email.count} e-mails appear under more than one unit id (${sharedUnits} unit ids)`,
        identities.phone.count + identities.email.count, [...identities.phone.examples, ...identities.email.examples].slice(0, 3))
      add("formats", grade(phones.count + emails.count + volumes.rejectedForTimestamps, records, 0.05),
        `${phones.count} phones not normalizable to E.164, ${emails.count} malformed e-mails, ${volumes.rejectedForTimestamps} rows with a timestamp that is not ISO 8601 with an offset`,
        phones.count + emails.count + volumes.rejectedForTimestamps, [...phones.examples, ...emails.examples].slice(0, 3))
      add("outcome-before-exposure", grade(early.count, events, 0.01),
        `${early.count} outcome events stamped before their unit's first exposure`, early.count, early.examples)
      add("future-timestamps", future.count === 0 ? "pass" : "fail",
        `${future.count} events stamped in the future`, future.count, future.examples)
      add("consent", consentRequired ? grade(exposure.withoutConsent, exposed, 0.1) : "pass",
        consentRequired
          ? `${exposure.withoutConsent} exposed units without consent (${pct(exposure.withoutConsent, exposed)}); they are left out of the analysis`
          : "consent is not required by this pilot",
        consentRequired ? exposure.withoutConsent : 0)
      add("exposure-integrity", grade(exposure.multiVariantUnits + exposure.assignmentMismatches, exposed, 0.01),
        `${exposure.multiVariantUnits} units seen in two variants (left out of the analysis); ${exposure.assignmentMismatches} exposures disagree with the assignment`,
        exposure.multiVariantUnits + exposure.assignmentMismatches)
      add("sample-ratio", srm.pValue < d.policy.srmAlpha ? "fail" : "pass",
        `χ² = ${srm.statistic.toFixed(2)}, p = ${srm.pValue.toPrecision(3)} against planned ${d.variants.map((v) => `${v.key} ${v.weight}`).join(" / ")}; observed ${variants.map((v, i) => `${v} ${observed[i]}`).join(" / ")}${cluster === undefined ? "" : ` ${cluster.unit}s`}`,
        srm.pValue < d.policy.srmAlpha ? 1 : 0)
      add("sample-size", smallest >= planned ? "pass" : "warn",
        `smallest arm has ${smallest} of the ${planned} ${cluster === undefined ? "units" : `${cluster.analysisUnit}s`} per arm the plan needs (${pct(smallest, planned)})`,
        smallest)
      if (cluster !== undefined) {
        const fewest = Math.min(...clusters)
        add("clusters", fewest >= MIN_CLUSTERS_PER_ARM ? "pass" : "warn",
          `${variants.map((v, i) => `${v} ${clusters[i]}`).join(" / ")} ${cluster.unit}s; ${fewest >= MIN_CLUSTERS_PER_ARM ? "" : `fewer than ${MIN_CLUSTERS_PER_ARM} in an arm: the cluster-level test holds its level but detects only large effects; `}${cluster.analysisUnit}s are analysed on per-${cluster.unit} totals`,
          fewest)
      }

      const status: CheckStatus = checks.some((c) => c.status === "fail") ? "fail" : checks.some((c) => c.status === "warn") ? "warn" : "pass"
      return new ReadinessReport({
        pilotId,
        asOf: new Date(asOf).toISOString(),
        status,
        exposure,
        plannedPerArm: planned,
        srm: {
          pValue: srm.pValue,
          statistic: srm.statistic,
          observed: Object.fromEntries(variants.map((v, i) => [v, observed[i]!])),
          expectedShare: Object.fromEntries(d.variants.map((v) => [v.key, v.weight / totalWeight]))
        },
        checks
      })
    })

    /**
     * The drill-down of one check: the events (file and line) or units behind it, the first
     * `limit` in a stable order, with how many there are — the same conditions the report
     * counts, as of the same moment.
     */
    const problems = Effect.fn("Readiness.problems")(function*(pilotId: string, check: ListedCheck, options: { readonly asOfMs?: number; readonly limit?: number } = {}) {
      const pilot = yield* pilots.get(pilotId)
      const d = pilot.definition
      const nowMs = yield* Clock.currentTimeMillis
      const asOfMs = options.asOfMs ?? nowMs
      const limit = options.limit ?? MAX_LISTED_PROBLEMS
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LISTED_PROBLEMS) {
        return yield* new InputError({ source: "limit", detail: `${limit} is not a whole number from 1 to ${MAX_LISTED_PROBLEMS}` })
      }
      const listed = yield* quality.problems({
        pilotId,
        check,
        asOfMs,
        futureAfterMs: nowMs + FUTURE_GRACE_MS,
        outcomeTypes: outcomeTypes(d.metrics),
        consentRequired: d.readiness.consent === "required",
        limit,
        ...(d.warehouse === undefined ? {} : { warehouse: d.warehouse })
      })
      return new ReadinessProblems({ pilotId, check, asOf: new Date(asOfMs).toISOString(), total: listed.total, limit, problems: listed.problems })
    })

    return { report, problems } as const
  }),
  dependencies: [PilotRepo.Default, Aggregation.Default, DataQuality.Default]
}) {}
