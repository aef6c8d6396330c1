/**
 * `pilotproof connector add|list|revoke|retry`: one connector per CRM account. `add` prints the
 * webhook URL to paste into the CRM (with its secret, shown once, for amoCRM and Salesforce).
 */
import { Args, Command, Options } from "@effect/cli"
import { Connectors } from "@pilotproof/engine"
import { Console, Effect, Option } from "effect"
import { formatOption } from "./CommonOptions.js"
import { printJson, table } from "./Output.js"
import { withEngine } from "./Runtime.js"

const idArg = Args.text({ name: "connector-id" }).pipe(Args.withDescription("the connector's id, as in a pilot's crm: mapping (e.g. amo-main)"))

const addCommand = Command.make("add", {
  id: idArg,
  source: Options.choice("source", ["amocrm", "bitrix24", "hubspot", "salesforce"]).pipe(Options.withDescription("which CRM sends to it")),
  name: Options.text("name").pipe(Options.withDescription("a name for people (default: the id)"), Options.optional),
  secret: Options.text("secret").pipe(Options.withDescription("HubSpot: the app's client secret; Bitrix24: the handler's application token"), Options.optional),
  portal: Options.text("portal").pipe(Options.withDescription("Bitrix24: the inbound webhook URL of the portal's REST, https://<portal>/rest/<user>/<code>/"), Options.optional),
  account: Options.text("account").pipe(Options.withDescription("Salesforce: the organization id (required); amoCRM: the account id or subdomain; Bitrix24: the portal's domain; HubSpot: the portal id"), Options.optional),
  url: Options.text("public-url").pipe(Options.withDescription("where the CRM reaches this server (printed in the webhook URL)"), Options.withDefault("https://pilotproof.example.com")),
  format: formatOption
}, ({ account, format, id, name, portal, secret, source, url }) =>
  withEngine(Effect.gen(function*() {
    const created = yield* (yield* Connectors).register({
      id,
      source,
      name: Option.getOrUndefined(name),
      secret: Option.getOrUndefined(secret),
      portalUrl: Option.getOrUndefined(portal),
      account: Option.getOrUndefined(account)
    })
    const webhook = `${url.replace(/\/+$/, "")}${created.webhookPath}`
    if (format === "json") return yield* printJson({ ...created, webhook })
    yield* Console.log(`connector ${created.id} (${created.source}) registered`)
    yield* Console.log(`  webhook URL for ${created.source}: ${webhook}`)
    if (created.urlSecret !== undefined) yield* Console.log("  the URL holds the connector's secret, shown only now: keep it like a password")
    yield* Console.log(`  map it in a pilot's crm: section as connector: ${created.id}`)
  }))
).pipe(Command.withDescription("Register a CRM account's connector and print its webhook URL."))

const listCommand = Command.make("list", { format: formatOption }, ({ format }) =>
  withEngine(Effect.gen(function*() {
    const rows = yield* (yield* Connectors).list()
    if (format === "json") return yield* printJson(rows)
    if (rows.length === 0) return yield* Console.log("no connectors (pilotproof connector add)")
    yield* Console.log(table(["ID", "SOURCE", "NAME", "ACCOUNT", "CREATED", "REVOKED"], rows.map((r) => [r.id, r.source, r.name, r.account ?? "", r.created_at, r.revoked_at ?? ""])))
  }))).pipe(Command.withDescription("List connectors."))

const revokeCommand = Command.make("revoke", { id: idArg }, ({ id }) =>
  withEngine(Effect.gen(function*() {
    yield* (yield* Connectors).revoke(id)
    yield* Console.log(`connector ${id} revoked: its webhooks are refused from now on`)
  }))).pipe(Command.withDescription("Revoke a connector: its webhook URL stops working."))

const retryCommand = Command.make("retry", { id: idArg, format: formatOption }, ({ format, id }) =>
  withEngine(Effect.gen(function*() {
    const result = yield* (yield* Connectors).retry(id)
    if (format === "json") return yield* printJson(result)
    yield* Console.log(`${id}: ${result.pending} deals waiting; ${result.fetched} fetched and stored, ${result.failed} still failing`)
  }))).pipe(Command.withDescription("Fetch again the Bitrix24 deals whose crm.deal.get failed."))

export const connectorCommand = Command.make("connector").pipe(
  Command.withDescription("CRM connectors: amoCRM, Bitrix24, HubSpot and Salesforce webhooks."),
  Command.withSubcommands([addCommand, listCommand, revokeCommand, retryCommand])
)
