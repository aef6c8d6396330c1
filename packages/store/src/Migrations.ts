/**
 * Frozen migrations, listed in code (never read from a folder at run time, so a bundled CLI
 * migrates the same way). A migration, once released, is never edited: add a new one.
 * Names are ISO-date prefixed so they sort in the order they were written.
 */
import type { Kysely, Migration, MigrationProvider } from "kysely"

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
  }
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations
}
