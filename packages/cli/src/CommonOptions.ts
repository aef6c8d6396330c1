/** The argument and option several commands share, described once. */
import { Args, Options } from "@effect/cli"
import { type Format, formats } from "./Output.js"

/** `<pilot-id>` */
export const pilotIdArg = Args.text({ name: "pilot-id" }).pipe(Args.withDescription("the pilot's id, e.g. support-bot-lead-qualification"))

/** `--format table | json` */
export const formatOption = Options.choice("format", formats).pipe(
  Options.withDescription("table for people, json for programs (the documented contract, as the API returns it)"),
  Options.withDefault<Format>("table")
)
