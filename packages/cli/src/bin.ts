#!/usr/bin/env node
/**
 * The `pilotproof` executable: composes the platform layer and runs the command tree.
 * Exit codes: 0 success, 1 a failure the message explains, 2 a command-line usage error.
 */
import { ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Effect, Exit, Option } from "effect"
import { cli, hoistRootOptions } from "./Cli.js"

const isUsageError = (cause: Cause.Cause<unknown>) =>
  Option.match(Cause.failureOption(cause), { onNone: () => false, onSome: ValidationError.isValidationError })

const report = (cause: Cause.Cause<unknown>) =>
  Option.match(Cause.failureOption(cause), {
    // Usage errors were already printed by the command parser, with help.
    onSome: (error) => (ValidationError.isValidationError(error) ? Effect.void : Console.error(`error: ${(error as Error).message}`)),
    onNone: () =>
      Cause.isInterruptedOnly(cause) ? Effect.void : Console.error(`internal error (please report it):\n${Cause.pretty(cause)}`)
  })

cli(hoistRootOptions(process.argv)).pipe(
  Effect.tapErrorCause(report),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) ? 0 : isUsageError(exit.cause) ? 2 : 1)
  })
)
