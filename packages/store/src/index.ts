export * from "./Database.js"
export type * from "./DatabaseSchema.js"
export * from "./Migrations.js"
export * from "./PilotRepo.js"
