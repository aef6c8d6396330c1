/**
 * The database as Kysely sees it. Column names are snake_case in SQL; timestamps of registry
 * records are ISO 8601 text (UTC), identical in SQLite and PostgreSQL.
 */
import type { Generated } from "kysely"

export interface PilotsTable {
  id: string
  status: string
  version: number
  definition_hash: string
  /** Set once, when the pilot starts: the hash of the frozen design (the pre-registration). */
  design_hash: string | null
  created_at: string
  updated_at: string
  started_at: string | null
  stopped_at: string | null
}

export interface PilotVersionsTable {
  pilot_id: string
  version: number
  definition_hash: string
  /** Canonical JSON of the encoded definition. */
  definition: string
  source: string
  registered_at: string
}

export interface PilotTransitionsTable {
  pilot_id: string
  seq: number
  action: string
  from_status: string
  to_status: string
  version: number
  design_hash: string | null
  at: string
}

export interface DatabaseSchema {
  pilots: PilotsTable
  pilot_versions: PilotVersionsTable
  pilot_transitions: PilotTransitionsTable
}

/** Kept for migrations that add generated columns later. */
export type { Generated }
