/**
 * The pilot registry: versioned definitions, the lifecycle (draft → running → stopped) and the
 * frozen design hash recorded at start. Every write is one transaction, and the registration
 * rules (`planRegistration`, `transition`) are applied inside it, so two concurrent
 * registrations cannot both win.
 */
import {
  changedPaths,
  InvalidTransition,
  type LifecycleAction,
  Pilot,
  type PilotDefinition,
  PilotDefinition as PilotDefinitionSchema,
  PilotDesignFrozen,
  PilotNotFound,
  PilotStatus,
  PilotId,
  PilotVersion,
  planRegistration,
  Registration,
  StorageError,
  transition
} from "@pilotproof/domain"
import { Effect, Schema } from "effect"
import type { Selectable } from "kysely"
import { Database } from "./Database.js"
import type { PilotsTable } from "./DatabaseSchema.js"

export interface RegisterInput {
  readonly definition: PilotDefinition
  /** Canonical JSON of the encoded definition; its hash is `definitionHash`. */
  readonly canonical: string
  readonly definitionHash: string
  readonly source: string
  readonly now: string
}

const StoredDefinition = Schema.parseJson(PilotDefinitionSchema)

/** A stored definition that no longer decodes is a storage failure naming the pilot and version. */
/**
 * Stored definitions already decoded, by their text: a definition is immutable once stored and
 * its decode (every field and cross-field rule) took most of a page's time, which reads the
 * pilot on every request. The oldest of `DECODED_DEFINITIONS` goes first.
 */
const DECODED_DEFINITIONS = 256
const decodedDefinitions = new Map<string, typeof StoredDefinition.Type>()

const decodeStored = (text: string, pilotId: string, version: number) =>
  Effect.suspend(() => {
    const known = decodedDefinitions.get(text)
    if (known !== undefined) return Effect.succeed(known)
    return Schema.decodeUnknown(StoredDefinition)(text).pipe(
      Effect.tap((definition) =>
        Effect.sync(() => {
          decodedDefinitions.set(text, definition)
          if (decodedDefinitions.size > DECODED_DEFINITIONS) decodedDefinitions.delete(decodedDefinitions.keys().next().value!)
        })
      ),
      Effect.mapError((e) =>
        new StorageError({ operation: `reading pilot "${pilotId}"`, detail: `version ${version} of its definition does not decode: ${e.message}`, cause: e })
      )
    )
  })

/** The canonical JSON of a definition, read back to compare two versions field by field. */
const parseStoredJson = (text: string, pilotId: string) =>
  Schema.decodeUnknown(Schema.parseJson())(text).pipe(
    Effect.mapError((e) => new StorageError({ operation: `reading pilot "${pilotId}"`, detail: `a stored definition is not JSON: ${e.message}`, cause: e }))
  )

const pilotIdOf = (id: string) =>
  Schema.decodeUnknown(PilotId)(id).pipe(
    Effect.mapError((e) => new StorageError({ operation: "reading pilots", detail: `stored pilot id "${id}" is not a pilot id: ${e.message}`, cause: e }))
  )

/**
 * A pilot from its row. What needs checking is checked on the way in — the id decoded, the
 * status one of its literals, the definition decoded (once per text) — so the class is built
 * without validating its fields again: re-validating a whole definition on every read was most
 * of a pilot page's time.
 */
const toPilot = (row: Selectable<PilotsTable>, definition: string) =>
  Effect.gen(function*() {
    const status = yield* Schema.decodeUnknown(PilotStatus)(row.status).pipe(
      Effect.mapError((e) => new StorageError({ operation: `reading pilot "${row.id}"`, detail: `its stored status is not one of draft, running, stopped: ${e.message}`, cause: e }))
    )
    return new Pilot({
    id: yield* pilotIdOf(row.id),
    status,
    version: row.version,
    definitionHash: row.definition_hash,
    ...(row.design_hash === null ? {} : { designHash: row.design_hash }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.started_at === null ? {} : { startedAt: row.started_at }),
    ...(row.stopped_at === null ? {} : { stoppedAt: row.stopped_at }),
    definition: yield* decodeStored(definition, row.id, row.version)
    }, { disableValidation: true })
  })

export class PilotRepo extends Effect.Service<PilotRepo>()("@pilotproof/store/PilotRepo", {
  effect: Effect.gen(function*() {
    const database = yield* Database

    const knownIds = (operation: string) =>
      database.use(operation, (db) => db.selectFrom("pilots").select("id").orderBy("id").execute()).pipe(
        Effect.map((rows) => rows.map((r) => r.id))
      )

    const notFound = (pilotId: string) =>
      Effect.flatMap(knownIds("listing pilots"), (known) => Effect.fail(new PilotNotFound({ pilotId, known })))

    /**
     * Registers definitions in one transaction: each creates its pilot, adds a version to a
     * draft, or does nothing; one refusal (a frozen design) rolls back the whole batch.
     */
    const register = Effect.fn("PilotRepo.register")(function*(inputs: ReadonlyArray<RegisterInput>) {
      const ids = inputs.map((i) => `"${i.definition.id}"`).join(", ")
      return yield* database.withTransaction(`registering pilot ${ids}`, Effect.forEach(inputs, registerOne))
    })

    const registerOne = Effect.fn("PilotRepo.registerOne")(function*(input: RegisterInput) {
      const id = input.definition.id
      const operation = `registering pilot "${id}"`
      const current = yield* database.use(operation, (db) => db.selectFrom("pilots").selectAll().where("id", "=", id).executeTakeFirst())
      const plan = planRegistration(
        current === undefined ? undefined : { status: current.status, version: current.version, definitionHash: current.definition_hash },
        input.definitionHash
      )
      const registration = (outcome: Registration["outcome"], version: number) =>
        new Registration({ pilotId: id, outcome, version, definitionHash: input.definitionHash, source: input.source })

      switch (plan._tag) {
        case "Unchanged":
          return registration("unchanged", plan.version)
        case "Frozen": {
          const stored = yield* database.use(operation, (db) =>
            db.selectFrom("pilot_versions").select("definition")
              .where("pilot_id", "=", id).where("version", "=", plan.version)
              .executeTakeFirstOrThrow())
          return yield* new PilotDesignFrozen({
            pilotId: id,
            status: plan.status,
            version: plan.version,
            designHash: current!.design_hash ?? current!.definition_hash,
            changed: changedPaths(yield* parseStoredJson(stored.definition, id), yield* parseStoredJson(input.canonical, id)),
            source: input.source
          })
        }
        case "Create":
          yield* database.use(operation, (db) =>
            db.insertInto("pilots")
              .values({
                id,
                status: "draft",
                version: 1,
                definition_hash: input.definitionHash,
                design_hash: null,
                created_at: input.now,
                updated_at: input.now,
                started_at: null,
                stopped_at: null
              })
              .execute())
          break
        case "NewVersion":
          yield* database.use(operation, (db) =>
            db.updateTable("pilots")
              .set({ version: plan.version, definition_hash: input.definitionHash, updated_at: input.now })
              .where("id", "=", id)
              .execute())
          break
      }
      yield* database.use(operation, (db) =>
        db.insertInto("pilot_versions")
          .values({
            pilot_id: id,
            version: plan.version,
            definition_hash: input.definitionHash,
            definition: input.canonical,
            source: input.source,
            registered_at: input.now
          })
          .execute())
      return registration(plan._tag === "Create" ? "created" : "new-version", plan.version)
    })

    const selectPilots = (ids?: ReadonlyArray<string>) =>
      database.use("reading pilots", (db) => {
        let query = db
          .selectFrom("pilots")
          .innerJoin("pilot_versions", (join) =>
            join.onRef("pilot_versions.pilot_id", "=", "pilots.id").onRef("pilot_versions.version", "=", "pilots.version")
          )
          .selectAll("pilots")
          .select("pilot_versions.definition")
          .orderBy("pilots.id")
        if (ids !== undefined) query = query.where("pilots.id", "in", ids)
        return query.execute()
      }).pipe(Effect.flatMap((rows) => Effect.forEach(rows, (row) => toPilot(row, row.definition))))

    const list = Effect.fn("PilotRepo.list")(function*() {
      return yield* selectPilots()
    })

    const get = Effect.fn("PilotRepo.get")(function*(pilotId: string) {
      const [pilot] = yield* selectPilots([pilotId])
      return pilot === undefined ? yield* notFound(pilotId) : pilot
    })

    const versions = Effect.fn("PilotRepo.versions")(function*(pilotId: string) {
      yield* get(pilotId)
      const rows = yield* database.use(`reading versions of "${pilotId}"`, (db) =>
        db.selectFrom("pilot_versions").selectAll().where("pilot_id", "=", pilotId).orderBy("version").execute()
      )
      return yield* Effect.forEach(rows, (row) =>
        Effect.map(decodeStored(row.definition, row.pilot_id, row.version), (definition) =>
          new PilotVersion({
            pilotId: definition.id,
            version: row.version,
            definitionHash: row.definition_hash,
            source: row.source,
            registeredAt: row.registered_at,
            definition
          })))
    })

    /** Applies a lifecycle action; starting records the design hash (the pre-registration). */
    const apply = Effect.fn("PilotRepo.apply")(function*(pilotId: string, action: LifecycleAction, now: string) {
      const operation = `${action === "start" ? "starting" : "stopping"} pilot "${pilotId}"`
      const found = yield* database.withTransaction(operation, Effect.gen(function*() {
        const current = yield* database.use(operation, (db) => db.selectFrom("pilots").selectAll().where("id", "=", pilotId).executeTakeFirst())
        if (current === undefined) return false
        const from = current.status
        const to = transition(from, action)
        if (to === undefined) return yield* new InvalidTransition({ pilotId, from, action })
        const designHash = action === "start" ? current.definition_hash : current.design_hash
        const updated = yield* database.use(operation, (db) =>
          db.updateTable("pilots")
            .set({ status: to, design_hash: designHash, updated_at: now, ...(action === "start" ? { started_at: now } : { stopped_at: now }) })
            .where("id", "=", pilotId)
            .where("status", "=", from)
            .executeTakeFirst())
        // another writer changed the status between the read and this update (PostgreSQL reads
        // committed data; the row lock the update takes makes the second writer see it here)
        if (Number(updated.numUpdatedRows) === 0) {
          const latest = yield* database.use(operation, (db) => db.selectFrom("pilots").select("status").where("id", "=", pilotId).executeTakeFirst())
          return yield* new InvalidTransition({ pilotId, from: latest?.status ?? from, action })
        }
        const last = yield* database.use(operation, (db) =>
          db.selectFrom("pilot_transitions")
            .select((eb) => eb.fn.max<number | null>("seq").as("seq"))
            .where("pilot_id", "=", pilotId)
            .executeTakeFirst())
        yield* database.use(operation, (db) =>
          db.insertInto("pilot_transitions")
            .values({
              pilot_id: pilotId,
              seq: Number(last?.seq ?? 0) + 1,
              action,
              from_status: from,
              to_status: to,
              version: current.version,
              design_hash: designHash,
              at: now
            })
            .execute())
        return true
      }))
      return found ? yield* get(pilotId) : yield* notFound(pilotId)
    })

    return {
      register,
      list,
      get,
      versions,
      start: (pilotId: string, now: string) => apply(pilotId, "start", now),
      stop: (pilotId: string, now: string) => apply(pilotId, "stop", now)
    } as const
  })
}) {}

export type { StorageError }
