/**
 * The bot pattern of docs/connectors.md, run as documented: the Telegram handler of
 * docs/examples/telegram-bot.mjs (the very file the doc shows) assigns each new lead through the
 * real server, logging its exposure, and engages only in the treatment arm; managers then win
 * some leads in amoCRM, whose status webhooks reach the connector; the analysis counts exactly
 * those exposures and wins.
 */
import { Connectors, Tokens } from "@pilotproof/engine"
import { start } from "@pilotproof/server"
import { Context, Effect, Exit, Scope } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { minimalPilot } from "./fixtures/Definitions.js"

const EXAMPLE = fileURLToPath(new URL("../docs/examples/telegram-bot.mjs", import.meta.url))
const DOC = fileURLToPath(new URL("../docs/connectors.md", import.meta.url))
const PILOT = "telegram-bot-pilot"

describe("the bot pattern (docs/connectors.md)", () => {
  let dir: string
  let scope: Scope.CloseableScope
  let base: string
  let owner: string
  let analyst: string
  let secret: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pilotproof-bot-"))
    scope = Effect.runSync(Scope.make())
    const started = await Effect.runPromise(Scope.extend(start({ location: join(dir, "bot.db"), port: 0 }), scope))
    base = started.url
    const tokens = Context.get(started.context, Tokens)
    owner = (await Effect.runPromise(tokens.create("bot", "owner"))).token
    analyst = (await Effect.runPromise(tokens.create("analyst", "analyst"))).token
    secret = (await Effect.runPromise(Context.get(started.context, Connectors).register({ id: "amo-sales", source: "amocrm" }))).urlSecret!
    const definition = { ...minimalPilot(PILOT), crm: [{ connector: "amo-sales", source: "amocrm", events: [{ type: "deal_won", stages: ["142"] }] }] }
    const headers = { authorization: `Bearer ${owner}`, "content-type": "text/yaml" }
    expect((await fetch(`${base}/api/pilots`, { method: "POST", headers, body: JSON.stringify(definition) })).status).toBe(200)
    expect((await fetch(`${base}/api/pilots/${PILOT}/start`, { method: "POST", headers })).status).toBe(200)
  })

  afterAll(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(dir, { recursive: true, force: true })
  })

  it("the doc shows the example file as it is", () => {
    expect(readFileSync(DOC, "utf8")).toContain(readFileSync(EXAMPLE, "utf8"))
  })

  it("assigns every lead, engages only in the treatment arm, and the CRM's wins reach the analysis", async () => {
    const { leadHandler } = await import(EXAMPLE) as { leadHandler: (options: unknown) => (update: unknown) => Promise<{ leadId: string; variant: string; engaged: boolean }> }
    const sent: Array<number> = []
    const handedOff: Array<string> = []
    // amoCRM stand-in for the bot's own code: one lead per chat, found again on the next message
    const leads = new Map<number, string>()
    const onUpdate = leadHandler({
      url: base,
      token: owner,
      pilot: PILOT,
      createLead: async (update: { message: { chat: { id: number } } }) => {
        const chat = update.message.chat.id
        if (!leads.has(chat)) leads.set(chat, String(41_000_000 + leads.size))
        return leads.get(chat)!
      },
      send: async (chatId: number) => void sent.push(chatId),
      handOff: async (leadId: string) => void handedOff.push(leadId),
      consentGiven: () => true
    })
    const outcomes = []
    for (let chat = 1; chat <= 80; chat++) {
      outcomes.push(await onUpdate({ update_id: chat, message: { message_id: 1, chat: { id: chat, type: "private" }, date: 1_780_000_000, text: "Хочу узнать цену" } }))
    }
    const bot = outcomes.filter((o) => o.variant === "bot")
    const control = outcomes.filter((o) => o.variant === "control")
    expect(bot.length + control.length).toBe(80)
    expect(bot.length).toBeGreaterThan(20)
    expect(control.length).toBeGreaterThan(20)
    expect(outcomes.every((o) => o.engaged === (o.variant === "bot"))).toBe(true)
    expect(sent).toHaveLength(bot.length)
    expect(handedOff.sort()).toEqual(control.map((o) => o.leadId).sort())
    // the same lead writes again: the same arm, and no second exposure
    const again = await onUpdate({ update_id: 999, message: { message_id: 2, chat: { id: 1, type: "private" }, date: 1_780_000_100, text: "Ещё вопрос" } })
    expect([again.leadId, again.variant]).toEqual([outcomes[0]!.leadId, outcomes[0]!.variant])

    // managers win every third bot lead and every fifth control lead; amoCRM posts the status changes
    const wins = [...bot.filter((_, i) => i % 3 === 0), ...control.filter((_, i) => i % 5 === 0)]
    // a moment after the last exposure, and not in the future (the analysis reads up to now)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const at = Math.floor(Date.now() / 1000)
    const body = ["account[id]=1", ...wins.flatMap((w, k) => [`leads[status][${k}][id]=${w.leadId}`, `leads[status][${k}][status_id]=142`, `leads[status][${k}][pipeline_id]=1`, `leads[status][${k}][updated_at]=${at}`])]
      .map((p) => p.split("=").map(encodeURIComponent).join("=")).join("&")
    const hook = await fetch(`${base}/api/connectors/amocrm/amo-sales?secret=${secret}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body })
    expect(await hook.json()).toMatchObject({ accepted: wins.length, rejected: 0 })

    const analysis = await (await fetch(`${base}/api/pilots/${PILOT}/analysis?refresh=1`, { headers: { authorization: `Bearer ${analyst}` } })).json() as {
      metrics: Array<{ key: string; variants: Array<{ variant: string; n: number; mean: number }> }>
    }
    const converted = analysis.metrics.find((m) => m.key === "converted")!
    const arm = (key: string) => converted.variants.find((v) => v.variant === key)!
    expect([arm("bot").n, arm("control").n]).toEqual([bot.length, control.length])
    expect(arm("bot").mean * arm("bot").n).toBeCloseTo(bot.filter((_, i) => i % 3 === 0).length, 9)
    expect(arm("control").mean * arm("control").n).toBeCloseTo(control.filter((_, i) => i % 5 === 0).length, 9)
  })
})
