export * from "./Cli.js"
export * from "./Output.js"
export * from "./PilotCommands.js"
export * from "./Runtime.js"
