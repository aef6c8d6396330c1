export * from "./ApiHandlers.js"
export * from "./AuthenticationLive.js"
export * from "./EngineLayer.js"
export * from "./Server.js"
