/**
 * The Pilotproof HTTP API contract, defined once: the server implements it, tests and clients
 * derive from it, and `/api/openapi.json` is generated from it. Every endpoint needs a bearer
 * token; its allowed roles are annotated on it (`allow(...)`), and statuses sit on the errors:
 * 400 invalid input, 401 no/invalid token, 403 role not allowed, 404 unknown pilot, 409 frozen
 * design or invalid transition, 413 too large, 503 storage.
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { AnalysisReport, EconomicsReport, ListedCheck, Pilot, PilotVersion, PlanReport, ReadinessProblems, ReadinessReport, RoiReport } from "@pilotproof/domain"
import { Schema } from "effect"
import { Authentication } from "./Authentication.js"
import { DomainErrors as E, Forbidden, NotFound, Overloaded, PayloadTooLarge, TooManyRequests, UnsupportedMediaType } from "./HttpErrors.js"
import { allow, ANY_ROLE } from "./Roles.js"
import * as S from "./Schemas.js"


export class PilotsGroup extends HttpApiGroup.make("pilots")
  .add(
    HttpApiEndpoint.post("register", "/pilots")
      .setPayload(Schema.Union(HttpApiSchema.Text(), S.PilotFileBody))
      .setUrlParams(Schema.Struct({ source: Schema.optional(Schema.String) }))
      .addSuccess(Schema.Array(S.RegisterResult))
      .addError(E.InvalidPilotDefinition)
      .addError(E.InvalidPilotFiles)
      .addError(E.PilotDesignFrozen)
      .pipe(allow("owner"))
  )
  .add(HttpApiEndpoint.get("list", "/pilots").addSuccess(Schema.Array(Pilot)).pipe(allow(...ANY_ROLE)))
  .add(
    HttpApiEndpoint.get("show", "/pilots/:id").setPath(S.PilotIdParam)
      .addSuccess(Schema.Struct({ pilot: Pilot, versions: Schema.Array(PilotVersion) }))
      .pipe(allow(...ANY_ROLE))
  )
  .add(
    HttpApiEndpoint.post("start", "/pilots/:id/start").setPath(S.PilotIdParam).addSuccess(Pilot)
      .addError(E.InvalidTransition).pipe(allow("owner"))
  )
  .add(
    HttpApiEndpoint.post("stop", "/pilots/:id/stop").setPath(S.PilotIdParam).addSuccess(Pilot)
      .addError(E.InvalidTransition).pipe(allow("owner"))
  )
  .addError(E.PilotNotFound)
  .annotate(OpenApi.Description, "Register (YAML/JSON text, or JSON { source, text }), list, show, start and stop pilots.")
  .middleware(Authentication)
{}

export class PlanningGroup extends HttpApiGroup.make("planning")
  .add(
    HttpApiEndpoint.post("plan", "/plan")
      .setPayload(Schema.Union(HttpApiSchema.Text(), S.PilotFileBody))
      .setUrlParams(S.PlanParams)
      .addSuccess(PlanReport)
      .addError(E.InvalidPilotDefinition)
      .addError(E.InputError)
      .pipe(allow(...ANY_ROLE))
  )
  .annotate(OpenApi.Description, "Plan a pilot file before it is registered: units per arm, days at a traffic (perDay, else economics.volume ÷ 30), the MDE reachable by maxDays and the power at the planned duration. Nothing is stored.")
  .middleware(Authentication)
{}

export class AssignmentGroup extends HttpApiGroup.make("assignment")
  .add(
    HttpApiEndpoint.post("assign", "/pilots/:id/assign").setPath(S.PilotIdParam).setPayload(S.AssignRequest)
      .addSuccess(Schema.Struct({ assignment: S.UnitAssignment, logged: Schema.optional(S.ImportSummary) }))
      .pipe(allow("owner"))
  )
  .add(
    HttpApiEndpoint.post("assignBatch", "/pilots/:id/assignments").setPath(S.PilotIdParam).setPayload(S.AssignBatchRequest)
      .addSuccess(S.AssignBatchResult)
      .addError(PayloadTooLarge)
      .pipe(allow("owner"))
  )
  .addError(E.PilotNotFound)
  .addError(E.PilotNotRunning)
  .addError(E.InputError)
  .middleware(Authentication)
{}

export class EventsGroup extends HttpApiGroup.make("events")
  .add(
    HttpApiEndpoint.post("ingest", "/pilots/:id/events").setPath(S.PilotIdParam)
      .setPayload(S.EventBatch)
      .setUrlParams(Schema.Struct({ source: Schema.optional(Schema.String), dryRun: Schema.optional(Schema.BooleanFromString) }))
      .addSuccess(S.IngestResult)
      .addError(PayloadTooLarge)
      .addError(E.PilotNotRunning)
      .addError(E.InputError)
      .pipe(allow("owner"))
  )
  .add(
    HttpApiEndpoint.get("rejects", "/pilots/:id/events/rejects").setPath(S.PilotIdParam)
      .setUrlParams(Schema.Struct({ limit: Schema.optional(Schema.NumberFromString) }))
      .addSuccess(Schema.Struct({ rows: Schema.Array(S.StoredReject), total: Schema.Number }))
      .pipe(allow("owner", "analyst"))
  )
  .addError(E.PilotNotFound)
  .annotate(OpenApi.Description, `Batches of events as a JSON array (at most ${S.LIMITS.eventsPerBatch}); idempotent on event_id; rejected rows are reported with their position and reason.`)
  .middleware(Authentication)
{}

export class ReadinessGroup extends HttpApiGroup.make("readiness")
  .add(
    HttpApiEndpoint.get("report", "/pilots/:id/readiness").setPath(S.PilotIdParam).setUrlParams(S.AsOfParams)
      .addSuccess(ReadinessReport).pipe(allow("owner", "analyst"))
  )
  .add(
    HttpApiEndpoint.get("problems", "/pilots/:id/readiness/:check")
      .setPath(Schema.Struct({ id: Schema.String, check: ListedCheck }))
      .setUrlParams(Schema.Struct({
        asOf: Schema.optional(Schema.String),
        limit: Schema.optional(Schema.NumberFromString.annotations({ description: "at most this many problems (1–500, default 500)" }))
      }))
      .addSuccess(ReadinessProblems).pipe(allow("owner", "analyst"))
      .annotate(OpenApi.Description, "The events (file and line) or units behind one readiness check, with how many there are: the drill-down of the report.")
  )
  .addError(E.PilotNotFound)
  .addError(E.InputError)
  .middleware(Authentication)
{}

export class AnalysisGroup extends HttpApiGroup.make("analysis")
  .add(
    HttpApiEndpoint.get("analyze", "/pilots/:id/analysis").setPath(S.PilotIdParam).setUrlParams(S.AsOfParams)
      .addSuccess(AnalysisReport).pipe(allow("owner", "analyst"))
  )
  .addError(E.PilotNotFound)
  .addError(E.InputError)
  .middleware(Authentication)
{}

export class DecisionsGroup extends HttpApiGroup.make("decisions")
  .add(
    HttpApiEndpoint.post("decide", "/pilots/:id/decisions").setPath(S.PilotIdParam).setPayload(S.DecideRequest)
      .addSuccess(S.DecideResult, { status: 201 })
      // recording the computed verdict: analysts and owners; overriding it: owners (and admins) only
      .addError(Forbidden)
      .pipe(allow("analyst", "owner"))
  )
  .add(
    HttpApiEndpoint.get("history", "/pilots/:id/decisions").setPath(S.PilotIdParam)
      .addSuccess(Schema.Array(S.DecisionHistoryEntry)).pipe(allow(...ANY_ROLE))
  )
  .addError(E.PilotNotFound)
  .addError(E.InputError)
  .middleware(Authentication)
{}

export class EconomicsGroup extends HttpApiGroup.make("economics")
  .add(
    HttpApiEndpoint.get("economics", "/pilots/:id/economics").setPath(S.PilotIdParam).setUrlParams(S.AsOfParams)
      .addSuccess(EconomicsReport).pipe(allow("analyst", "finance"))
  )
  .add(HttpApiEndpoint.get("roi", "/pilots/:id/roi").setPath(S.PilotIdParam).addSuccess(RoiReport).pipe(allow("analyst", "finance")))
  .add(
    HttpApiEndpoint.post("recordActuals", "/pilots/:id/actuals").setPath(S.PilotIdParam).setPayload(S.ActualsRequest)
      .addSuccess(Schema.Struct({ recorded: Schema.Number })).pipe(allow("finance"))
  )
  .addError(E.PilotNotFound)
  .addError(E.InputError)
  .middleware(Authentication)
{}

export class ErasureGroup extends HttpApiGroup.make("erasure")
  .add(
    HttpApiEndpoint.post("erase", "/erasures").setPayload(S.EraseRequest).addSuccess(S.ErasureRecord).pipe(allow("admin"))
  )
  .add(HttpApiEndpoint.get("log", "/erasures").addSuccess(Schema.Array(S.ErasureRecord)).pipe(allow("admin")))
  .middleware(Authentication)
{}

export class TokensGroup extends HttpApiGroup.make("tokens")
  .add(HttpApiEndpoint.get("me", "/me").addSuccess(S.Me).pipe(allow(...ANY_ROLE)))
  .add(HttpApiEndpoint.get("list", "/tokens").addSuccess(Schema.Array(S.TokenInfo)).pipe(allow("admin")))
  .add(
    HttpApiEndpoint.post("create", "/tokens").setPayload(S.CreateTokenRequest).addSuccess(S.CreatedToken, { status: 201 })
      .addError(E.InputError).pipe(allow("admin"))
  )
  .add(
    HttpApiEndpoint.del("revoke", "/tokens/:tokenId").setPath(Schema.Struct({ tokenId: Schema.String }))
      .addSuccess(Schema.Struct({ revoked: Schema.String })).addError(NotFound).pipe(allow("admin"))
  )
  .middleware(Authentication)
{}

export class PilotproofApi extends HttpApi.make("pilotproof")
  .add(PilotsGroup)
  .add(PlanningGroup)
  .add(AssignmentGroup)
  .add(EventsGroup)
  .add(ReadinessGroup)
  .add(AnalysisGroup)
  .add(DecisionsGroup)
  .add(EconomicsGroup)
  .add(ErasureGroup)
  .add(TokensGroup)
  .addError(E.StorageError)
  .addError(PayloadTooLarge)
  // answered by the server's middlewares before any endpoint runs: the throttle, the results
  // queue, the body check
  .addError(TooManyRequests)
  .addError(Overloaded)
  .addError(UnsupportedMediaType)
  .prefix("/api")
  .annotate(OpenApi.Title, "Pilotproof API")
  .annotate(OpenApi.Version, "0.1.0")
  .annotate(OpenApi.Description, "Decide whether an AI pilot works and pays back. Every endpoint needs `Authorization: Bearer <token>` (pilotproof token create).")
{}
