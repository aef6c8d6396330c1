/**
 * A pilot's exposed units as of a moment, one row per unit: its first exposure, its first
 * variant, the moment a second variant appears (null while it has one), whether its latest
 * consent event grants consent and when it first granted it, and its cluster. Every aggregation starts from these rows, so a
 * snapshot — readiness, every metric, the novelty weeks, the segments, the effect over time —
 * reads them once: `withExposedUnits` materializes them in a temporary table for the effect it
 * runs, and the aggregation queries of that pilot and moment read the table instead of grouping
 * the exposures again.
 *
 * A unit's first exposure and variant come from its earliest exposure of each variant; a unit
 * seen in a second variant gets the moment it appeared there (rank 2 by earliest exposure). The
 * same rows serve an earlier moment t (the effect-over-time chart): a unit is analysed as of t
 * when its first exposure is at or before t and its second variant, if any, appears after t.
 */
import { CONSENT, EXPOSURE } from "@pilotproof/domain"
import { type CompiledQuery, type Kysely, type SelectQueryBuilder, sql } from "kysely"
import type { DatabaseSchema } from "./DatabaseSchema.js"

type Db = Kysely<DatabaseSchema>

/** The scope the rows are computed for: the pilot and the moment (events after it are ignored). */
export interface ExposedUnitsScope {
  readonly pilotId: string
  readonly asOfMs: number
  /** A cluster-randomized pilot: each unit's cluster is collected too (otherwise `cluster_id` is null). */
  readonly clustered?: boolean
}

/** One exposed unit as the table holds it. */
export interface ExposedUnitRow {
  readonly unit_id: string
  readonly first_ts: number
  readonly variant: string | null
  /** The first exposure of its second variant; null when it has been seen in one only. */
  readonly until_ts: number | null
  /** 1 when its latest consent event (value 0 withdraws) grants consent, else 0. */
  readonly consented: number
  /** Its first consent event that grants consent; null without any. Consent as of an earlier moment starts here for a unit that never withdrew. */
  readonly granted_ts: number | null
  /** The `cluster_id` its exposures name (the smallest, should they differ). */
  readonly cluster_id: string | null
  /** 1 for a unit whose exposures name more than one variant (its row is then from its ranked variants), else 0. */
  readonly multi: number
}

/** The consent events of the scope's pilot up to its moment. */
const consentEvents = (db: Db, scope: ExposedUnitsScope) =>
  db
    .selectFrom("events")
    .where("pilot_id", "=", scope.pilotId)
    .where("type", "=", CONSENT)
    .where("ts_ms", "<=", scope.asOfMs)

/** A consent event's value grants consent unless it is 0 (a withdrawal); no value grants. */
const grants = sql<boolean>`coalesce(value, 1) <> 0`

/** Whether a unit's latest consent event, among the events grouped, grants consent. */
const latestGrants = sql<number>`max(case when ${grants} then ts_ms end)`

/** Units whose latest consent event as of the scope's moment grants consent. */
export const consentedUnits = (db: Db, scope: ExposedUnitsScope) =>
  consentEvents(db, scope)
    .select("unit_id")
    .groupBy("unit_id")
    .having(latestGrants, ">", sql<number>`coalesce(max(case when value = 0 then ts_ms end), -1)`)

/**
 * Per unit with consent events as of the scope's moment: `consented` (its latest grants) and
 * `granted_ts` (its first grant), one pass over the consent events.
 */
export const consentOfUnits = (db: Db, scope: ExposedUnitsScope) =>
  consentEvents(db, scope)
    .select([
      "unit_id",
      sql<number>`case when ${latestGrants} > coalesce(max(case when value = 0 then ts_ms end), -1) then 1 else 0 end`.as("consented"),
      sql<number | null>`min(case when ${grants} then ts_ms end)`.as("granted_ts")
    ])
    .groupBy("unit_id")

/** Each unit's earliest exposure of each variant (and, for a cluster-randomized pilot, its cluster), up to the scope's moment. */
const exposureVariants = (db: Db, scope: ExposedUnitsScope) =>
  db.selectFrom("events")
    // the cluster only where there are clusters: it is the one column the aggregation index does not cover
    .select((eb) => ["unit_id", "variant", eb.fn.min("ts_ms").as("vts"), (scope.clustered === true ? eb.fn.min("cluster_id") : sql<string | null>`null`).as("cluster_id")])
    .where("pilot_id", "=", scope.pilotId)
    .where("type", "=", EXPOSURE)
    .where("ts_ms", "<=", scope.asOfMs)
    .groupBy(["unit_id", "variant"])

/**
 * Units seen in more than one variant, from `variants` (`exposureVariants`' rows of those units):
 * their variants ranked by earliest exposure (`row_number`, which costs a sort) give the first
 * exposure and variant, and the moment the second appears.
 */
const rankedUnits = (db: Db, variants: SelectQueryBuilder<any, any, { unit_id: string; variant: string | null; vts: number; cluster_id: string | null }>) =>
  db.selectFrom(
    db.selectFrom(variants.as("v"))
      .select(["v.unit_id", "v.variant", "v.vts", "v.cluster_id", sql<number>`row_number() over (partition by v.unit_id order by v.vts, v.variant)`.as("rn")])
      .as("r")
  )
    .select([
      "r.unit_id",
      sql<number>`min(case when r.rn = 1 then r.vts end)`.as("first_ts"),
      sql<string | null>`min(case when r.rn = 1 then r.variant end)`.as("variant"),
      // the moment the unit is seen in a second variant: excluded from then on
      sql<number | null>`min(case when r.rn = 2 then r.vts end)`.as("until_ts"),
      sql<string | null>`min(r.cluster_id)`.as("cluster_id")
    ])
    .groupBy("r.unit_id")

/**
 * Every exposed unit with `unit_id`, `first_ts`, `variant`, `until_ts` and `cluster_id` (of a
 * cluster-randomized pilot), from its exposures: each variant's earliest, then per unit. Units
 * seen in one variant (nearly all) take their row from plain aggregates; only units seen in
 * more rank their variants (`rankedUnits`). What an aggregation reads without a table.
 */
export const exposedUnitsQuery = (db: Db, scope: ExposedUnitsScope) =>
  db
    .with("v", () => exposureVariants(db, scope))
    .with("n", (qb) =>
      qb.selectFrom("v")
        .select((eb) => [
          "v.unit_id",
          eb.fn.countAll<number>().as("variants"),
          eb.fn.min("v.vts").as("first_ts"),
          eb.fn.min("v.variant").as("variant"),
          eb.fn.min("v.cluster_id").as("cluster_id")
        ])
        .groupBy("v.unit_id"))
    .selectFrom("n")
    .select(["n.unit_id", sql<number>`n.first_ts`.as("first_ts"), sql<string | null>`n.variant`.as("variant"), sql<number | null>`cast(null as bigint)`.as("until_ts"), sql<string | null>`n.cluster_id`.as("cluster_id")])
    .where("n.variants", "=", 1)
    .unionAll((eb) => rankedUnits(db, eb.selectFrom("v").select(["v.unit_id", "v.variant", "v.vts", "v.cluster_id"]).where("v.unit_id", "in", eb.selectFrom("n").select("n.unit_id").where("n.variants", ">", 1))))

/** The consent table's rows (`consentOfUnits`), as a FROM item. */
const consentTable = (name: string) => sql<{ unit_id: string; consented: number; granted_ts: number | null }>`${sql.table(name)}`

/**
 * The table's rows but for units seen in more than one variant: one pass over the exposures in
 * the aggregation index's order (grouped by unit, no sort), each unit's consent looked up in the
 * consent table `consent`; `multi` is 1 for a unit whose exposures name more than one variant
 * (or a variant and none), whose row `rankedUnits` then corrects. Exported for the PostgreSQL plan checks.
 */
export const exposedUnitsRowsQuery = (db: Db, scope: ExposedUnitsScope, consent: string) =>
  db.selectFrom("events as e")
    .leftJoin(consentTable(consent).as("c"), "c.unit_id", "e.unit_id")
    .select((eb) => [
      "e.unit_id",
      eb.fn.min("e.ts_ms").as("first_ts"),
      eb.fn.min("e.variant").as("variant"),
      sql<number | null>`cast(null as bigint)`.as("until_ts"),
      (scope.clustered === true ? eb.fn.min("e.cluster_id") : sql<string | null>`cast(null as text)`).as("cluster_id"),
      sql<number>`coalesce(min(c.consented), 0)`.as("consented"),
      sql<number | null>`min(c.granted_ts)`.as("granted_ts"),
      sql<number>`case when count(e.variant) = 0 or (count(e.variant) = count(*) and min(e.variant) = max(e.variant)) then 0 else 1 end`.as("multi")
    ])
    .where("e.pilot_id", "=", scope.pilotId)
    .where("e.type", "=", EXPOSURE)
    .where("e.ts_ms", "<=", scope.asOfMs)
    .groupBy("e.unit_id")

/** The first exposure, variant, second-variant moment and cluster of the table `name`'s units seen in more than one variant. Exported for the PostgreSQL plan checks. */
export const multiVariantUnitsQuery = (db: Db, scope: ExposedUnitsScope, name: string) =>
  rankedUnits(db, exposureVariants(db, scope).where("unit_id", "in", db.selectFrom(exposedUnitsTable(name).as("m")).select("m.unit_id").where("m.multi", "=", 1)))

let tables = 0

/**
 * A name no other open table of this connection has: a temporary table belongs to its
 * connection, and every connection to one instance of this module (a worker thread has its own).
 */
export const exposedUnitsTableName = (): string => `pp_exposed_units_${process.pid}_${++tables}`

const SAFE_NAME = /^[a-z_][a-z0-9_]*$/

/**
 * Creates the temporary table `name` of the scope's exposed units, keyed by unit, and fills it
 * in steps, each a pass in index order whose memory is the temporary store's bounded cache (one
 * statement of grouped subqueries held each in memory of its own, 40 MB at a million events):
 * the units' consent into `<name>_consent`, dropped after; the units from their exposures; the
 * few seen in more than one variant corrected from their ranked variants. On PostgreSQL the
 * table then gets planner statistics (autovacuum never analyses temporary tables).
 */
export const createExposedUnits = async (db: Db, dialect: "sqlite" | "postgres", name: string, scope: ExposedUnitsScope): Promise<void> => {
  if (!SAFE_NAME.test(name)) throw new Error(`not a table name for exposed units: ${JSON.stringify(name)}`)
  const consent = `${name}_consent`
  const into = async (table: string, columns: ReadonlyArray<string>, rows: CompiledQuery) => {
    await db.executeQuery({ ...rows, sql: `insert into ${table} (${columns.join(", ")}) ${rows.sql}` })
  }
  await sql`create temporary table ${sql.table(consent)} (unit_id text primary key, consented integer not null, granted_ts bigint)`.execute(db)
  try {
    await into(consent, ["unit_id", "consented", "granted_ts"], consentOfUnits(db, scope).compile())
    await sql`create temporary table ${sql.table(name)} (
      unit_id text primary key, first_ts bigint not null, variant text, until_ts bigint, cluster_id text, consented integer not null, granted_ts bigint, multi integer not null)`.execute(db)
    await into(name, ["unit_id", "first_ts", "variant", "until_ts", "cluster_id", "consented", "granted_ts", "multi"], exposedUnitsRowsQuery(db, scope, consent).compile())
  } finally {
    await sql`drop table if exists ${sql.table(consent)}`.execute(db)
  }
  // nearly always no row: the subquery finds no unit seen in two variants
  await sql`update ${sql.table(name)} set first_ts = r.first_ts, variant = r.variant, until_ts = r.until_ts, cluster_id = r.cluster_id
    from (${multiVariantUnitsQuery(db, scope, name)}) as r where r.unit_id = ${sql.table(name)}.unit_id`.execute(db)
  if (dialect === "postgres") await sql`analyze ${sql.table(name)}`.execute(db)
}

export const dropExposedUnits = (db: Db, name: string) => sql`drop table if exists ${sql.table(name)}`.execute(db)

/** The rows of a materialized table, as a FROM item. */
export const exposedUnitsTable = (name: string) => sql<ExposedUnitRow>`${sql.table(name)}`
