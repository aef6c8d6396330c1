// A Telegram bot's handler for a Pilotproof pilot (docs/connectors.md). For each new lead it
// asks Pilotproof which arm the lead is in — logging the exposure in the same call — and
// engages only in the treatment arm; in control the lead goes to the managers as before. The
// outcome (won, lost) is not the bot's to report: amoCRM sends it by webhook when a manager
// moves the deal.
//
//   PILOTPROOF_URL=https://pilotproof.example.com  PILOTPROOF_TOKEN=<owner token>
//   const onUpdate = leadHandler({ pilot: "support-bot-lead-qualification", createLead, send, handOff })
//   // Telegram calls your webhook with an update: await onUpdate(update)

/** Which arm a lead is in, logging its exposure (idempotent: asking twice changes nothing). */
export const assignLead = async ({ url, token, pilot }, leadId) => {
  const response = await fetch(`${url}/api/pilots/${encodeURIComponent(pilot)}/assign`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ unitId: leadId, logExposure: true })
  })
  if (!response.ok) throw new Error(`Pilotproof assign answered ${response.status}: ${await response.text()}`)
  const { assignment } = await response.json()
  return assignment.variant // "bot", "control", or null for a unit held out of the pilot
}

/** Records the lead's consent to the processing of its data (the pilot's readiness requires it by default). */
export const recordConsent = async ({ url, token, pilot }, leadId, at = new Date()) => {
  const response = await fetch(`${url}/api/pilots/${encodeURIComponent(pilot)}/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    // one consent per lead: the event id makes a repeat harmless
    body: JSON.stringify([{ event_id: `consent:${leadId}`, unit_id: leadId, type: "consent", value: 1, ts: at.toISOString() }])
  })
  if (!response.ok) throw new Error(`Pilotproof events answered ${response.status}: ${await response.text()}`)
}

/**
 * `createLead(update)` creates (or finds) the lead in amoCRM and returns its id — the id the
 * pilot's crm: mapping reads from amoCRM's webhooks; `send(chatId, text)` answers in Telegram
 * (sendMessage); `handOff(leadId, update)` routes the lead to the managers' queue;
 * `consentGiven(update)` says whether the lead has accepted the privacy notice the bot showed.
 */
export const leadHandler = ({
  url = process.env.PILOTPROOF_URL,
  token = process.env.PILOTPROOF_TOKEN,
  pilot,
  treatment = "bot",
  createLead,
  send,
  handOff,
  consentGiven = () => false
}) =>
  async (update) => {
    const message = update.message
    if (message === undefined || message.text === undefined) return { engaged: false }
    const leadId = await createLead(update)
    const variant = await assignLead({ url, token, pilot }, leadId)
    if (await consentGiven(update)) await recordConsent({ url, token, pilot }, leadId)
    if (variant !== treatment) {
      await handOff(leadId, update) // control (or held out): exactly as before the pilot
      return { leadId, variant, engaged: false }
    }
    await send(message.chat.id, "Здравствуйте! Три коротких вопроса, чтобы менеджер подготовил предложение. Какой у вас бюджет?")
    return { leadId, variant, engaged: true }
  }
