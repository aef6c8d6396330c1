/**
 * The database as Kysely sees it. Column names are snake_case in SQL; timestamps of registry
 * records are ISO 8601 text (UTC), identical in SQLite and PostgreSQL. Columns that hold one of
 * the domain's literal unions (status, action, verdict, role) are typed with it: only this
 * package writes them, always from those types.
 */
import type { ErasureRecord, LifecycleAction, PilotStatus, RejectRecord, Role, Verdict } from "@pilotproof/domain"
import type { Types } from "effect"
import type { Generated } from "kysely"

type Mutable<T> = Types.Mutable<T>

export interface PilotsTable {
  id: string
  status: PilotStatus
  version: number
  definition_hash: string
  /** Set once, when the pilot starts: the hash of the frozen design (the pre-registration). */
  design_hash: string | null
  created_at: string
  updated_at: string
  started_at: string | null
  stopped_at: string | null
  /** Bumped in the transaction of every write that changes the pilot's results (import batch, erasure, actuals). */
  data_version: Generated<number>
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
  action: LifecycleAction
  from_status: PilotStatus
  to_status: PilotStatus
  version: number
  design_hash: string | null
  at: string
}

export interface EventsTable {
  pilot_id: string
  /** Given by the source, or a stable hash of the row: re-delivering an event is harmless. */
  event_id: string
  /** The unit id as received, or its keyed HMAC when pseudonymization is on. */
  unit_id: string
  type: string
  variant: string | null
  value: number | null
  /** Epoch milliseconds (UTC); windows and as-of cut-offs are integer arithmetic on both dialects. */
  ts_ms: number
  /** JSON object of string attributes (extra columns; identity attributes removed when pseudonymizing). */
  attributes: string
  /** The normalized E.164 phone (or its keyed HMAC), for spotting one person under two unit ids. */
  phone_key: string | null
  /** The normalized e-mail (or its keyed HMAC). */
  email_key: string | null
  /** Comma-separated format problems of the row (`phone`, `email`), for the readiness report. */
  format_flags: string | null
  /** For an exposure whose variant disagrees with the pilot's assignment: the assigned variant. */
  expected_variant: string | null
  /**
   * Cluster-randomized pilots: the cluster (manager) the event's unit was handled by, from the
   * pilot's `clusterField` attribute (its keyed HMAC when pseudonymizing); null otherwise.
   */
  cluster_id: string | null
  source: string
  line: number | null
  batch_id: string
}

/** A rejected row (the domain's `RejectRecord`). */
export interface EventRejectsTable extends Mutable<RejectRecord> {}

export interface ImportsTable {
  batch_id: string
  pilot_id: string
  source: string
  /** 1 for the first import of this source into the pilot, 0 for a re-delivery. */
  first_delivery: number
  started_at: string
  finished_at: string | null
  accepted: number
  duplicates: number
  rejected: number
}

/** One erasure (the domain's `ErasureRecord`). */
export interface ErasuresTable extends Mutable<ErasureRecord> {}

/**
 * A CRM connector: one CRM account sending webhooks. A URL secret (amoCRM, Salesforce) and a
 * Bitrix24 application token are stored as SHA-256 only; HubSpot's client secret is kept as
 * given, because checking its signatures needs it (as the portal URL of Bitrix24's REST does).
 */
export interface ConnectorsTable {
  id: string
  source: string
  name: string
  secret_hash: string | null
  signing_secret: string | null
  portal_url: string | null
  /** The CRM account the connector answers for: Salesforce organization id, amoCRM account id. */
  account: string | null
  created_at: string
  revoked_at: string | null
}

/** A Bitrix24 deal whose `crm.deal.get` failed: fetched again by a retry, then deleted. */
export interface ConnectorPendingTable {
  connector_id: string
  entity_id: string
  received_at: string
  attempts: number
  last_error: string
}

/** Where alerts go: every pilot's (`pilot_id` null) or one pilot's. The HMAC secret signs each delivery. */
export interface AlertTargetsTable {
  id: string
  pilot_id: string | null
  /** slack | telegram | json */
  kind: string
  url: string
  /** Telegram: the chat the bot writes to. */
  chat_id: string | null
  secret: string
  created_at: string
  removed_at: string | null
}

/** An alert to deliver: its body as sent, its attempts; delivered or given up, or due at `next_at`. */
export interface AlertOutboxTable {
  id: string
  target_id: string
  pilot_id: string
  event: string
  body: string
  content_type: string
  created_at: string
  attempts: number
  next_at: string
  delivered_at: string | null
  failed_at: string | null
  last_error: string | null
}

/** Append-only: a row is never updated or deleted; an override is stored beside the computed verdict. */
export interface DecisionsTable {
  pilot_id: string
  seq: number
  decided_at: string
  /** The moment the data was analysed as of. */
  as_of: string
  design_hash: string
  computed_verdict: Verdict
  /** The verdict in force: the override when there is one, else the computed verdict. */
  verdict: Verdict
  reason: string
  actor: string
  override_verdict: Verdict | null
  override_reason: string | null
  override_by: string | null
  /** JSON: the analysis snapshot, the economics and the decision with every check. */
  record: string
  /** The results snapshot the decision was made on; null when it was computed for an explicit as-of. */
  snapshot_id: string | null
}

/** One results snapshot per pilot: the latest computed (`StoredSnapshot` JSON). */
export interface AnalysisSnapshotsTable {
  pilot_id: string
  snapshot_id: string
  definition_hash: string
  status: PilotStatus
  data_version: number
  computed_at: string
  snapshot: string
  /** `SNAPSHOT_SCHEMA_VERSION` of the code that computed it (1 before the column existed). */
  schema_version: number
}

/** What finance reports after scale-up, per calendar month. */
export interface ActualsTable {
  pilot_id: string
  /** YYYY-MM */
  month: string
  cost: number
  benefit: number
  recorded_at: string
  source: string
}

/** API tokens: only the SHA-256 of a token is stored; the token itself is shown once. */
export interface TokensTable {
  id: string
  name: string
  /** owner | analyst | finance | admin */
  role: Role
  /** Hex SHA-256 of the token. */
  hash: string
  created_at: string
  revoked_at: string | null
}

/**
 * Web sessions: a browser logs in with a token once and then holds a session key, never the
 * token. Only the key's SHA-256 is stored; a session ends at logout, at expiry, or with its token.
 */
export interface SessionsTable {
  /** Hex SHA-256 of the session key. */
  hash: string
  token_id: string
  created_at: string
  /** ISO 8601 UTC, compared as text (the format sorts in time order). */
  expires_at: string
  ended_at: string | null
}

export interface DatabaseSchema {
  tokens: TokensTable
  connectors: ConnectorsTable
  alert_targets: AlertTargetsTable
  alert_outbox: AlertOutboxTable
  connector_pending: ConnectorPendingTable
  sessions: SessionsTable
  decisions: DecisionsTable
  analysis_snapshots: AnalysisSnapshotsTable
  actuals: ActualsTable
  pilots: PilotsTable
  pilot_versions: PilotVersionsTable
  pilot_transitions: PilotTransitionsTable
  events: EventsTable
  event_rejects: EventRejectsTable
  imports: ImportsTable
  erasures: ErasuresTable
}

