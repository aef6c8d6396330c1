/**
 * The `pilotproof` command tree.
 */
import { Command, Options } from "@effect/cli"
import { Config } from "effect"
import { analysisCommands } from "./AnalysisCommands.js"
import { demoCommand } from "./DemoCommand.js"
import { assignCommand, eraseCommand, eventsCommand, readinessCommand, simulateCommand } from "./EventCommands.js"
import { pilotCommand } from "./PilotCommands.js"
import { DatabaseLocation } from "./Runtime.js"
import { serverCommands } from "./ServerCommands.js"

const dbOption = Options.text("db").pipe(
  Options.withDescription("SQLite file path or postgres:// URL (default: PILOTPROOF_DB, else ./pilotproof.db)"),
  Options.withFallbackConfig(Config.string("PILOTPROOF_DB").pipe(Config.withDefault("./pilotproof.db")))
)

export const rootCommand = Command.make("pilotproof", { db: dbOption }).pipe(
  Command.withDescription("Pilotproof: does the AI pilot work, and does it pay back?"),
  Command.withSubcommands([pilotCommand, eventsCommand, assignCommand, readinessCommand, eraseCommand, simulateCommand, ...analysisCommands, demoCommand, ...serverCommands]),
  Command.provideSync(DatabaseLocation, ({ db }) => db)
)

export const cli = Command.run(rootCommand, { name: "pilotproof", version: "0.1.0" })
