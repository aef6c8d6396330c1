/**
 * Compile-time checks (run by `tsc -p tsconfig.test.json`, part of `npm test`) that each report
 * schema of the API describes the engine type it encodes, field for field: the engine's value
 * fits the schema (the handlers could not compile otherwise) and the two name the same fields,
 * so a field the engine adds cannot be dropped silently by the schema's encoding.
 */
import type * as R from "@pilotproof/api"
import type * as Decision from "@pilotproof/decision"
import type * as Economics from "@pilotproof/economics"
import type * as Engine from "@pilotproof/engine"
import type * as Store from "@pilotproof/store"

/** `true` when `Value` fits `Described` and both have exactly the same keys. */
type Describes<Described, Value> = [Value] extends [Described]
  ? [Exclude<keyof Value, keyof Described>, Exclude<keyof Described, keyof Value>] extends [never, never] ? true : false
  : false

type Assert<T extends true> = T

/**
 * Each member of a union of objects against the schema's member with the same tag (a string or a
 * boolean literal): distributes over the engine's members, so none is skipped.
 */
type DescribesEach<Described, Value, Tag extends keyof Value & keyof Described> = Value extends unknown
  ? Describes<Extract<Described, Record<Tag, Value[Tag]>>, Value>
  : never

type AllTrue<T> = [T] extends [true] ? true : false

type Type<S extends { readonly Type: unknown }> = S["Type"]
type Element<T> = T extends ReadonlyArray<infer A> ? A : never

export type Checks = [
  Assert<Describes<Type<typeof R.ReadinessReport>, Engine.ReadinessReport>>,
  Assert<Describes<Type<typeof R.ReadinessCheck>, Engine.ReadinessCheck>>,
  Assert<Describes<Type<typeof R.ReadinessReport>["srm"], Engine.ReadinessReport["srm"]>>,
  Assert<Describes<Type<typeof R.ExposureSummary>, Store.ExposureSummary>>,
  Assert<Describes<Type<typeof R.AnalysisReport>, Engine.AnalysisReport>>,
  Assert<Describes<Type<typeof R.AnalysisReport>["runtime"], Engine.AnalysisReport["runtime"]>>,
  Assert<Describes<Type<typeof R.MetricAnalysis>, Engine.MetricAnalysis>>,
  Assert<Describes<Type<typeof R.VariantSummary>, Engine.VariantSummary>>,
  Assert<Describes<Type<typeof R.MetricComparison>, Engine.MetricComparison>>,
  Assert<Describes<Type<typeof R.MetricComparison>["relative"], Engine.MetricComparison["relative"]>>,
  Assert<Describes<NonNullable<Type<typeof R.MetricComparison>["relative"]["fieller"]>, NonNullable<Engine.MetricComparison["relative"]["fieller"]>>>,
  Assert<Describes<NonNullable<Type<typeof R.MetricComparison>["nonInferiority"]>, NonNullable<Engine.MetricComparison["nonInferiority"]>>>,
  Assert<Describes<NonNullable<Type<typeof R.MetricComparison>["robustness"]>, NonNullable<Engine.MetricComparison["robustness"]>>>,
  Assert<Describes<Type<typeof R.EffectEstimate>, Engine.Effect>>,
  Assert<Describes<Type<typeof R.Interval>, Engine.Effect["ci"]>>,
  Assert<Describes<Type<typeof R.MetricComparison>["baseline"], Engine.MetricComparison["baseline"]>>,
  Assert<AllTrue<DescribesEach<Type<typeof R.EconomicsOutcome>, Engine.EconomicsOutcome, "_tag">>>,
  Assert<Describes<Type<typeof R.TreatmentEconomics>, Engine.TreatmentEconomics>>,
  Assert<Describes<Type<typeof R.TreatmentEconomics>["point"], Engine.TreatmentEconomics["point"]>>,
  Assert<Describes<Type<typeof R.TreatmentEconomics>["monteCarlo"], Engine.TreatmentEconomics["monteCarlo"]>>,
  Assert<Describes<Type<typeof R.TreatmentEconomics>["monteCarlo"]["npv"], Engine.TreatmentEconomics["monteCarlo"]["npv"]>>,
  Assert<Describes<Type<typeof R.TreatmentEconomics>["effects"][string], Economics.EffectDistribution>>,
  Assert<Describes<Type<typeof R.CumulativeBand>, Economics.CumulativeBand>>,
  Assert<Describes<Type<typeof R.Evaluation>, Engine.Evaluation>>,
  Assert<Describes<Type<typeof R.Decision>, Decision.Decision>>,
  Assert<Describes<Type<typeof R.VariantDecision>, Decision.VariantDecision>>,
  Assert<Describes<Type<typeof R.DecisionCheck>, Decision.Check>>,
  Assert<Describes<Type<typeof R.RoiReport>, Engine.RoiReport>>,
  Assert<Describes<NonNullable<Type<typeof R.RoiReport>["decision"]>, NonNullable<Engine.RoiReport["decision"]>>>,
  Assert<AllTrue<DescribesEach<Type<typeof R.ActualsComparison>, Economics.ActualsComparison, "ok">>>,
  Assert<Describes<Element<Extract<Type<typeof R.ActualsComparison>, { ok: true }>["notes"]>, Economics.Note>>,
  Assert<
    Describes<
      Element<Extract<Type<typeof R.ActualsComparison>, { ok: false }>["issues"]>,
      Element<Extract<Economics.ActualsComparison, { ok: false }>["issues"]>
    >
  >,
  Assert<AllTrue<DescribesEach<Type<typeof R.PaybackResult>, Economics.PaybackResult, "ok">>>,
  Assert<Describes<Type<typeof R.ActualComparisonRow>, Economics.ActualComparisonRow>>,
  Assert<Describes<Type<typeof R.StoredReject>, Store.RejectRecord>>,
  Assert<Describes<Type<typeof R.ErasureRecord>, Store.ErasuresTable>>
]
