/**
 * Frozen migrations, listed in code (never read from a folder at run time, so a bundled CLI
 * migrates the same way). A migration, once released, is never edited: add a new one.
 * Names are ISO-date prefixed so they sort in the order they were written.
 */
import { type Kysely, type Migration, type MigrationProvider, sql } from "kysely"

const migrations: Record<string, Migration> = {
  "2026-11-21T0000_registry": {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("pilots")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("definition_hash", "text", (c) => c.notNull())
        .addColumn("design_hash", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addColumn("started_at", "text")
        .addColumn("stopped_at", "text")
        .execute()
      await db.schema
        .createTable("pilot_versions")
        .addColumn("pilot_id", "text", (c) => c.notNull().references("pilots.id"))
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("definition_hash", "text", (c) => c.notNull())
        .addColumn("definition", "text", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("registered_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("pilot_versions_pk", ["pilot_id", "version"])
        .execute()
      await db.schema
        .createTable("pilot_transitions")
        .addColumn("pilot_id", "text", (c) => c.notNull().references("pilots.id"))
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("from_status", "text", (c) => c.notNull())
        .addColumn("to_status", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("design_hash", "text")
        .addColumn("at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("pilot_transitions_pk", ["pilot_id", "seq"])
        .execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable("pilot_transitions").execute()
      await db.schema.dropTable("pilot_versions").execute()
      await db.schema.dropTable("pilots").execute()
    }
  },
  "2026-11-21T0100_events": {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("events")
        .addColumn("pilot_id", "text", (c) => c.notNull().references("pilots.id"))
        .addColumn("event_id", "text", (c) => c.notNull())
        .addColumn("unit_id", "text", (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("variant", "text")
        .addColumn("value", "double precision")
        .addColumn("ts_ms", "bigint", (c) => c.notNull())
        .addColumn("attributes", "text", (c) => c.notNull())
        .addColumn("phone_key", "text")
        .addColumn("email_key", "text")
        .addColumn("format_flags", "text")
        .addColumn("expected_variant", "text")
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("line", "integer")
        .addColumn("batch_id", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("events_pk", ["pilot_id", "event_id"])
        .execute()
      await db.schema.createIndex("events_by_type_unit").on("events").columns(["pilot_id", "type", "unit_id", "ts_ms"]).execute()
      await db.schema.createIndex("events_by_unit").on("events").columns(["unit_id"]).execute()
      await db.schema.createIndex("events_by_phone").on("events").columns(["pilot_id", "phone_key"]).execute()
      await db.schema.createIndex("events_by_email").on("events").columns(["pilot_id", "email_key"]).execute()
      await db.schema
        .createTable("event_rejects")
        .addColumn("pilot_id", "text", (c) => c.notNull().references("pilots.id"))
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("line", "integer", (c) => c.notNull())
        .addColumn("unit_id", "text")
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("raw", "text", (c) => c.notNull())
        .addColumn("batch_id", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("event_rejects_pk", ["pilot_id", "source", "line"])
        .execute()
      await db.schema
        .createTable("imports")
        .addColumn("batch_id", "text", (c) => c.primaryKey())
        .addColumn("pilot_id", "text", (c) => c.notNull().references("pilots.id"))
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("first_delivery", "integer", (c) => c.notNull())
        .addColumn("started_at", "text", (c) => c.notNull())
        .addColumn("finished_at", "text")
        .addColumn("accepted", "integer", (c) => c.notNull())
        .addColumn("duplicates", "integer", (c) => c.notNull())
        .addColumn("rejected", "integer", (c) => c.notNull())
        .execute()
      await db.schema
        .createTable("erasures")
        .addColumn("erasure_id", "text", (c) => c.primaryKey())
        .addColumn("subject_hash", "text", (c) => c.notNull())
        .addColumn("erased_at", "text", (c) => c.notNull())
        .addColumn("events_deleted", "integer", (c) => c.notNull())
        .addColumn("rejects_deleted", "integer", (c) => c.notNull())
        .addColumn("pilots", "text", (c) => c.notNull())
        .execute()
    },
    async down(db: Kysely<any>) {
      for (const table of ["erasures", "imports", "event_rejects", "events"]) await db.schema.dropTable(table).execute()
    }
  },
  "2026-11-21T0200_decisions": {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("decisions")
        .addColumn("pilot_id", "text", (c) => c.notNull().references("pilots.id"))
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("decided_at", "text", (c) => c.notNull())
        .addColumn("as_of", "text", (c) => c.notNull())
        .addColumn("design_hash", "text", (c) => c.notNull())
        .addColumn("computed_verdict", "text", (c) => c.notNull())
        .addColumn("verdict", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("override_verdict", "text")
        .addColumn("override_reason", "text")
        .addColumn("override_by", "text")
        .addColumn("record", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("decisions_pk", ["pilot_id", "seq"])
        .execute()
      await db.schema
        .createTable("actuals")
        .addColumn("pilot_id", "text", (c) => c.notNull().references("pilots.id"))
        .addColumn("month", "text", (c) => c.notNull())
        .addColumn("cost", "double precision", (c) => c.notNull())
        .addColumn("benefit", "double precision", (c) => c.notNull())
        .addColumn("recorded_at", "text", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("actuals_pk", ["pilot_id", "month"])
        .execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable("actuals").execute()
      await db.schema.dropTable("decisions").execute()
    }
  },
  "2026-11-21T0300_tokens": {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("tokens")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull().unique())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("revoked_at", "text")
        .execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable("tokens").execute()
    }
  },
  "2026-11-21T0400_sessions": {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("sessions")
        .addColumn("hash", "text", (c) => c.primaryKey())
        .addColumn("token_id", "text", (c) => c.notNull().references("tokens.id"))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .addColumn("ended_at", "text")
        .execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable("sessions").execute()
    }
  },
  // data versions, results snapshots, and the snapshot a decision came from
  "2026-12-02T0000_snapshots": {
    async up(db: Kysely<any>) {
      await db.schema.alterTable("pilots").addColumn("data_version", "integer", (c) => c.notNull().defaultTo(0)).execute()
      await db.schema
        .createTable("analysis_snapshots")
        .addColumn("pilot_id", "text", (c) => c.primaryKey().references("pilots.id"))
        .addColumn("snapshot_id", "text", (c) => c.notNull())
        .addColumn("definition_hash", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("data_version", "integer", (c) => c.notNull())
        .addColumn("computed_at", "text", (c) => c.notNull())
        .addColumn("snapshot", "text", (c) => c.notNull())
        .execute()
      await db.schema.alterTable("decisions").addColumn("snapshot_id", "text").execute()
      // covering indexes for "one person under two unit ids": the readiness check groups by key
      // and counts distinct units without reading the table
      await db.schema.createIndex("events_by_phone_unit").on("events").columns(["pilot_id", "phone_key", "unit_id"]).execute()
      await db.schema.createIndex("events_by_email_unit").on("events").columns(["pilot_id", "email_key", "unit_id"]).execute()
      await db.schema.dropIndex("events_by_phone").execute()
      await db.schema.dropIndex("events_by_email").execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.createIndex("events_by_phone").on("events").columns(["pilot_id", "phone_key"]).execute()
      await db.schema.createIndex("events_by_email").on("events").columns(["pilot_id", "email_key"]).execute()
      await db.schema.dropIndex("events_by_phone_unit").execute()
      await db.schema.dropIndex("events_by_email_unit").execute()
      await db.schema.alterTable("decisions").dropColumn("snapshot_id").execute()
      await db.schema.dropTable("analysis_snapshots").execute()
      await db.schema.alterTable("pilots").dropColumn("data_version").execute()
    }
  },
  // cluster-randomized pilots: the cluster an exposure names, moved out of the attributes
  "2026-12-03T0000_event_clusters": {
    async up(db: Kysely<any>) {
      await db.schema.alterTable("events").addColumn("cluster_id", "text").execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable("events").dropColumn("cluster_id").execute()
    }
  },
  // the schema version a snapshot was computed with: a snapshot of an older engine is stale
  "2026-12-03T0100_snapshot_schema": {
    async up(db: Kysely<any>) {
      await db.schema.alterTable("analysis_snapshots").addColumn("schema_version", "integer", (c) => c.notNull().defaultTo(1)).execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable("analysis_snapshots").dropColumn("schema_version").execute()
    }
  },
  // The aggregation index covers what the aggregations read of an event (its variant and value
  // besides pilot, type, unit and time), so the per-unit steps never visit the table: about a
  // third off every analysis on SQLite. It replaces the narrower index it extends. Two partial
  // indexes hold the rare rows readiness counts (a malformed phone or e-mail, an exposure that
  // disagrees with the assignment), so it no longer reads every event's row to find them.
  "2026-12-04T0000_aggregation_indexes": {
    async up(db: Kysely<any>) {
      await db.schema.createIndex("events_by_type_unit_covering").on("events")
        .columns(["pilot_id", "type", "unit_id", "ts_ms", "variant", "value"]).execute()
      await db.schema.dropIndex("events_by_type_unit").execute()
      await db.schema.createIndex("events_with_format_flags").on("events").column("pilot_id")
        .where(sql.ref("format_flags"), "is not", null).execute()
      await db.schema.createIndex("events_with_expected_variant").on("events").columns(["pilot_id", "type"])
        .where(sql.ref("expected_variant"), "is not", null).execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex("events_with_expected_variant").execute()
      await db.schema.dropIndex("events_with_format_flags").execute()
      await db.schema.createIndex("events_by_type_unit").on("events").columns(["pilot_id", "type", "unit_id", "ts_ms"]).execute()
      await db.schema.dropIndex("events_by_type_unit_covering").execute()
    }
  },
  // CRM connectors (one per CRM account, with its secret) and the Bitrix24 deals whose fetch
  // failed, kept until a retry fetches them
  "2026-12-07T0000_crm_connectors": {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("connectors")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("secret_hash", "text")
        .addColumn("signing_secret", "text")
        .addColumn("portal_url", "text")
        .addColumn("account", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("revoked_at", "text")
        .execute()
      await db.schema
        .createTable("connector_pending")
        .addColumn("connector_id", "text", (c) => c.notNull().references("connectors.id"))
        .addColumn("entity_id", "text", (c) => c.notNull())
        .addColumn("received_at", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull())
        .addColumn("last_error", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("connector_pending_pk", ["connector_id", "entity_id"])
        .execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable("connector_pending").execute()
      await db.schema.dropTable("connectors").execute()
    }
  },
  // outbound alerts: where to send them (Slack, Telegram, any JSON receiver), and the outbox a
  // background job delivers from, with retries
  "2026-12-07T0100_alerts": {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("alert_targets")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("pilot_id", "text")
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("chat_id", "text")
        .addColumn("secret", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("removed_at", "text")
        .execute()
      await db.schema
        .createTable("alert_outbox")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("target_id", "text", (c) => c.notNull().references("alert_targets.id"))
        .addColumn("pilot_id", "text", (c) => c.notNull())
        .addColumn("event", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("content_type", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull())
        .addColumn("next_at", "text", (c) => c.notNull())
        .addColumn("delivered_at", "text")
        .addColumn("failed_at", "text")
        .addColumn("last_error", "text")
        .execute()
      await db.schema.createIndex("alert_outbox_due").on("alert_outbox").columns(["delivered_at", "failed_at", "next_at"]).execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable("alert_outbox").execute()
      await db.schema.dropTable("alert_targets").execute()
    }
  }
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations
}
