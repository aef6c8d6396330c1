/**
 * The `pilotproof` command tree.
 */
import { Command, Options } from "@effect/cli"
import { Config, Redacted } from "effect"
import { alertCommand } from "./AlertCommands.js"
import { analysisCommands } from "./AnalysisCommands.js"
import { connectorCommand } from "./ConnectorCommands.js"
import { demoCommand } from "./DemoCommand.js"
import { assignCommand, eraseCommand, eventsCommand, readinessCommand, simulateCommand } from "./EventCommands.js"
import { pilotCommand } from "./PilotCommands.js"
import { planCommand } from "./PlanCommand.js"
import { DatabaseLocation } from "./Runtime.js"
import { serverCommands } from "./ServerCommands.js"

const dbOption = Options.redacted("db").pipe(
  Options.withDescription("SQLite file path or postgres:// URL (default: PILOTPROOF_DB, else ./pilotproof.db); a password in it is never printed"),
  Options.withFallbackConfig(Config.redacted("PILOTPROOF_DB").pipe(Config.withDefault(Redacted.make("./pilotproof.db"))))
)

export const rootCommand = Command.make("pilotproof", { db: dbOption }).pipe(
  Command.withDescription("Pilotproof: does the AI pilot work, and does it pay back?"),
  Command.withSubcommands([pilotCommand, planCommand, eventsCommand, connectorCommand, alertCommand, assignCommand, readinessCommand, eraseCommand, simulateCommand, ...analysisCommands, demoCommand, ...serverCommands]),
  Command.provideSync(DatabaseLocation, ({ db }) => db)
)

export const cli = Command.run(rootCommand, { name: "pilotproof", version: "0.1.0" })

/**
 * `--db` belongs to the root command, but people write it anywhere (`pilotproof serve --db x
 * --port 8081`); @effect/cli 0.77 finds a parent's option only before the subcommand or after
 * everything else. So `--db <location>` and `--db=<location>` move to the front (never past `--`).
 * (A value that is itself the text `--db`, as in `--name --db`, would be taken for the option.)
 */
export const hoistRootOptions = (argv: ReadonlyArray<string>): Array<string> => {
  const [node = "node", script = "pilotproof", ...args] = argv
  const root: Array<string> = []
  const rest: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") {
      rest.push(...args.slice(i))
      break
    }
    if (arg === "--db" && i + 1 < args.length) root.push(arg, args[++i]!)
    else if (arg.startsWith("--db=")) root.push(arg)
    else rest.push(arg)
  }
  return [node, script, ...root, ...rest]
}
