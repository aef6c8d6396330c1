/**
 * `pilotproof token …`, `pilotproof serve` and `pilotproof report`: the HTTP server, its access
 * tokens, and a self-contained HTML report of one pilot.
 */
import { Args, Command, Options } from "@effect/cli"
import { InputError } from "@pilotproof/domain"
import { ROLES } from "@pilotproof/domain"
import { Tokens } from "@pilotproof/engine"
import { renderReport, serve } from "@pilotproof/server"
import { Config, Console, Effect } from "effect"
import { writeFileSync } from "node:fs"
import { printJson, table } from "./Output.js"
import { formatOption, pilotIdArg } from "./CommonOptions.js"
import { DatabaseLocation, withEngine } from "./Runtime.js"

const createToken = Command.make("create", {
  role: Options.choice("role", ROLES).pipe(Options.withDescription("owner | analyst | finance | admin")),
  name: Options.text("name").pipe(Options.withDescription("who or what uses the token"))
}, ({ name, role }) =>
  withEngine(Effect.gen(function*() {
    const { info, token } = yield* (yield* Tokens).create(name, role)
    yield* Console.log(token)
    yield* Console.error(`created ${info.role} token "${info.name}" (id ${info.id}); it is shown only now: only its SHA-256 is stored`)
  }))
).pipe(Command.withDescription("Create an API token for a role and print it once."))

const listTokens = Command.make("list", { format: formatOption }, ({ format }) =>
  withEngine(Effect.gen(function*() {
    const tokens = yield* (yield* Tokens).list()
    if (format === "json") return yield* printJson(tokens)
    yield* Console.log(table(["ID", "NAME", "ROLE", "CREATED", "REVOKED"], tokens.map((t) => [t.id, t.name, t.role, t.createdAt, t.revokedAt ?? ""])))
  }))
).pipe(Command.withDescription("List tokens (never the tokens themselves)."))

const revokeToken = Command.make("revoke", { id: Args.text({ name: "token-id" }).pipe(Args.withDescription("the token's id, as token list shows it (not the token itself)")) }, ({ id }) =>
  withEngine(Effect.gen(function*() {
    const done = yield* (yield* Tokens).revoke(id)
    if (!done) return yield* new InputError({ source: id, detail: "no active token with this id (pilotproof token list)" })
    yield* Console.log(`revoked token ${id}`)
  }))
).pipe(Command.withDescription("Revoke a token by id."))

const tokenCommand = Command.make("token").pipe(
  Command.withDescription("API and web tokens: create (shown once), list, revoke."),
  Command.withSubcommands([createToken, listTokens, revokeToken])
)

const serveCommand = Command.make("serve", {
  port: Options.integer("port").pipe(
    Options.withDescription("port to listen on (default: PILOTPROOF_PORT, else 8080; 0 picks a free one)"),
    Options.withFallbackConfig(Config.integer("PILOTPROOF_PORT").pipe(Config.withDefault(8080)))
  ),
  host: Options.text("host").pipe(Options.withDescription("interface to listen on (0.0.0.0 for every one)"), Options.withDefault("127.0.0.1")),
  bootstrapAdmin: Options.boolean("bootstrap-admin").pipe(
    Options.withDescription("on a database without tokens, create an admin token and print it once")
  )
}, ({ bootstrapAdmin, host, port }) =>
  Effect.flatMap(DatabaseLocation, (location) => serve({ location, port, host, bootstrapAdmin }))
).pipe(Command.withDescription("Serve the HTTP API (/api, OpenAPI at /api/openapi.json) and the web pages."))

const reportCommand = Command.make("report", {
  pilot: pilotIdArg,
  out: Options.file("out").pipe(Options.withDescription("the HTML file to write"), Options.withDefault("report.html"))
}, ({ out, pilot }) =>
  withEngine(Effect.gen(function*() {
    const html = yield* renderReport(pilot)
    yield* Effect.try({
      try: () => writeFileSync(out, html),
      catch: (e) => new InputError({ source: out, detail: `cannot write the report: ${(e as Error).message}` })
    })
    yield* Console.log(`wrote ${out} (${Math.round(html.length / 1024)} KiB, self-contained: open it in any browser)`)
  }))
).pipe(Command.withDescription("Write a self-contained HTML report of a pilot (design, readiness, results, charts, decision, economics)."))

export const serverCommands = [tokenCommand, serveCommand, reportCommand] as const
