/**
 * `pilotproof pilot …`: validate, register, list, show, start and stop pilots.
 */
import { Args, Command } from "@effect/cli"
import { controlVariant, type Pilot, type PilotDefinition, PilotVersion, Pilot as PilotSchema, primaryMetric } from "@pilotproof/domain"
import { Connectors, parsePilotFile, PilotRegistry } from "@pilotproof/engine"
import { Console, Effect, Either, Schema } from "effect"
import { fields, money, printJson, table } from "./Output.js"
import { formatOption, pilotIdArg } from "./CommonOptions.js"
import { readPilotFiles } from "./PilotFiles.js"
import { withEngine } from "./Runtime.js"

const filesArg = Args.path({ name: "file" }).pipe(
  Args.withDescription("pilot files (.yaml, .yml, .json) or directories of them"),
  Args.atLeast(1)
)
const idArg = pilotIdArg

const encodePilot = Schema.encodeSync(PilotSchema)
const encodeVersion = Schema.encodeSync(PilotVersion)

const short = (hash: string | undefined) => (hash === undefined ? "-" : hash.slice(0, 12))

// ---------------------------------------------------------------------------------------------

const validate = Command.make("validate", { files: filesArg }, ({ files }) =>
  Effect.gen(function*() {
    const texts = yield* readPilotFiles(files)
    let failures = 0
    for (const file of texts) {
      const result = parsePilotFile(file.text, file.source)
      if (Either.isLeft(result)) {
        failures++
        yield* Console.error(result.left.message)
        continue
      }
      const d = result.right.definition
      yield* Console.log(`ok  ${file.source}: pilot "${d.id}" (${d.kind}, ${d.variants.length} variants, ${d.metrics.length} metrics)`)
      for (const w of result.right.warnings) yield* Console.log(`    warning ${w.format(file.source)}`)
    }
    if (failures > 0) return yield* new ValidationFailed({ failures, total: texts.length })
  })
).pipe(Command.withDescription("Check pilot files without touching the database; every problem is listed with its line."))

const register = Command.make("register", { files: filesArg }, ({ files }) =>
  withEngine(Effect.gen(function*() {
    const registry = yield* PilotRegistry
    const texts = yield* readPilotFiles(files)
    const results = yield* registry.register(texts)
    for (const { registration: r, warnings } of results) {
      const what = r.outcome === "created" ? "registered" : r.outcome === "new-version" ? `new version ${r.version} of` : "unchanged:"
      yield* Console.log(`${what} ${r.pilotId} (version ${r.version}, hash ${short(r.definitionHash)}) from ${r.source}`)
      for (const w of warnings) yield* Console.log(`    warning ${w.format(r.source)}`)
    }
  }))
).pipe(Command.withDescription("Register pilot files (all or nothing). Unchanged files are a no-op; a changed draft becomes a new version; a started pilot's design is frozen."))

const list = Command.make("list", { format: formatOption }, ({ format }) =>
  withEngine(Effect.gen(function*() {
    const pilots = yield* (yield* PilotRegistry).list()
    if (format === "json") return yield* printJson(pilots.map((p) => encodePilot(p)))
    if (pilots.length === 0) return yield* Console.log("No pilots registered yet: pilotproof pilot register <file…>")
    yield* Console.log(table(
      ["ID", "STATUS", "VER", "KIND", "UNIT", "PRIMARY METRIC", "OWNER", "DESIGN HASH"],
      pilots.map((p) => {
        const d = p.definition
        return [p.id, p.status, String(p.version), d.kind, d.unit, primaryMetric(d).key, d.owner.name, short(p.designHash)]
      })
    ))
  }))
).pipe(Command.withDescription("List registered pilots with their status."))

const show = Command.make("show", { id: idArg, format: formatOption }, ({ format, id }) =>
  withEngine(Effect.gen(function*() {
    const { pilot, versions } = yield* (yield* PilotRegistry).show(id)
    if (format === "json") {
      return yield* printJson({ pilot: encodePilot(pilot), versions: versions.map((v) => encodeVersion(v)) })
    }
    yield* Console.log(describePilot(pilot, versions))
  }))
).pipe(Command.withDescription("Show a pilot's design, economics, status and versions."))

const lifecycle = (action: "start" | "stop") =>
  Command.make(action, { id: idArg }, ({ id }) =>
    withEngine(Effect.gen(function*() {
      const registry = yield* PilotRegistry
      const pilot = yield* (action === "start" ? registry.start(id) : registry.stop(id))
      yield* Console.log(
        action === "start"
          ? `started ${pilot.id}: design frozen at version ${pilot.version}, hash ${pilot.designHash}`
          : `stopped ${pilot.id} (design hash ${short(pilot.designHash)})`
      )
      if (action === "start") {
        for (const problem of yield* (yield* Connectors).mappingProblems(id)) yield* Console.error(`warning: ${problem}`)
      }
    }))
  ).pipe(Command.withDescription(
    action === "start"
      ? "Start a draft pilot: freeze its design and record the design hash (the pre-registration)."
      : "Stop a running pilot."
  ))

export const pilotCommand = Command.make("pilot").pipe(
  Command.withDescription("Define and manage pilots."),
  Command.withSubcommands([validate, register, list, show, lifecycle("start"), lifecycle("stop")])
)

// ---------------------------------------------------------------------------------------------

/** The exit reason of `pilot validate` when some files are invalid (their errors are printed). */
export class ValidationFailed extends Schema.TaggedError<ValidationFailed>()("ValidationFailed", {
  failures: Schema.Number,
  total: Schema.Number
}) {
  override get message(): string {
    return `${this.failures} of ${this.total} pilot file${this.total === 1 ? "" : "s"} invalid`
  }
}

const describePilot = (pilot: Pilot, versions: ReadonlyArray<PilotVersion>): string => {
  const d: PilotDefinition = pilot.definition
  const control = controlVariant(d).key
  const totalWeight = d.variants.reduce((s, v) => s + v.weight, 0)
  const e = d.economics
  const costRow = (c: PilotDefinition["economics"]["costs"][number]) => [
    c.item,
    c.category ?? "-",
    c.oneTime === undefined ? "" : money(c.oneTime),
    c.monthly === undefined ? "" : money(c.monthly),
    c.perUnit === undefined ? "" : money(c.perUnit)
  ]
  return [
    `${d.name} (${pilot.id})`,
    "",
    fields([
      ["status", pilot.status],
      ["version", String(pilot.version)],
      ["design hash", pilot.designHash ?? "(set when the pilot starts)"],
      ["kind", d.kind],
      ["owner", `${d.owner.name} <${d.owner.email}>`],
      ["unit", d.unit],
      ["hypothesis", d.hypothesis],
      ["readiness", `consent ${d.readiness.consent}; data owner ${d.readiness.dataOwner}`],
      ...(pilot.startedAt === undefined ? [] : [["started", pilot.startedAt] as const]),
      ...(pilot.stoppedAt === undefined ? [] : [["stopped", pilot.stoppedAt] as const])
    ]),
    "",
    "Variants",
    table(["KEY", "WEIGHT", "SHARE", "ROLE"], d.variants.map((v) => [
      v.key,
      String(v.weight),
      `${((100 * v.weight) / totalWeight).toFixed(1)}%`,
      v.key === control ? "control" : "treatment"
    ])),
    "",
    "Metrics",
    table(["KEY", "ROLE", "TYPE", "DEFINITION", "DIRECTION", "MARGIN", "PACK"], d.metrics.map((m) => [
      m.key,
      m.role,
      m.type,
      m.type === "quantile"
        ? `p${+(100 * m.quantile).toPrecision(4)} of ${"from" in m.of ? `${m.of.from} → ${m.of.to} (${m.of.in})` : `${m.of.aggregate}(${m.of.event})`}${m.window === undefined ? "" : ` within ${m.window.days}d`}`
        : m.type === "duration"
        ? `${m.from} → ${m.to} (${m.in})`
        : m.type === "ratio"
        ? `${m.numerator.aggregate}(${m.numerator.event}) / ${m.denominator.aggregate}(${m.denominator.event})`
        : m.type === "mean"
        ? `${m.aggregate}(${m.event})${m.window === undefined ? "" : ` within ${m.window.days}d`}`
        : `${m.event}${m.unless === undefined ? "" : ` unless ${m.unless.join(", ")}`}${m.window === undefined ? "" : ` within ${m.window.days}d`}`,
      m.direction,
      m.margin === undefined ? "" : String(m.margin),
      m.fromPack ?? ""
    ])),
    ...((d.diagnostics ?? []).length === 0 ? [] : [
      "",
      "Diagnostics (what the AI did, on the arms that have it; not part of the decision)",
      table(["KEY", "TYPE", "DEFINITION", "PACK"], (d.diagnostics ?? []).map((g) => [
        g.key,
        g.type,
        g.type === "ratio"
          ? `${g.numerator.aggregate}(${g.numerator.event}) / ${g.denominator.aggregate}(${g.denominator.event})${g.window === undefined ? "" : ` within ${g.window.days}d`}`
          : `score ${g.score} against ${g.outcome} within ${g.window.days}d (${g.bins} bins)`,
        g.fromPack ?? ""
      ]))
    ]),
    "",
    "Plan",
    fields([
      ["alpha / power", `${d.plan.alpha} / ${d.plan.power}`],
      ["minimum detectable effect", `${d.plan.mde * 100}% relative${d.plan.baseline === undefined ? "" : ` on a baseline of ${d.plan.baseline}`}`],
      ["sample per arm", d.plan.sampleSizePerArm === undefined ? "computed from the plan" : String(d.plan.sampleSizePerArm)],
      ["days", `at least ${d.plan.minDays}, at most ${d.plan.maxDays}`],
      ["sequential monitoring", d.plan.sequential
        ? `yes (always-valid intervals: ${d.plan.sequentialMethod === "asymptotic-cs" ? `asymptotic confidence sequence${d.plan.sequentialTuning === undefined ? "" : `, N* ${d.plan.sequentialTuning}`}` : "mSPRT"})`
        : "no (fixed horizon)"],
      ["tests", d.plan.sides === 1 ? "one-sided, on each metric's direction" : "two-sided"],
      ...(d.analysisUnit === undefined
        ? []
        : [["randomization", `cluster-randomized: ${d.unit}s are assigned, ${d.analysisUnit}s analysed on per-${d.unit} totals (field ${d.clusterField ?? d.unit}` +
          `${d.plan.icc === undefined ? "" : `, ICC ${d.plan.icc}`}${d.plan.clusterSize === undefined ? "" : `, ${d.plan.clusterSize} ${d.analysisUnit}s per ${d.unit}`})`] as const])
    ]),
    "",
    `Economics (${e.currency}, ${e.horizonMonths} months, discount ${e.discountRate * 100}%/year, contingency ${e.contingency * 100}%, payback target ${e.targetPaybackMonths} months)`,
    fields([
      ["volume at scale", `${money(e.volume.unitsPerMonth)} ${d.unit}s/month${e.rampMonths > 0 ? `, ramp ${e.rampMonths} months` : ""}`],
      ["value per unit", Object.entries(e.value).map(([k, v]) => `${k} ${money(v)}`).join(", ") || "(none)"]
    ]),
    table(["COST ITEM", "CATEGORY", "ONE-TIME", "MONTHLY", "PER UNIT"], e.costs.map(costRow)),
    "",
    "Versions",
    table(["VERSION", "REGISTERED", "HASH", "SOURCE"], versions.map((v) => [String(v.version), v.registeredAt, short(v.definitionHash), v.source]))
  ].join("\n")
}
