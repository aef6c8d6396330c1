/**
 * The web pages, on the same server as the API. Login takes a token once and opens a session: the
 * HttpOnly, SameSite=Strict cookie holds the session key, never the token, and logout ends it on
 * the server. Every page checks the role the way the API does. Pages work without client-side
 * JavaScript: plain links and forms.
 */
import { HttpApiBuilder, HttpRouter, HttpServerRequest, HttpServerResponse, UrlParams } from "@effect/platform"
import { LISTED_CHECKS, type ListedCheck, type PlanReport, type Principal, type Role } from "@pilotproof/domain"
import { METRIC_PACK_NAMES, METRIC_PACKS, packSection, VERDICTS, type Verdict } from "@pilotproof/domain"
import { Alerts, Decisions, Readiness, EventImport, eventFileSource, formatOf, mayOverride, overrideWarning, parseActualsCsv, parsePilotFile, PilotRegistry, pilotYaml, planPilotFile, Snapshots, Tokens } from "@pilotproof/engine"
import { fieldOfIssue, GUIDED_DEFAULTS, guidedDefinition, ROWS } from "./GuidedForm.js"
import { Config, Effect, Either, Option } from "effect"
import { readFileSync } from "node:fs"
import { h } from "preact"
import { LoginThrottle, requestClient } from "./LoginThrottle.js"
import { makePageData } from "./PageData.js"
import {
  type ActualsState,
  AlertsPage,
  GuidedPage,
  type GuidedPlan,
  type GuidedState,
  EventsPage,
  LifecyclePage,
  ReadinessProblemsPage,
  RejectsPage,
  DecidePage,
  type DecideState,
  FinanceContent,
  LoginPage,
  page,
  pagePermissions,
  planSentence,
  problemsSentence,
  PilotContent,
  PilotList,
  Problem,
  RegisterPage,
  type RegisterState,
  TokensPage
} from "./Views.js"

/** The cookie holding a web session key (never the token itself). */
export const COOKIE = "pilotproof_session"
/** Where versions before sessions kept the token itself: cleared wherever it is seen. */
const LEGACY_COOKIE = "pilotproof_token"

/**
 * Session cookies carry `Secure` when the browser reached the server over HTTPS: a proxy that
 * terminates TLS says so in `X-Forwarded-Proto: https`, or `PILOTPROOF_SECURE_COOKIES=true`
 * says it for every request (a browser then keeps no session over plain HTTP).
 */
const SecureCookies = Config.boolean("PILOTPROOF_SECURE_COOKIES").pipe(Config.withDefault(false))

const overHttps = (request: HttpServerRequest.HttpServerRequest, always: boolean) =>
  always || (request.headers["x-forwarded-proto"] ?? "").split(",")[0]!.trim().toLowerCase() === "https"

const forgetLegacyCookie = (request: HttpServerRequest.HttpServerRequest) => (response: HttpServerResponse.HttpServerResponse) =>
  request.cookies[LEGACY_COOKIE] === undefined
    ? response
    : HttpServerResponse.unsafeSetCookie(response, LEGACY_COOKIE, "", { httpOnly: true, sameSite: "strict", path: "/", maxAge: 0 })

/**
 * Whether a form was posted from another site: browsers say so in `Sec-Fetch-Site` and `Origin`.
 * Requests without either (curl, scripts) are not browsers' cross-site requests.
 */
const crossSite = (request: HttpServerRequest.HttpServerRequest): boolean => {
  const site = request.headers["sec-fetch-site"]
  if (site !== undefined && site !== "same-origin" && site !== "none") return true
  const origin = request.headers["origin"]
  if (origin === undefined) return false
  try {
    return new URL(origin).host !== request.headers["host"]
  } catch {
    return true // "null" (a sandboxed or file: page) or garbage
  }
}

/** Resolves `next` against a placeholder origin: only what stays on it is a path on this site. */
const ORIGIN = "http://pilotproof.invalid"

/**
 * Where to go after logging in: `next` if it is a path on this site, as the browser would read
 * it, else "/". Browsers drop tabs and newlines inside a URL and read "\" as "/", so
 * "/\t/evil.example" is "//evil.example": a raw value with a control character or a backslash is
 * refused outright, and the rest must parse to this origin. The answer is the parsed, encoded
 * path and query (no fragment), so it is always a valid Location header.
 */
const safeNext = (next: string | undefined): string => {
  if (next === undefined || !next.startsWith("/") || /[\u0000-\u001f\u007f-\u009f\\]/.test(next)) return "/"
  try {
    const url = new URL(next, ORIGIN)
    // "/.//evil.example" keeps the origin but its path "//evil.example" is another site's address
    return url.origin === ORIGIN && !url.pathname.startsWith("//") ? url.pathname + url.search : "/"
  } catch {
    return "/"
  }
}

const html = (body: string, status = 200) => HttpServerResponse.text(body, { status, contentType: "text/html; charset=utf-8" })
const isListedCheck = (check: string): check is ListedCheck => (LISTED_CHECKS as ReadonlyArray<string>).includes(check)

const seeOther = (location: string) => HttpServerResponse.redirect(location, { status: 303 })

/** Errors a page can meet, as a page with the right status. */
const problemPage = (viewer: Principal | undefined) => (error: { readonly _tag: string; readonly message: string }) =>
  Effect.succeed(html(
    page("Problem", viewer, h(Problem, { title: error._tag === "PilotNotFound" ? "No such pilot" : "Something went wrong", message: error.message })),
    error._tag === "PilotNotFound" ? 404 : error._tag === "StorageError" ? 503 : 400
  ))

/** The file a multipart form's field holds (its name as uploaded, and where it was kept), if any. */
const uploadedFile = (field: unknown): { readonly name: string; readonly path: string } | undefined =>
  Array.isArray(field)
    ? field.find((f): f is { readonly _tag: "PersistedFile"; readonly name: string; readonly path: string } =>
      typeof f !== "string" && (f as { readonly _tag?: string })._tag === "PersistedFile")
    : undefined

export const PagesLive = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const tokens = yield* Tokens
    const registry = yield* PilotRegistry
    const decisions = yield* Decisions
    const importer = yield* EventImport
    const alerts = yield* Alerts
    const snapshots = yield* Snapshots
    const readiness = yield* Readiness
    const throttle = yield* LoginThrottle
    const data = yield* makePageData
    const secureCookies = yield* SecureCookies

    /** The logged-in principal, if the cookie holds a live session. */
    const viewer = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const session = request.cookies[COOKIE]
      if (session === undefined || session === "") return Option.none<Principal>()
      return yield* tokens.authenticateSession(session).pipe(Effect.orElseSucceed(() => Option.none<Principal>()))
    })

    /** Runs `f` for a viewer with one of `allowed` roles; otherwise the login page or 403. */
    const guarded = <E extends { readonly _tag: string; readonly message: string }, R>(
      allowed: (role: Role) => boolean,
      f: (viewer: Principal) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
    ) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const who = yield* viewer
        if (Option.isNone(who)) return forgetLegacyCookie(request)(seeOther(`/login?next=${encodeURIComponent(request.url)}`))
        if (!allowed(who.value.role)) {
          return html(page("Not allowed", who.value, h(Problem, { title: "Not allowed", message: `The role "${who.value.role}" cannot open this page.` })), 403)
        }
        return yield* f(who.value).pipe(Effect.catchAll(problemPage(who.value)))
      })

    const param = (name: string) => Effect.map(HttpRouter.params, (p) => p[name] ?? "")

    /** A form handler that refuses posts from other sites' pages (SameSite cookies aside). */
    const fromThisSite = <E, R>(handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        if (!crossSite(request)) return yield* handler
        return html(page("Not allowed", undefined, h(Problem, { title: "Not allowed", message: "This form was sent from another site's page." })), 403)
      })

    // --- login -------------------------------------------------------------------------------
    const loginForm = (status: number, next: string, error?: string) =>
      Effect.gen(function*() {
        const none = (yield* tokens.countActive().pipe(Effect.orElseSucceed(() => 1))) === 0
        const hint = none ? "No token exists yet on this database: create one with pilotproof token create --role admin --name \"your name\"." : undefined
        return html(page("Log in", undefined, h(LoginPage, { next, ...(error === undefined ? {} : { error }), ...(hint === undefined ? {} : { hint }) })), status)
      })

    yield* router.get("/login", Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const next = new URL(request.url, ORIGIN).searchParams.get("next") ?? "/"
      return yield* loginForm(200, safeNext(next))
    }))

    yield* router.post("/login", fromThisSite(Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const form = yield* request.urlParamsBody.pipe(Effect.orElseSucceed(() => UrlParams.empty))
      const token = Option.getOrElse(UrlParams.getFirst(form, "token"), () => "").trim()
      const next = safeNext(Option.getOrUndefined(UrlParams.getFirst(form, "next")))
      const client = requestClient(request)
      const refused = yield* Effect.either(throttle.check(client))
      if (Either.isLeft(refused)) {
        const refusal = yield* loginForm(429, next, `${refused.left.message}.`)
        return HttpServerResponse.setHeader(refusal, "retry-after", String(refused.left.retryAfter))
      }
      const opened = yield* Effect.either(tokens.startSession(token))
      // A database that does not answer is no failed login.
      if (Either.isLeft(opened)) return yield* loginForm(503, next, `The token could not be checked: ${opened.left.message}`)
      if (Option.isNone(opened.right)) {
        if (token !== "") yield* throttle.failure(client, token)
        return yield* loginForm(401, next, "That token is unknown or revoked.")
      }
      return seeOther(next).pipe(
        HttpServerResponse.unsafeSetCookie(COOKIE, opened.right.value.session, {
          httpOnly: true,
          sameSite: "strict",
          secure: overHttps(request, secureCookies),
          path: "/",
          expires: new Date(opened.right.value.expiresAt)
        }),
        forgetLegacyCookie(request)
      )
    })))

    yield* router.post("/logout", fromThisSite(Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const session = request.cookies[COOKIE]
      if (session !== undefined && session !== "") yield* tokens.endSession(session).pipe(Effect.ignore)
      return seeOther("/login").pipe(
        HttpServerResponse.unsafeSetCookie(COOKIE, "", { httpOnly: true, sameSite: "strict", path: "/", maxAge: 0 }),
        forgetLegacyCookie(request)
      )
    })))

    // --- pilots ------------------------------------------------------------------------------
    yield* router.get("/", guarded(() => true, (who) =>
      Effect.map(data.list, (rows) => html(page("Pilots", who, h(PilotList, { rows, viewer: who }))))))

    yield* router.get("/pilots/:id", guarded(pagePermissions.pilotPage, (who) =>
      Effect.gen(function*() {
        const id = yield* param("id")
        const request = yield* HttpServerRequest.HttpServerRequest
        const refresh = new URL(request.url, ORIGIN).searchParams.get("refresh") === "1"
        const d = yield* data.pilotPage(id, { refresh })
        return html(page(d.pilot.definition.name, who, h(PilotContent, { data: d, financeLink: pagePermissions.finance(who.role), decideLink: pagePermissions.decide(who.role), runLinks: pagePermissions.run(who.role), rejectsLink: pagePermissions.rejects(who.role) })))
      })))

    const financePage = (who: Principal, id: string, actuals: ActualsState, status = 200) =>
      Effect.map(data.financePage(id), (d) =>
        html(page(`${d.pilot.definition.name}: finance`, who, h(FinanceContent, { data: d, canRecord: pagePermissions.actuals(who.role), actuals })), status))

    yield* router.get("/pilots/:id/finance", guarded(pagePermissions.finance, (who) =>
      Effect.gen(function*() {
        const id = yield* param("id")
        const request = yield* HttpServerRequest.HttpServerRequest
        const recorded = Number(new URL(request.url, ORIGIN).searchParams.get("recorded"))
        return yield* financePage(who, id, Number.isInteger(recorded) && recorded > 0 ? { recorded } : {})
      })))

    // Actuals are role-checked as POST /api/pilots/:id/actuals is (finance, admin); checked whole
    // (every problem at once, nothing recorded unless all is right) by the same rules as the API.
    const recorded = (id: string, n: number) => seeOther(`/pilots/${encodeURIComponent(id)}/finance?recorded=${n}#record-actuals`)

    yield* router.post("/pilots/:id/actuals", fromThisSite(guarded(pagePermissions.actuals, (who) =>
      Effect.gen(function*() {
        const id = yield* param("id")
        const request = yield* HttpServerRequest.HttpServerRequest
        const form = yield* request.urlParamsBody.pipe(Effect.orElseSucceed(() => UrlParams.empty))
        const field = (name: string) => Option.getOrElse(UrlParams.getFirst(form, name), () => "").trim()
        const typed = { month: field("month"), cost: field("cost"), benefit: field("benefit") }
        const csv = `month;cost;benefit\n${typed.month};${typed.cost};${typed.benefit}\n`
        return yield* parseActualsCsv(csv, "the form").pipe(
          Effect.flatMap((rows) => decisions.recordActuals(id, rows, `web form (${who.name})`)),
          Effect.map((n) => recorded(id, n)),
          Effect.catchTag("InputError", (e) => financePage(who, id, { ...typed, error: e.detail.replace(/line 2: /g, "") }, 400))
        )
      }))))

    yield* router.post("/pilots/:id/actuals/import", fromThisSite(guarded(pagePermissions.actuals, (who) =>
      Effect.gen(function*() {
        const id = yield* param("id")
        const request = yield* HttpServerRequest.HttpServerRequest
        const form = yield* Effect.either(request.multipart)
        if (form._tag === "Left") return yield* financePage(who, id, { error: `The upload could not be read: ${form.left.message}` }, 400)
        const files = form.right["file"]
        const upload = uploadedFile(files)
        if (upload === undefined || upload.name === "") return yield* financePage(who, id, { error: "Choose a CSV file of months (month,cost,benefit)." }, 400)
        return yield* parseActualsCsv(readFileSync(upload.path, "utf8"), upload.name).pipe(
          Effect.flatMap((rows) => decisions.recordActuals(id, rows, upload.name)),
          Effect.map((n) => recorded(id, n)),
          Effect.catchTag("InputError", (e) => financePage(who, id, { error: e.message }, 400))
        )
      }))))

    // --- run: start, stop, import, rejects ------------------------------------------------------
    const pilotHeader = (id: string) =>
      Effect.map(registry.show(id), ({ pilot }) => ({
        id,
        name: pilot.definition.name,
        status: pilot.status,
        version: pilot.version,
        // what start freezes: the current version's definition hash (it becomes the design hash)
        hash: pilot.designHash ?? pilot.definitionHash
      }))

    for (const action of ["start", "stop"] as const) {
      yield* router.get(`/pilots/:id/${action}`, guarded(pagePermissions.run, (who) =>
        Effect.gen(function*() {
          const pilot = yield* pilotHeader(yield* param("id"))
          return html(page(`${action === "start" ? "Start" : "Stop"} ${pilot.name}`, who, h(LifecyclePage, { pilot, action })))
        })))
      yield* router.post(`/pilots/:id/${action}`, fromThisSite(guarded(pagePermissions.run, (who) =>
        Effect.gen(function*() {
          const id = yield* param("id")
          return yield* (action === "start" ? registry.start(id) : registry.stop(id)).pipe(
            Effect.as(seeOther(`/pilots/${encodeURIComponent(id)}`)),
            Effect.catchTag("InvalidTransition", (e) =>
              Effect.map(pilotHeader(id), (pilot) => html(page(`${action} ${pilot.name}`, who, h(LifecyclePage, { pilot, action, error: e.message })), 409)))
          )
        }))))
    }

    yield* router.get("/pilots/:id/events", guarded(pagePermissions.run, (who) =>
      Effect.gen(function*() {
        const pilot = yield* pilotHeader(yield* param("id"))
        return html(page(`Import events: ${pilot.name}`, who, h(EventsPage, { pilot })))
      })))

    yield* router.post("/pilots/:id/events", fromThisSite(guarded(pagePermissions.run, (who) =>
      Effect.gen(function*() {
        const id = yield* param("id")
        const pilot = yield* pilotHeader(id)
        const request = yield* HttpServerRequest.HttpServerRequest
        const problem = (message: string, status: number) => html(page(`Import events: ${pilot.name}`, who, h(EventsPage, { pilot, error: message })), status)
        const form = yield* Effect.either(request.multipart)
        if (form._tag === "Left") return problem(`The upload could not be read: ${form.left.message}`, 400)
        const files = form.right["file"]
        const upload = uploadedFile(files)
        if (upload === undefined || upload.name === "") return problem("Choose an event file to import.", 400)
        const format = formatOf(upload.name)
        if (format === undefined) return problem(`${upload.name}: name the file .csv, .tsv, .jsonl or .ndjson`, 400)
        // the file's own name is the import's source: uploading it again changes nothing
        return yield* Effect.gen(function*() {
          const source = yield* eventFileSource(upload.path, { format })
          const summary = yield* importer.run({ pilotId: id, source: upload.name, batches: source.batches })
          yield* snapshots.refreshSoon(id)
          return html(page(`Import events: ${pilot.name}`, who, h(EventsPage, { pilot, summary })))
        }).pipe(
          Effect.catchTags({
            InputError: (e) => Effect.succeed(problem(`${upload.name}: ${e.detail}`, 400)),
            PilotNotRunning: (e) => Effect.succeed(problem(e.message, 409))
          })
        )
      }))))

    yield* router.get("/pilots/:id/rejects", guarded(pagePermissions.rejects, (who) =>
      Effect.gen(function*() {
        const id = yield* param("id")
        const pilot = yield* pilotHeader(id)
        const request = yield* HttpServerRequest.HttpServerRequest
        const source = new URL(request.url, ORIGIN).searchParams.get("source") ?? undefined
        const { rows, total } = yield* importer.rejects(id, 500, source)
        return html(page(`Rejected rows: ${pilot.name}`, who, h(RejectsPage, { pilot, rows, total, source })))
      })))

    // The drill-down of a readiness check: the events or units behind it, role-checked as
    // GET /api/pilots/:id/readiness/:check is.
    yield* router.get("/pilots/:id/readiness/:check", guarded(pagePermissions.rejects, (who) =>
      Effect.gen(function*() {
        const id = yield* param("id")
        const check = yield* param("check")
        const pilot = yield* pilotHeader(id)
        if (!isListedCheck(check)) {
          return html(page("No such check", who, h(Problem, { title: "No such check", message: `"${check}" is not a readiness check with rows to list; those are ${LISTED_CHECKS.join(", ")}.` })), 404)
        }
        const listed = yield* readiness.problems(id, check)
        return html(page(`Readiness, ${check}: ${pilot.name}`, who, h(ReadinessProblemsPage, { pilot, listed })))
      })))

    // --- decide -------------------------------------------------------------------------------
    /** The decide page: the current snapshot's verdict, the forms the viewer may use, the history. */
    const decidePage = (who: Principal, id: string, state: DecideState, status = 200) =>
      Effect.gen(function*() {
        const pilot = yield* registry.show(id)
        const { evaluation } = yield* snapshots.evaluation(id)
        const history = yield* decisions.history(id)
        return html(page(`${pilot.pilot.definition.name}: decide`, who, h(DecidePage, {
          pilot: { id, name: pilot.pilot.definition.name },
          computed: { verdict: evaluation.decision.verdict, reason: evaluation.decision.reason },
          history,
          canOverride: pagePermissions.override(who.role),
          state
        })), status)
      })

    yield* router.get("/pilots/:id/decide", guarded(pagePermissions.decide, (who) =>
      Effect.gen(function*() {
        const id = yield* param("id")
        const request = yield* HttpServerRequest.HttpServerRequest
        const recorded = Number(new URL(request.url, ORIGIN).searchParams.get("recorded"))
        return yield* decidePage(who, id, Number.isInteger(recorded) && recorded > 0 ? { recorded } : {})
      })))

    // Recording is role-checked as POST /api/pilots/:id/decisions is: analysts and owners record,
    // owners and admins override (with a reason; an override to GO against the evidence is shown
    // with its warning first, and recorded only when confirmed).
    yield* router.post("/pilots/:id/decide", fromThisSite(guarded(pagePermissions.decide, (who) =>
      Effect.gen(function*() {
        const id = yield* param("id")
        const request = yield* HttpServerRequest.HttpServerRequest
        const form = yield* request.urlParamsBody.pipe(Effect.orElseSucceed(() => UrlParams.empty))
        const field = (name: string) => Option.getOrElse(UrlParams.getFirst(form, name), () => "").trim()
        const done = (seq: number) => seeOther(`/pilots/${encodeURIComponent(id)}/decide?recorded=${seq}`)
        if (field("action") !== "override") {
          const result = yield* decisions.record(id, { actor: who.name })
          return done(result.recorded.seq)
        }
        if (!mayOverride(who.role)) {
          return html(page("Not allowed", who, h(Problem, { title: "Not allowed", message: `Only the pilot's owner or an admin may override the computed verdict; the role "${who.role}" may record it as computed.` })), 403)
        }
        const verdict = field("verdict")
        const reason = field("reason")
        if (!(VERDICTS as ReadonlyArray<string>).includes(verdict)) {
          return yield* decidePage(who, id, { error: `Choose a verdict: one of ${VERDICTS.join(", ")}.`, reason }, 400)
        }
        if (reason === "") return yield* decidePage(who, id, { error: "An override needs its reason: it is kept in the decision record.", verdict }, 400)
        const { evaluation } = yield* snapshots.evaluation(id)
        const warning = overrideWarning(evaluation.decision.verdict, verdict as Verdict)
        if (warning !== undefined && field("confirm") !== "yes") {
          return yield* decidePage(who, id, { confirm: { verdict, reason, warning } })
        }
        const result = yield* decisions.record(id, { actor: who.name, override: { verdict: verdict as Verdict, reason, by: who.name } })
        return done(result.recorded.seq)
      }))))

    // --- register ------------------------------------------------------------------------------
    const registerPage = (who: Principal, state: RegisterState, status = 200) =>
      html(page("Register a pilot", who, h(RegisterPage, { state })), status)

    yield* router.get("/register", guarded(pagePermissions.register, (who) => Effect.succeed(registerPage(who, {}))))

    yield* router.post("/register", fromThisSite(guarded(pagePermissions.register, (who) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const form = yield* request.multipart.pipe(Effect.mapError((e) => ({ _tag: "InvalidForm", message: `the form could not be read: ${e.message}` })))
        const files = form["file"]
        const upload = uploadedFile(files)
        const uploaded = upload === undefined ? "" : readFileSync(upload.path, "utf8")
        const pasted = typeof form["text"] === "string" ? form["text"] : ""
        const named = typeof form["source"] === "string" && form["source"].trim() !== "" ? form["source"].trim() : "pasted.yaml"
        const useUpload = upload !== undefined && upload.name !== "" && uploaded.trim() !== ""
        const text = useUpload ? uploaded : pasted
        const source = useUpload ? upload.name : named
        if (text.trim() === "") return registerPage(who, { source, message: "Upload a file or paste its text." }, 400)
        return yield* registry.register([{ source, text }]).pipe(
          Effect.map((done) =>
            registerPage(who, {
              done: done.map(({ registration: r }) =>
                `${r.outcome === "created" ? "Registered" : r.outcome === "new-version" ? `New version ${r.version} of` : "Unchanged:"} ${r.pilotId} from ${r.source}.`).join(" ")
            })),
          Effect.catchTags({
            InvalidPilotDefinition: (e) => Effect.succeed(registerPage(who, { text, source, issues: [e] }, 400)),
            InvalidPilotFiles: (e) => Effect.succeed(registerPage(who, { text, source, issues: e.files }, 400)),
            PilotDesignFrozen: (e) => Effect.succeed(registerPage(who, { text, source, message: e.message }, 409))
          })
        )
      }))))

    // --- the guided form ------------------------------------------------------------------------
    const packs = METRIC_PACK_NAMES.filter((n) => packSection(n) === "metrics").map((name) => ({ name, summary: METRIC_PACKS[name].summary }))
    const guidedPage = (who: Principal, state: GuidedState, status = 200) =>
      html(page("Register a pilot, step by step", who, h(GuidedPage, { state, packs, rows: ROWS })), status)

    yield* router.get("/register/guided", guarded(pagePermissions.register, (who) => Effect.succeed(guidedPage(who, { fields: GUIDED_DEFAULTS }))))

    // Check (the plan's estimate and the YAML), download the YAML, or register: the same reader as
    // a pilot file's, every problem at its field; registering is role-checked as POST /api/pilots is.
    /** The guided form's fields as posted (the first value of each name). */
    const guidedFields = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const form = yield* request.urlParamsBody.pipe(Effect.orElseSucceed(() => UrlParams.empty))
      const fields: Record<string, string> = {}
      for (const [k, value] of form) if (!(k in fields)) fields[k] = value
      return fields
    })
    const planView = (report: PlanReport): GuidedPlan => ({
      perArm: report.perArm.planned, days: report.days.needed, planned: report.days.planned, fits: report.days.fits, perDay: report.traffic.perDay, notes: report.notes
    })

    // The live estimate (BrowserScripts.LIVE_ESTIMATE): the planner's answer for the fields as they
    // stand, in the words Check would show; nothing is stored.
    yield* router.post("/register/guided/estimate", fromThisSite(guarded(pagePermissions.register, () =>
      Effect.gen(function*() {
        const { perDay, value } = guidedDefinition(yield* guidedFields)
        const plan = planPilotFile(JSON.stringify(value), "the guided form", perDay === undefined ? {} : { perDay })
        return yield* HttpServerResponse.json(Either.isRight(plan)
          ? { ok: true, text: planSentence(planView(plan.right)) }
          : { ok: false, text: problemsSentence(plan.left.issues) }).pipe(Effect.orDie)
      }))))

    yield* router.post("/register/guided", fromThisSite(guarded(pagePermissions.register, (who) =>
      Effect.gen(function*() {
        const fields = yield* guidedFields
        const { perDay, rows, value } = guidedDefinition(fields)
        const text = JSON.stringify(value)
        const parsed = parsePilotFile(text, "the guided form")
        if (Either.isLeft(parsed)) {
          const issues = parsed.left.issues.map((i) => ({ path: i.path, message: i.message, field: fieldOfIssue(i.path, fields, rows) }))
          return guidedPage(who, { fields, issues }, 400)
        }
        const id = parsed.right.definition.id
        const yaml = pilotYaml(value)
        const intent = fields["intent"] ?? "check"
        if (intent === "yaml") {
          return HttpServerResponse.text(yaml, { contentType: "text/yaml; charset=utf-8", headers: { "content-disposition": `attachment; filename="${id}.yaml"` } })
        }
        if (intent === "register") {
          return yield* registry.register([{ source: `${id}.yaml`, text: yaml }]).pipe(
            Effect.as(seeOther(`/pilots/${encodeURIComponent(id)}`)),
            Effect.catchTags({
              PilotDesignFrozen: (e) => Effect.succeed(guidedPage(who, { fields, yaml, error: e.message }, 409)),
              InvalidPilotDefinition: (e) => Effect.succeed(guidedPage(who, { fields, issues: e.issues.map((i) => ({ path: i.path, message: i.message, field: fieldOfIssue(i.path, fields, rows) })) }, 400)),
              InvalidPilotFiles: (e) => Effect.succeed(guidedPage(who, { fields, yaml, error: e.message }, 400))
            })
          )
        }
        const plan = planPilotFile(text, "the guided form", perDay === undefined ? {} : { perDay })
        return guidedPage(who, {
          fields,
          yaml,
          ...(Either.isRight(plan) ? { plan: planView(plan.right) } : {})
        })
      }))))

    // --- alerts --------------------------------------------------------------------------------
    const alertsPage = (who: Principal, extra: { readonly added?: { readonly id: string; readonly secret: string }; readonly error?: string }, status = 200) =>
      Effect.gen(function*() {
        const targets = yield* alerts.list()
        const outbox = yield* alerts.outbox(20)
        const pilotIds = (yield* registry.list()).map((p) => p.id)
        return html(page("Alerts", who, h(AlertsPage, { targets, outbox, pilots: pilotIds, ...extra })), status)
      })

    yield* router.get("/alerts", guarded(pagePermissions.alerts, (who) => alertsPage(who, {})))

    yield* router.post("/alerts", fromThisSite(guarded(pagePermissions.alerts, (who) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const form = yield* request.urlParamsBody.pipe(Effect.orElseSucceed(() => UrlParams.empty))
        const field = (name: string) => Option.getOrElse(UrlParams.getFirst(form, name), () => "").trim()
        const pilot = field("pilot")
        const chatId = field("chatId")
        return yield* alerts.add({ kind: field("kind"), url: field("url"), ...(pilot === "" ? {} : { pilotId: pilot }), ...(chatId === "" ? {} : { chatId }) }).pipe(
          Effect.flatMap((added) => alertsPage(who, { added }, 201)),
          Effect.catchTags({
            InputError: (e) => alertsPage(who, { error: e.detail }, 400),
            PilotNotFound: (e) => alertsPage(who, { error: e.message }, 400)
          })
        )
      }))))

    yield* router.post("/alerts/:id/remove", fromThisSite(guarded(pagePermissions.alerts, () =>
      Effect.flatMap(param("id"), (id) => Effect.as(alerts.remove(id), seeOther("/alerts"))))))

    // --- tokens --------------------------------------------------------------------------------
    yield* router.get("/tokens", guarded(pagePermissions.tokens, (who) =>
      Effect.map(tokens.list(), (list) => html(page("Tokens", who, h(TokensPage, { tokens: list }))))))

    yield* router.post("/tokens", fromThisSite(guarded(pagePermissions.tokens, (who) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const form = yield* request.urlParamsBody.pipe(Effect.orElseSucceed(() => UrlParams.empty))
        const created = yield* tokens.create(
          Option.getOrElse(UrlParams.getFirst(form, "name"), () => ""),
          Option.getOrElse(UrlParams.getFirst(form, "role"), () => "")
        )
        const list = yield* tokens.list()
        return html(page("Tokens", who, h(TokensPage, { tokens: list, created })), 201)
      }))))

    yield* router.post("/tokens/:id/revoke", fromThisSite(guarded(pagePermissions.tokens, () =>
      Effect.flatMap(param("id"), (id) => Effect.as(tokens.revoke(id), seeOther("/tokens"))))))
  })
)
