/**
 * `pilotproof plan <file>`: before a pilot is registered, how many units and days it needs at a
 * traffic, the MDE reachable by its maxDays and the power at the planned duration. Reads the
 * file only; touches no database.
 */
import { Args, Command, Options } from "@effect/cli"
import { InputError, type PlanAtDays, PlanReport } from "@pilotproof/domain"
import { planPilotFile } from "@pilotproof/engine"
import { Console, Effect, Either, Option } from "effect"
import { formatOption } from "./CommonOptions.js"
import { fields, printEncoded } from "./Output.js"
import { readPilotFiles } from "./PilotFiles.js"

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "not reachable")
const count = (n: number) => (Number.isFinite(n) ? n.toLocaleString("en-US").replace(/,/g, " ") : "∞")

const atLine = (at: PlanAtDays) =>
  `${count(at.perArm)} per arm; MDE ${pct(at.mdeRelative)}, power ${pct(at.power)}` +
  (at.sequentialPower === undefined ? "" : `; sequential: MDE ${pct(at.sequentialMdeRelative ?? Infinity)}, power ${pct(at.sequentialPower)}`)

/** The plan in words, one fact a line. */
export const describePlan = (plan: PlanReport): string =>
  fields([
    ["pilot", plan.pilotId],
    ["primary", `${plan.primary.key} (${plan.primary.type}, ${plan.primary.direction})`],
    ["test", `${plan.sequential ? `sequential (${plan.sequentialMethod === "asymptotic-cs" ? `asymptotic confidence sequence, N* ${plan.sequentialTuning}` : "mSPRT"}, always-valid, read daily)` : "fixed horizon"}, ${plan.sides === 1 ? "one-sided " : ""}α ${plan.alpha}${plan.comparisons > 1 ? ` / ${plan.comparisons} treatments` : ""}, power ${plan.power}`],
    ["baseline", plan.baseline === undefined ? "-" : `${plan.baseline}${plan.baselineSd === undefined ? "" : ` (SD ${plan.baselineSd.toPrecision(3)})`}`],
    ["MDE", `${pct(plan.mde.relative)} relative${plan.mde.absolute === undefined ? "" : ` (${plan.mde.absolute.toPrecision(3)} absolute)`}`],
    ["units per arm", `${count(plan.perArm.planned)}${plan.perArm.given ? " (given: plan.sampleSizePerArm)" : " (fixed horizon)"}` +
      (plan.perArm.sequential === undefined ? "" : `; sequential ${count(plan.perArm.sequential)} (${plan.perArm.sequentialInflation!.toFixed(2)}×)`)],
    ...(plan.cluster === undefined ? [] : [[
      "clusters per arm",
      `${count(plan.cluster.clustersPerArm)} ${plan.cluster.unit}s of ${plan.cluster.clusterSize} ${plan.cluster.analysisUnit}s; design effect ${plan.cluster.designEffect.toFixed(2)} (ICC ${plan.cluster.icc})` +
        (plan.cluster.power === undefined ? "" : `; power of the cluster-level t there ${pct(plan.cluster.power)}`)
    ] as const]),
    ["traffic", `${plan.traffic.perDay.toFixed(plan.traffic.perDay < 10 ? 1 : 0)} units a day (${plan.traffic.source === "per-day" ? "--per-day" : "economics.volume ÷ 30"})` +
      `${plan.traffic.holdout > 0 ? `, ${pct(plan.traffic.holdout)} held out` : ""}; smallest arm ${pct(plan.traffic.smallestArmShare)}`],
    ["days needed", `${count(plan.days.needed)} (minDays ${plan.days.minDays}, maxDays ${plan.days.maxDays}): ${plan.days.fits ? "fits" : "does not fit"}`],
    ...(plan.atPlannedDays === undefined ? [] : [[`at day ${plan.atPlannedDays.days}`, atLine(plan.atPlannedDays)] as const]),
    ...(plan.atMaxDays === undefined || plan.atMaxDays.days === plan.atPlannedDays?.days ? [] : [[`at day ${plan.atMaxDays.days}`, atLine(plan.atMaxDays)] as const]),
    ...plan.notes.map((n) => ["note", n] as const)
  ])

export const planCommand = Command.make("plan", {
  file: Args.path({ name: "file" }).pipe(Args.withDescription("a pilot file (.yaml, .yml, .json); it need not be registered")),
  perDay: Options.float("per-day").pipe(
    Options.withDescription("units entering the pilot a day, all arms (default: economics.volume.unitsPerMonth ÷ 30)"),
    Options.optional
  ),
  format: formatOption
}, ({ file, format, perDay }) =>
  Effect.gen(function*() {
    const days = Option.getOrUndefined(perDay)
    if (days !== undefined && !(days > 0 && Number.isFinite(days))) {
      return yield* new InputError({ source: "--per-day", detail: `${days} is not a positive number of units a day` })
    }
    const texts = yield* readPilotFiles([file])
    const text = texts[0]
    if (text === undefined) return yield* new InputError({ source: file, detail: "no pilot file there" })
    if (texts.length > 1) {
      return yield* new InputError({ source: file, detail: `plan takes one pilot file; this holds ${texts.length} (${texts.map((t) => t.source).join(", ")})` })
    }
    const planned = planPilotFile(text.text, text.source, { perDay: days })
    if (Either.isLeft(planned)) return yield* planned.left
    const plan = planned.right
    if (format === "json") return yield* printEncoded(PlanReport, plan)
    yield* Console.log(describePlan(plan))
  })
).pipe(Command.withDescription("Before registering: units per arm, days at a traffic, the MDE reachable by maxDays and the power at the planned duration."))
