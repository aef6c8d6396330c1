export * from "./DesignHash.js"
export * from "./PilotFile.js"
export * from "./PilotRegistry.js"
