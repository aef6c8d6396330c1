/**
 * `pilotproof events import|rejects`, `pilotproof assign`, `pilotproof readiness` and
 * `pilotproof erase`: getting data in, checking it, and taking a person out.
 */
import { Args, Command, Options } from "@effect/cli"
import { ErasedPilots, InputError, LISTED_CHECKS, parseMoment, ReadinessProblems, ReadinessReport, StorageError } from "@pilotproof/domain"
import { Assignments, Connectors, crmExportSource, Erasure, EventImport, eventFileSource, MAX_LISTED_PROBLEMS, Readiness, Simulation } from "@pilotproof/engine"
import { Clock, Console, Effect, Option, Schema } from "effect"
import { readFileSync } from "node:fs"
import { basename } from "node:path"
import { printEncoded, printJson, progressLine, table } from "./Output.js"
import { formatOption, pilotIdArg } from "./CommonOptions.js"
import { withEngine } from "./Runtime.js"

const pilotArg = pilotIdArg

/**
 * Redraws a progress bar on one terminal line; silent when stderr is piped or redirected.
 */
const progress = (label: string, source: { readonly bytes: number; readonly bytesRead: () => number }) => {
  const started = Date.now()
  return (records: number) =>
    process.stderr.isTTY
      ? Effect.sync(() => {
        const state = { records, bytesRead: source.bytesRead(), totalBytes: source.bytes, seconds: (Date.now() - started) / 1000 }
        process.stderr.write(`\r${progressLine(label, state, process.stderr.columns || 80)}\x1b[K`)
      })
      : Effect.void
}
const endProgress = Effect.sync(() => {
  if (process.stderr.isTTY) process.stderr.write("\n")
})

const importCommand = Command.make("import", {
  pilot: pilotArg,
  file: Args.file({ name: "file", exists: "yes" }).pipe(Args.withDescription("a .csv/.tsv or .jsonl/.ndjson export")),
  dryRun: Options.boolean("dry-run").pipe(Options.withDescription("validate and count without writing")),
  delimiter: Options.text("delimiter").pipe(Options.withDescription("CSV delimiter (default: detected from the header)"), Options.optional),
  from: Options.choice("from", ["amocrm", "bitrix24", "hubspot", "salesforce"]).pipe(
    Options.withDescription("the file is this CRM's standard CSV export of leads/deals, read through the pilot's crm: mapping"),
    Options.optional
  ),
  connector: Options.text("connector").pipe(Options.withDescription("with --from: the connector whose mapping reads the file (when the pilot maps several)"), Options.optional),
  utcOffset: Options.text("utc-offset").pipe(Options.withDescription("with --from: the CRM account's UTC offset (+03:00), for export dates written without one"), Options.optional)
}, ({ connector, delimiter, dryRun, file, from, pilot, utcOffset }) =>
  withEngine(Effect.gen(function*() {
    const delimiterOption = Option.match(delimiter, { onNone: () => ({}), onSome: (d) => ({ delimiter: d === "tab" ? "\t" : d }) })
    let ignored = () => 0
    let source: { readonly bytes: number; readonly bytesRead: () => number; readonly batches: Parameters<EventImport["run"]>[0]["batches"] }
    if (Option.isSome(from)) {
      const exported = yield* crmExportSource(file, delimiterOption)
      const mapped = yield* (yield* Connectors).exportBatches(pilot, from.value, exported.batches, exported.header, {
        connectorId: Option.getOrUndefined(connector),
        utcOffset: Option.getOrUndefined(utcOffset),
        file
      })
      ignored = mapped.ignored
      source = { ...exported, batches: mapped.batches }
    } else {
      if (Option.isSome(connector) || Option.isSome(utcOffset)) {
        return yield* new InputError({ source: file, detail: "--connector and --utc-offset read a CRM export: give --from amocrm|bitrix24|hubspot|salesforce" })
      }
      source = yield* eventFileSource(file, delimiterOption)
    }
    const summary = yield* (yield* EventImport).run({
      pilotId: pilot,
      source: file,
      batches: source.batches,
      dryRun,
      onProgress: progress(`importing ${basename(file)}`, source)
    }).pipe(Effect.ensuring(endProgress))
    const verb = dryRun ? "checked (dry run, nothing written)" : "imported"
    yield* Console.log(
      `${verb} ${file} into ${pilot}: ${summary.records} records — ${summary.accepted} accepted, ` +
        `${summary.duplicates} duplicates, ${summary.rejected} rejected` +
        (Option.isSome(from) ? `; ${ignored()} ${from.value} rows at stages the pilot does not read` : "")
    )
    if (summary.rejected > 0) {
      yield* Console.error(
        dryRun
          ? `${summary.rejected} rows would be rejected; import without --dry-run to keep them with their reasons`
          : `${summary.rejected} rows rejected; see them with: pilotproof events rejects ${pilot}`
      )
    }
  }))
).pipe(Command.withDescription("Import events (exposures, consent, outcomes) from an event file, or a CRM's own export with --from; re-importing changes nothing."))

const rejectsCommand = Command.make("rejects", {
  pilot: pilotArg,
  limit: Options.integer("limit").pipe(Options.withDescription("how many rejected rows to list (the total is always given)"), Options.withDefault(50)),
  format: formatOption
}, ({ format, limit, pilot }) =>
  withEngine(Effect.gen(function*() {
    const { rows, total } = yield* (yield* EventImport).rejects(pilot, limit)
    if (format === "json") return yield* printJson({ total, rows })
    if (total === 0) return yield* Console.log(`no rejected rows for ${pilot}`)
    yield* Console.log(table(["SOURCE:LINE", "REASON"], rows.map((r) => [`${r.source}:${r.line}`, r.reason])))
    if (total > rows.length) yield* Console.log(`… ${total - rows.length} more (--limit)`)
  }))
).pipe(Command.withDescription("List rejected rows with file, line and reason."))

export const eventsCommand = Command.make("events").pipe(
  Command.withDescription("Import and inspect events."),
  Command.withSubcommands([importCommand, rejectsCommand])
)

export const assignCommand = Command.make("assign", {
  pilot: pilotArg,
  units: Args.text({ name: "unit-id" }).pipe(Args.withDescription("the units to assign (lead, customer or conversation ids as the CRM has them); or give --file"), Args.repeated),
  file: Options.file("file", { exists: "yes" }).pipe(Options.withDescription("a file with one unit id per line"), Options.optional),
  logExposures: Options.boolean("log-exposures").pipe(Options.withDescription("record an exposure event for each assigned unit")),
  format: formatOption
}, ({ file, format, logExposures, pilot, units }) =>
  withEngine(Effect.gen(function*() {
    const fromFile = Option.isSome(file)
      ? yield* Effect.try({
        try: () => readFileSync(file.value, "utf8").split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== ""),
        catch: (e) => new InputError({ source: file.value, detail: `cannot read the file: ${(e as Error).message}` })
      })
      : []
    const ids = [...units, ...fromFile]
    if (ids.length === 0) return yield* new InputError({ source: "pilotproof assign", detail: "name unit ids, or --file with one per line" })
    const { assignments, logged } = yield* (yield* Assignments).assign(pilot, ids, logExposures)
    if (format === "json") return yield* printJson({ assignments, logged })
    yield* Console.log(table(["UNIT", "VARIANT", "BUCKET"], assignments.map((a) => [a.unitId, a.variant ?? "(holdout)", String(a.bucket)])))
    if (logged !== undefined) yield* Console.log(`exposures logged: ${logged.accepted} new, ${logged.duplicates} already logged`)
  }))
).pipe(Command.withDescription("Assign units to variants by the pilot's frozen allocation (same answer on every machine)."))

export const readinessCommand = Command.make("readiness", {
  pilot: pilotArg,
  asOf: Options.text("as-of").pipe(Options.withDescription("ISO timestamp: the data as it stood then"), Options.optional),
  list: Options.choice("list", LISTED_CHECKS).pipe(Options.withDescription("list the events (file and line) or units behind one check instead of the report"), Options.optional),
  limit: Options.integer("limit").pipe(Options.withDescription(`with --list: how many to list, at most ${MAX_LISTED_PROBLEMS} (the total is always given)`), Options.withDefault(50)),
  format: formatOption
}, ({ asOf, format, limit, list, pilot }) =>
  withEngine(Effect.gen(function*() {
    const asOfMs = yield* parseAsOf(asOf)
    if (Option.isSome(list)) {
      const listed = yield* (yield* Readiness).problems(pilot, list.value, { ...(asOfMs === undefined ? {} : { asOfMs }), limit })
      if (format === "json") return yield* printEncoded(ReadinessProblems, listed)
      if (listed.total === 0) return yield* Console.log(`no ${listed.check} problems in ${pilot} as of ${listed.asOf}`)
      yield* Console.log(table(["SOURCE:LINE", "UNIT", "TYPE", "TIME", "PROBLEM"], listed.problems.map((p) => [
        p.source === undefined ? "" : `${p.source}:${p.line ?? "?"}`, p.unit ?? "", p.type ?? "", p.ts ?? "", p.detail
      ])))
      if (listed.total > listed.problems.length) yield* Console.log(`… ${listed.total - listed.problems.length} more (--limit)`)
      return
    }
    const report = yield* (yield* Readiness).report(pilot, asOfMs)
    if (format === "json") return yield* printEncoded(ReadinessReport, report)
    yield* Console.log(describeReadiness(report))
  }))
).pipe(Command.withDescription("Check data readiness: duplicates, identities, formats, consent, timing, SRM, sample size."))

export const eraseCommand = Command.make("erase", {
  unit: Args.text({ name: "unit-id" }).pipe(Args.withDescription("the person's unit id as in the CRM"))
}, ({ unit }) =>
  withEngine(Effect.gen(function*() {
    const record = yield* (yield* Erasure).erase(unit)
    const pilots = yield* Schema.decodeUnknown(ErasedPilots)(record.pilots).pipe(
      Effect.mapError((e) => new StorageError({ operation: "erasing a subject", detail: `erasure ${record.erasure_id} lists its pilots unreadably: ${e.message}`, cause: e }))
    )
    yield* Console.log(
      `erased: ${record.events_deleted} events and ${record.rejects_deleted} rejected rows in ${pilots.length} pilot(s)` +
        `${pilots.length === 0 ? "" : ` (${pilots.join(", ")})`}; logged as erasure ${record.erasure_id} (subject hash ${record.subject_hash})`
    )
  }))
).pipe(Command.withDescription("Erase every event of one person in every pilot (right to erasure), in one transaction."))

/** `--as-of` → epoch ms (absent: now), or a clear error. */
export const parseAsOf = (asOf: Option.Option<string>) =>
  Option.match(asOf, {
    onNone: () => Effect.map(Clock.currentTimeMillis, (ms) => ms as number | undefined),
    onSome: (text) => {
      const ms = parseMoment(text)
      return ms === undefined
        ? Effect.fail(new InputError({ source: "--as-of", detail: `"${text}" is not an ISO 8601 date or timestamp with an offset (2026-03-01 or 2026-03-01T09:30:00+03:00)` }))
        : Effect.succeed(ms as number | undefined)
    }
  })

const mark = { pass: "pass", warn: "WARN", fail: "FAIL" } as const

export const describeReadiness = (r: ReadinessReport): string =>
  [
    `Readiness of ${r.pilotId} as of ${r.asOf}: ${r.status.toUpperCase()}`,
    `units analysed: ${Object.entries(r.exposure.units).map(([v, n]) => `${v} ${n}`).join(", ") || "none yet"} (plan: ${r.plannedPerArm} per arm)`,
    "",
    table(["CHECK", "STATUS", "DETAIL"], r.checks.map((c) => [
      c.check,
      mark[c.status],
      c.message + (c.examples.length === 0 ? "" : ` — e.g. ${c.examples.join("; ")}`)
    ]))
  ].join("\n")

export const simulateCommand = Command.make("simulate", {
  scenario: Args.file({ name: "scenario", exists: "yes" }).pipe(Args.withDescription("a scenario file, e.g. experiments/scenarios/<pilot>.yaml")),
  seed: Options.integer("seed").pipe(Options.withDescription("overrides the scenario's seed"), Options.optional),
  out: Options.text("out").pipe(Options.withDescription("write events to this .csv or .jsonl file instead of importing them"), Options.optional)
}, ({ out, scenario, seed }) =>
  withEngine(Effect.gen(function*() {
    const simulation = yield* Simulation
    const seedValue = Option.getOrUndefined(seed)
    if (Option.isSome(out)) {
      const count = yield* simulation.toFile(scenario, out.value, seedValue)
      return yield* Console.log(`wrote ${count} simulated events to ${out.value}`)
    }
    const summary = yield* simulation.intoPilot(scenario, seedValue)
    yield* Console.log(
      `simulated ${summary.records} events into ${summary.pilotId}: ${summary.accepted} accepted, ${summary.duplicates} duplicates, ${summary.rejected} rejected`
    )
  }))
).pipe(Command.withDescription("Generate a pilot's synthetic events from a scenario (same seed, same bytes): into a file, or straight into the pilot."))
