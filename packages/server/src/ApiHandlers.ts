/**
 * The API's handlers, one `HttpApiBuilder.group` per group of the contract. They call the engine
 * and return what it computes; nothing here recomputes statistics.
 */
import { HttpApiBuilder } from "@effect/platform"
import { CurrentUser, Forbidden, LIMITS, NotFound, PayloadTooLarge, PilotproofApi } from "@pilotproof/api"
import { DecisionRecord, EconomicsReport, InputError, parseMoment } from "@pilotproof/domain"
import {
  Assignments,
  Decisions,
  Erasure,
  EventImport,
  inMemorySource,
  mayOverride,
  PilotRegistry,
  planPilotFile,
  Readiness,
  Snapshots,
  Tokens
} from "@pilotproof/engine"
import { Effect, Layer } from "effect"
import { createHash } from "node:crypto"

/** `?asOf=` as epoch ms; absent means now. */
export const parseAsOf = (asOf: string | undefined, source = "asOf") => {
  if (asOf === undefined) return Effect.succeed(undefined)
  const ms = parseMoment(asOf)
  return ms === undefined
    ? Effect.fail(new InputError({ source, detail: `"${asOf}" is not an ISO 8601 date or timestamp with an offset (2026-03-01 or 2026-03-01T09:30:00+03:00)` }))
    : Effect.succeed(ms)
}

/** `?refresh=1` (or `true`): compute the results snapshot again. */
const refreshOf = (params: { readonly refresh?: string | undefined }) => ({ refresh: params.refresh === "1" || params.refresh === "true" })

const withAsOf = (ms: number | undefined) => (ms === undefined ? {} : { asOfMs: ms })

const PilotsLive = HttpApiBuilder.group(PilotproofApi, "pilots", (handlers) =>
  Effect.gen(function*() {
    const registry = yield* PilotRegistry
    return handlers
      .handle("register", ({ payload, urlParams }) =>
        Effect.gen(function*() {
          const file = typeof payload === "string" ? { source: urlParams.source ?? "request body", text: payload } : payload
          const registered = yield* registry.register([file])
          return registered.map(({ registration: r, warnings }) => ({
            pilotId: r.pilotId,
            outcome: r.outcome,
            version: r.version,
            definitionHash: r.definitionHash,
            source: r.source,
            warnings: warnings.map((w) => w.format(r.source))
          }))
        }))
      .handle("list", () => registry.list())
      .handle("show", ({ path }) => registry.show(path.id))
      .handle("start", ({ path }) => registry.start(path.id))
      .handle("stop", ({ path }) => registry.stop(path.id))
  }))

const PlanningLive = HttpApiBuilder.group(PilotproofApi, "planning", (handlers) =>
  Effect.succeed(handlers.handle("plan", ({ payload, urlParams }) =>
    Effect.gen(function*() {
      const file = typeof payload === "string" ? { source: urlParams.source ?? "request body", text: payload } : payload
      const perDay = urlParams.perDay === undefined ? undefined : Number(urlParams.perDay)
      if (perDay !== undefined && !(perDay > 0 && Number.isFinite(perDay))) {
        return yield* new InputError({ source: "perDay", detail: `"${urlParams.perDay}" is not a positive number of units a day` })
      }
      return yield* planPilotFile(file.text, file.source, { perDay })
    }))))

const AssignmentLive = HttpApiBuilder.group(PilotproofApi, "assignment", (handlers) =>
  Effect.gen(function*() {
    const assignments = yield* Assignments
    return handlers
      .handle("assign", ({ path, payload }) =>
        Effect.map(assignments.assign(path.id, [payload.unitId], payload.logExposure), (r) => ({
          assignment: r.assignments[0]!,
          ...(r.logged === undefined ? {} : { logged: r.logged })
        })))
      .handle("assignBatch", ({ path, payload }) =>
        payload.unitIds.length > LIMITS.unitsPerBatch
          ? Effect.fail(new PayloadTooLarge({ message: `${payload.unitIds.length} units in one request; send at most ${LIMITS.unitsPerBatch} per request`, limit: LIMITS.unitsPerBatch, unit: "units" }))
          : Effect.map(assignments.assign(path.id, payload.unitIds, payload.logExposures), (r) => ({
            assignments: r.assignments,
            ...(r.logged === undefined ? {} : { logged: r.logged })
          })))
  }))

const EventsLive = HttpApiBuilder.group(PilotproofApi, "events", (handlers) =>
  Effect.gen(function*() {
    const importer = yield* EventImport
    const snapshots = yield* Snapshots
    return handlers
      .handle("ingest", ({ path, payload, urlParams }) =>
        Effect.gen(function*() {
          if (payload.length > LIMITS.eventsPerBatch) {
            return yield* new PayloadTooLarge({
              message: `${payload.length} events in one request; send at most ${LIMITS.eventsPerBatch} per request`,
              limit: LIMITS.eventsPerBatch,
              unit: "events"
            })
          }
          // Without a source name, the batch's content names it: re-delivering the same batch is
          // then the same source, and changes nothing (events by event_id, rejects by line).
          const source = urlParams.source ??
            `http:${createHash("sha256").update(JSON.stringify(payload)).digest("hex").slice(0, 16)}`
          const summary = yield* importer.run({
            pilotId: path.id,
            source,
            batches: inMemorySource(payload),
            dryRun: urlParams.dryRun ?? false
          })
          // the committed batch is in the next read's results anyway; computing it now makes that read cheap
          if (!summary.dryRun) yield* snapshots.refreshSoon(path.id)
          const rejects = summary.rejected === 0 || summary.dryRun
            ? []
            : (yield* importer.rejects(path.id, 100, source)).rows.map((r) => ({ line: r.line, reason: r.reason, raw: r.raw }))
          return { ...summary, rejects }
        }))
      .handle("rejects", ({ path, urlParams }) =>
        Effect.map(importer.rejects(path.id, Math.max(1, Math.min(urlParams.limit ?? 50, 10_000))), (r) => ({ rows: r.rows, total: r.total })))
  }))

const ReadinessLive = HttpApiBuilder.group(PilotproofApi, "readiness", (handlers) =>
  Effect.gen(function*() {
    const snapshots = yield* Snapshots
    const readiness = yield* Readiness
    return handlers
      .handle("report", ({ path, urlParams }) =>
        Effect.flatMap(parseAsOf(urlParams.asOf), (asOfMs) =>
          Effect.map(snapshots.evaluation(path.id, { ...refreshOf(urlParams), asOfMs }), (r) => r.evaluation.analysis.readiness)))
      .handle("problems", ({ path, urlParams }) =>
        Effect.flatMap(parseAsOf(urlParams.asOf), (asOfMs) =>
          readiness.problems(path.id, path.check, { ...withAsOf(asOfMs), ...(urlParams.limit === undefined ? {} : { limit: urlParams.limit }) })))
  }))

const AnalysisLive = HttpApiBuilder.group(PilotproofApi, "analysis", (handlers) =>
  Effect.gen(function*() {
    const snapshots = yield* Snapshots
    return handlers.handle("analyze", ({ path, urlParams }) =>
      Effect.flatMap(parseAsOf(urlParams.asOf), (asOfMs) =>
        Effect.map(snapshots.evaluation(path.id, { ...refreshOf(urlParams), asOfMs }), (r) => r.evaluation.analysis)))
  }))

const DecisionsLive = HttpApiBuilder.group(PilotproofApi, "decisions", (handlers) =>
  Effect.gen(function*() {
    const decisions = yield* Decisions
    return handlers
      .handle("decide", ({ path, payload }) =>
        Effect.gen(function*() {
          const user = yield* CurrentUser
          if (payload.override !== undefined && !mayOverride(user.role)) {
            return yield* new Forbidden({
              message: `only the pilot's owner or an admin may override the computed verdict; the role "${user.role}" may record it as computed`,
              role: user.role,
              allowed: ["owner", "admin"]
            })
          }
          const ms = yield* parseAsOf(payload.asOf)
          const actor = payload.by ?? user.name
          const result = yield* decisions.record(path.id, {
            ...withAsOf(ms),
            actor,
            ...(payload.override === undefined ? {} : { override: { ...payload.override, by: actor } })
          })
          const { record: _evaluation, ...columns } = result.recorded
          return {
            record: new DecisionRecord(columns),
            evaluation: result.evaluation,
            ...(result.overrideWarning === undefined ? {} : { overrideWarning: result.overrideWarning })
          }
        }))
      .handle("history", ({ path }) => decisions.history(path.id))
  }))

const EconomicsLive = HttpApiBuilder.group(PilotproofApi, "economics", (handlers) =>
  Effect.gen(function*() {
    const decisions = yield* Decisions
    const snapshots = yield* Snapshots
    return handlers
      .handle("economics", ({ path, urlParams }) =>
        Effect.gen(function*() {
          const { evaluation } = yield* snapshots.evaluation(path.id, { ...refreshOf(urlParams), asOfMs: yield* parseAsOf(urlParams.asOf) })
          return new EconomicsReport({ pilotId: path.id, asOf: evaluation.analysis.asOf, economics: evaluation.economics })
        }))
      .handle("roi", ({ path }) => decisions.roi(path.id))
      .handle("recordActuals", ({ path, payload }) =>
        Effect.gen(function*() {
          const user = yield* CurrentUser
          const recorded = yield* decisions.recordActuals(path.id, payload.actuals, `api:${user.name}`)
          return { recorded }
        }))
  }))

const ErasureLive = HttpApiBuilder.group(PilotproofApi, "erasure", (handlers) =>
  Effect.gen(function*() {
    const erasure = yield* Erasure
    return handlers
      .handle("erase", ({ payload }) => erasure.erase(payload.unitId))
      .handle("log", () => erasure.log())
  }))

const TokensLive = HttpApiBuilder.group(PilotproofApi, "tokens", (handlers) =>
  Effect.gen(function*() {
    const tokens = yield* Tokens
    return handlers
      .handle("me", () => Effect.map(CurrentUser, (u) => ({ name: u.name, role: u.role, tokenId: u.tokenId })))
      .handle("list", () => tokens.list())
      .handle("create", ({ payload }) => tokens.create(payload.name, payload.role))
      .handle("revoke", ({ path }) =>
        Effect.flatMap(tokens.revoke(path.tokenId), (done) =>
          done ? Effect.succeed({ revoked: path.tokenId }) : Effect.fail(new NotFound({ message: `no active token with id "${path.tokenId}"` }))))
  }))

/** Every group's handlers; needs the engine services and the authentication middleware. */
export const ApiHandlers = Layer.mergeAll(
  PilotsLive,
  PlanningLive,
  AssignmentLive,
  EventsLive,
  ReadinessLive,
  AnalysisLive,
  DecisionsLive,
  EconomicsLive,
  ErasureLive,
  TokensLive
)
