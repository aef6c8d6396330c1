/**
 * CRM deliveries under pseudonymization: with a key, no CRM id a webhook carried is stored
 * raw — not in events, not in rejects (a pipeline the mapping does not read, a body that could
 * not be read), not in import records; a Bitrix24 deal whose fetch failed is the one exception,
 * kept by its id until it is fetched, and erasing that id removes it with its rejects.
 */
import { describe, expect, it } from "@effect/vitest"
import { Connectors, EngineServices, Erasure, PilotRegistry } from "@pilotproof/engine"
import { Database, type DatabaseShape } from "@pilotproof/store"
import { ConfigProvider, Effect, Layer } from "effect"
import { createServer } from "node:net"
import { DIALECTS } from "../../../test/fixtures/Databases.js"
import { minimalPilot } from "../../../test/fixtures/Definitions.js"

const PILOT = "crm-privacy"
const keyed = Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["PILOTPROOF_PSEUDONYM_KEY", "crm-privacy-key"]])))
const definition = {
  ...minimalPilot(PILOT),
  crm: [
    { connector: "amo", source: "amocrm", pipelines: ["4542166"], events: [{ type: "deal_won", stages: ["142"], value: "price" }] },
    { connector: "bx", source: "bitrix24", events: [{ type: "deal_won", stages: ["WON"] }] }
  ]
}

/** A port nothing listens on: Bitrix24's REST unreachable. */
const closedPort = () => new Promise<number>((resolve) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as { port: number }
    server.close(() => resolve(port))
  })
})

const form = (pairs: ReadonlyArray<string>) => pairs.map((p) => p.split("=").map(encodeURIComponent).join("=")).join("&")

const everything = (database: DatabaseShape) =>
  database.use("reading every table", async (db) => {
    const out: Array<string> = []
    for (const table of ["events", "event_rejects", "imports", "erasures"] as const) {
      for (const row of await db.selectFrom(table).selectAll().execute()) out.push(JSON.stringify(row))
    }
    return out.join("\n")
  })

for (const dialect of DIALECTS) {
  describe(`CRM deliveries under pseudonymization on ${dialect.name}`, () => {
    it.live("store no CRM id raw; a pending Bitrix24 deal is erased with its id", () =>
      Effect.gen(function*() {
        const registry = yield* PilotRegistry
        yield* registry.register([{ source: "pilot.json", text: JSON.stringify(definition) }])
        yield* registry.start(PILOT)
        const connectors = yield* Connectors
        const { urlSecret } = yield* connectors.register({ id: "amo", source: "amocrm" })
        yield* connectors.register({ id: "bx", source: "bitrix24", secret: "bx-token", portalUrl: `http://127.0.0.1:${yield* Effect.promise(closedPort)}/rest/1/c/` })
        const request = (source: string, connectorId: string, body: string, query: Record<string, string> = {}) =>
          connectors.receive({ source, connectorId, method: "POST", uri: `http://x/api/connectors/${source}/${connectorId}`, query, headers: { "content-type": "application/x-www-form-urlencoded" }, body })

        const won = yield* request("amocrm", "amo", form([
          "leads[status][0][id]=30307415", "leads[status][0][status_id]=142", "leads[status][0][price]=15000", "leads[status][0][pipeline_id]=4542166", "leads[status][0][updated_at]=1772442000",
          "leads[status][1][id]=30307999", "leads[status][1][status_id]=142", "leads[status][1][price]=1", "leads[status][1][pipeline_id]=777", "leads[status][1][updated_at]=1772442000"
        ]), { secret: urlSecret! })
        expect(won.status).toBe(200)
        expect(JSON.parse(won.body)).toMatchObject({ accepted: 1, rejected: 1 })
        const broken = yield* request("amocrm", "amo", "leads[status][0][id]=30307888&leads[status][0][status_id", { secret: urlSecret! })
        expect(broken.status).toBe(400)
        const pending = yield* request("bitrix24", "bx", form(["event=ONCRMDEALUPDATE", "data[FIELDS][ID]=55501", "ts=1772442000", "auth[application_token]=bx-token"]))
        expect(JSON.parse(pending.body)).toMatchObject({ pending: 1, rejected: 1 })

        const database = yield* Database
        const stored = yield* everything(database)
        for (const raw of ["30307415", "30307999", "30307888", "55501"]) expect(stored, raw).not.toContain(raw)
        expect(stored).toContain("is in pipeline 777")
        const waiting = yield* database.use("reading pending", (db) => db.selectFrom("connector_pending").selectAll().execute())
        expect(waiting.map((p) => p.entity_id)).toEqual(["55501"])

        const erased = yield* (yield* Erasure).erase("55501")
        expect(erased.rejects_deleted).toBe(1)
        expect(yield* database.use("reading pending", (db) => db.selectFrom("connector_pending").selectAll().execute())).toEqual([])
        expect(yield* everything(database)).not.toContain("could not be fetched")
      }).pipe(Effect.provide(EngineServices().pipe(Layer.provideMerge(dialect.layer()), Layer.provide(keyed)))), 60_000)
  })
}
