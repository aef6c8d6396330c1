/**
 * Bodies a hostile client sends the API (defect 17 and the decode side of defect 4): every
 * refusal is a documented error with a `_tag` and a message, never an empty 400 or a 500.
 */
import { LIMITS } from "@pilotproof/api"
import { Tokens } from "@pilotproof/engine"
import { start } from "@pilotproof/server"
import { Context, Effect, Exit, Scope } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EXPERIMENTS_DIR } from "./fixtures/Definitions.js"

const PILOT = "support-bot-lead-qualification"

describe("API request bodies", () => {
  let dir: string
  let scope: Scope.CloseableScope
  let base: string
  let token: string
  const post = (path: string, body: string, type = "application/json") =>
    fetch(base + path, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": type }, body })

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pilotproof-bodies-"))
    scope = Effect.runSync(Scope.make())
    const started = await Effect.runPromise(Scope.extend(start({ location: join(dir, "db.sqlite"), port: 0 }), scope))
    base = started.url
    token = (await Effect.runPromise(Context.get(started.context, Tokens).create("owner", "owner"))).token
    expect((await post("/api/pilots", readFileSync(join(EXPERIMENTS_DIR, `${PILOT}.yaml`), "utf8"), "text/yaml")).status).toBe(200)
    expect((await post(`/api/pilots/${PILOT}/start`, "")).status).toBe(200)
  })
  afterAll(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(dir, { recursive: true, force: true })
  })

  it("malformed JSON: 400 with the decode error's tag and where it broke", async () => {
    const response = await post(`/api/pilots/${PILOT}/events`, `[{"unit_id": "lead-1",`)
    expect(response.status).toBe(400)
    const body = await response.json() as { _tag: string; message: string }
    expect(body._tag).toBe("HttpApiDecodeError")
    expect(body.message).toMatch(/^the body is not valid JSON: /)
  })

  it("100 000 levels of nesting: 400 naming the limit, and the server serves on", async () => {
    const response = await post(`/api/pilots/${PILOT}/events`, "[".repeat(100_000) + "]".repeat(100_000))
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ _tag: "HttpApiDecodeError", message: "the JSON body nests deeper than 64 levels (at character 65)" })
    const ok = await post(`/api/pilots/${PILOT}/events`, JSON.stringify([{ unit_id: "lead-1", type: "exposure", variant: "control", ts: "2026-01-06T10:00:00Z" }]))
    expect(ok.status).toBe(200)
    // brackets inside strings are text, not nesting
    const text = await post(`/api/pilots/${PILOT}/events`, JSON.stringify([{ unit_id: "lead-2", type: "exposure", variant: "bot", ts: "2026-01-06T10:00:00Z", note: "[".repeat(500) }]))
    expect(text.status).toBe(200)
  })

  it("not an array, or an array past the batch limit: a decode error or 413, each with its message", async () => {
    const object = await post(`/api/pilots/${PILOT}/events`, `{"unit_id": "lead-1"}`)
    expect(object.status).toBe(400)
    expect(await object.json()).toMatchObject({ _tag: "HttpApiDecodeError", message: "the body must be a JSON array of events" })
    const many = await post(`/api/pilots/${PILOT}/events`, `[${Array.from({ length: 1_000_000 }, () => "1").join(",")}]`)
    expect(many.status).toBe(413)
    expect(await many.json()).toMatchObject({ _tag: "PayloadTooLarge", unit: "events", limit: LIMITS.eventsPerBatch })
  })

  it("without a Content-Type: read as JSON and refused like JSON (400, not an empty 500)", async () => {
    // a Blob without a type sends no Content-Type header
    const send = (body: string) =>
      fetch(`${base}/api/pilots/${PILOT}/events`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: new Blob([body]) })
    const malformed = await send(`[{"unit_id": "lead-1",`)
    expect(malformed.status).toBe(400)
    expect(await malformed.json()).toMatchObject({ _tag: "HttpApiDecodeError" })
    const deep = await send("[".repeat(100_000) + "]".repeat(100_000))
    expect(deep.status).toBe(400)
    expect(await deep.json()).toMatchObject({ message: "the JSON body nests deeper than 64 levels (at character 65)" })
  })

  it("found by the fuzzer: a white-space body is a 400, a body of another media type a 415 (one used to hang, one an empty 500)", async () => {
    const blank = await post(`/api/pilots/${PILOT}/events`, "\t")
    expect(blank.status).toBe(400)
    expect(await blank.json()).toMatchObject({ _tag: "HttpApiDecodeError", message: "the body is only white space, not JSON" })
    for (const type of ["json", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/octet-stream", "application/yaml"]) {
      const response = await fetch(`${base}/api/pilots`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": type },
        body: "null",
        signal: AbortSignal.timeout(10_000)
      })
      expect(response.status, type).toBe(415)
      expect(await response.json()).toEqual({
        _tag: "UnsupportedMediaType",
        message: `the API reads JSON bodies (application/json), and pilot files as text (text/yaml) on POST /api/pilots; not ${JSON.stringify(type)}`
      })
    }
    // a pilot file as text/yaml is still read
    expect((await post("/api/pilots", readFileSync(join(EXPERIMENTS_DIR, `${PILOT}.yaml`), "utf8"), "text/yaml")).status).toBe(200)
  })
})
