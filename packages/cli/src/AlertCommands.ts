/**
 * `pilotproof alert add|list|remove|deliver`: where decisions, verdict changes, SRM alarms and
 * guardrail breaches are sent (Slack, Telegram, any JSON receiver), for every pilot or one.
 */
import { Args, Command, Options } from "@effect/cli"
import { Alerts } from "@pilotproof/engine"
import { Console, Effect, Option } from "effect"
import { formatOption } from "./CommonOptions.js"
import { printJson, table } from "./Output.js"
import { withEngine } from "./Runtime.js"

const addCommand = Command.make("add", {
  kind: Options.choice("kind", ["slack", "telegram", "json"]).pipe(Options.withDescription("slack: an incoming webhook; telegram: a bot's sendMessage URL with --chat-id; json: any receiver")),
  url: Options.text("url").pipe(Options.withDescription("https://hooks.slack.com/services/…, https://api.telegram.org/bot<token>/sendMessage, or your receiver")),
  pilot: Options.text("pilot").pipe(Options.withDescription("only this pilot's alerts (default: every pilot's)"), Options.optional),
  chatId: Options.text("chat-id").pipe(Options.withDescription("Telegram: the chat the bot writes to"), Options.optional),
  secret: Options.text("secret").pipe(Options.withDescription("the HMAC secret that signs each delivery (default: a new one, printed once)"), Options.optional),
  format: formatOption
}, ({ chatId, format, kind, pilot, secret, url }) =>
  withEngine(Effect.gen(function*() {
    const added = yield* (yield* Alerts).add({ kind, url, pilotId: Option.getOrUndefined(pilot), chatId: Option.getOrUndefined(chatId), secret: Option.getOrUndefined(secret) })
    if (format === "json") return yield* printJson(added)
    yield* Console.log(`alert target ${added.id} (${added.kind}) added for ${added.pilotId ?? "every pilot"}`)
    yield* Console.log(`  deliveries are signed: X-Pilotproof-Signature: sha256=HMAC(secret, "<X-Pilotproof-Timestamp>.<body>"), secret ${added.secret} (shown only now)`)
  }))
).pipe(Command.withDescription("Send alerts (decisions, verdict changes, SRM alarms, guardrail breaches) to Slack, Telegram or a JSON receiver."))

const listCommand = Command.make("list", { format: formatOption }, ({ format }) =>
  withEngine(Effect.gen(function*() {
    const alerts = yield* Alerts
    const targets = yield* alerts.list()
    if (format === "json") return yield* printJson({ targets, outbox: yield* alerts.outbox(50) })
    if (targets.length === 0) return yield* Console.log("no alert targets (pilotproof alert add)")
    yield* Console.log(table(["ID", "KIND", "PILOT", "HOST", "CHAT", "ADDED"], targets.map((t) => [t.id, t.kind, t.pilotId ?? "(every pilot)", t.host, t.chatId ?? "", t.createdAt])))
    const outbox = yield* alerts.outbox(10)
    if (outbox.length > 0) {
      yield* Console.log("\nlatest alerts:")
      yield* Console.log(table(["CREATED", "PILOT", "EVENT", "STATE", "ATTEMPTS", "LAST ERROR"], outbox.map((a) => [
        a.created_at, a.pilot_id, a.event, a.delivered_at !== null ? "delivered" : a.failed_at !== null ? "given up" : "due", String(a.attempts), a.last_error ?? ""
      ])))
    }
  }))).pipe(Command.withDescription("List alert targets and the latest alerts."))

const removeCommand = Command.make("remove", { id: Args.text({ name: "target-id" }).pipe(Args.withDescription("the target's id, as alert list shows it")) }, ({ id }) =>
  withEngine(Effect.gen(function*() {
    yield* (yield* Alerts).remove(id)
    yield* Console.log(`alert target ${id} removed`)
  }))).pipe(Command.withDescription("Stop sending alerts to a target."))

const deliverCommand = Command.make("deliver", {}, () =>
  withEngine(Effect.gen(function*() {
    const result = yield* (yield* Alerts).deliverDue()
    yield* Console.log(`${result.delivered} delivered, ${result.retrying} to retry, ${result.givenUp} given up`)
  }))).pipe(Command.withDescription("Send the alerts that are due now (pilotproof serve does this every few seconds)."))

export const alertCommand = Command.make("alert").pipe(
  Command.withDescription("Outbound alerts to Slack, Telegram or any JSON receiver."),
  Command.withSubcommands([addCommand, listCommand, removeCommand, deliverCommand])
)
