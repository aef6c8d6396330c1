/**
 * The pages, as preact components rendered to HTML on the server: escaped by construction, one
 * inline stylesheet (`CSS`, which the CSP allows by its hash), nothing loaded from elsewhere, and
 * no script but the two fixed enhancements of `BrowserScripts.ts` (a live estimate, upload
 * progress), allowed by their hashes. Charts are inline SVG made by `Charts.ts` from engine results.
 */
import { type RecordedDecision, ROLES, type Role, VERDICTS } from "@pilotproof/domain"
import type { DefinitionIssue, ListedCheck, ReadinessProblems } from "@pilotproof/domain"
import { LISTED_CHECKS } from "@pilotproof/domain"
import type { MetricAnalysis } from "@pilotproof/domain"
import type { TokenInfo } from "@pilotproof/engine"
import { createHash } from "node:crypto"
import type { ComponentChildren } from "preact"
import { render } from "preact-render-to-string"
import { LIVE_ESTIMATE, UPLOAD_PROGRESS } from "./BrowserScripts.js"
import type { FinancePageData, ListRow, PilotPageData } from "./PageData.js"

export const CSS = `
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:10px 24px;display:flex;gap:18px;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none}header .brand{font-weight:700;margin-right:12px}header form{margin:0 0 0 auto}
header button{background:none;border:1px solid #8c959f;color:#fff;border-radius:6px;padding:3px 10px;cursor:pointer}header .viewer{color:#d0d7de;margin-right:8px}
main{max-width:1232px;margin:0 auto;padding:20px 24px}section{overflow-x:auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:14px 18px;margin:0 0 16px}
h1{font-size:22px;margin:4px 0 12px}h2{font-size:16px;margin:0 0 10px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}th{font-size:12px;color:#57606a;text-transform:uppercase}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.wrap{white-space:normal}td.wrap span{white-space:nowrap}
.verdict{display:inline-block;font-weight:700;border-radius:6px;padding:2px 8px;color:#fff}
.GO{background:#1a7f37}.NO_GO{background:#cf222e}.EXTEND{background:#9a6700}.ITERATE{background:#8250df}.none{background:#8c959f}
.pass{color:#1a7f37;font-weight:600}.warn{color:#9a6700;font-weight:600}.fail{color:#cf222e;font-weight:700}.not-applicable{color:#8c959f}
.muted{color:#57606a}.error{background:#ffebe9;border:1px solid #ff8182;border-radius:6px;padding:10px 14px;margin:0 0 12px}
.ok{background:#dafbe1;border:1px solid #4ac26b;border-radius:6px;padding:10px 14px;margin:0 0 12px}
code,pre,textarea{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}pre.src{background:#f6f8fa;padding:8px;overflow:auto;max-height:420px}
pre.src .bad{background:#ffebe9;display:block}textarea{width:100%;min-height:260px}
input[type=text],input[type=password],select{padding:5px 8px;border:1px solid #d0d7de;border-radius:6px;min-width:280px}
button.primary{background:#1f883d;color:#fff;border:0;border-radius:6px;padding:6px 14px;font-weight:600;cursor:pointer}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:10px}.kpi{border:1px solid #d0d7de;border-radius:6px;padding:8px 10px}
.kpi b{display:block;font-size:18px}.chart svg{max-width:100%;height:auto}
textarea.reason{min-height:70px}table.rows input[type=text],table.rows select{min-width:0;width:100%;box-sizing:border-box}
table.rows td{vertical-align:top}table.rows input+input{margin-top:4px}label input[type=text]{min-width:160px}.warn-box{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:8px 12px;margin:8px 0}
:focus-visible{outline:2px solid #0969da;outline-offset:2px}
`

/** The pages' Content-Security-Policy allows this stylesheet and no other style (no style="…"). */
export const CSS_SOURCE = `'sha256-${createHash("sha256").update(CSS, "utf8").digest("base64")}'`

export interface Viewer {
  readonly name: string
  readonly role: Role
}

const can = {
  pilotPage: (r: Role) => r !== "finance",
  finance: (r: Role) => r === "analyst" || r === "finance" || r === "admin",
  register: (r: Role) => r === "owner" || r === "admin",
  /** Start, stop and import events: as `POST …/start`, `…/stop` and `…/events` allow. */
  run: (r: Role) => r === "owner" || r === "admin",
  /** Rejected rows: as `GET …/events/rejects` allows. */
  rejects: (r: Role) => r === "owner" || r === "analyst" || r === "admin",
  /** Alert targets: admins (like tokens: a target's URL holds a token). */
  alerts: (r: Role) => r === "admin",
  /** Record actuals: as `POST …/actuals` allows. */
  actuals: (r: Role) => r === "finance" || r === "admin",
  /** Record a decision (the computed verdict): as `POST …/decisions` allows. */
  decide: (r: Role) => r === "analyst" || r === "owner" || r === "admin",
  /** Replace the computed verdict, with a reason. */
  override: (r: Role) => r === "owner" || r === "admin",
  tokens: (r: Role) => r === "admin"
}
export const pagePermissions = can

/** A whole HTML document. */
export const page = (title: string, viewer: Viewer | undefined, body: ComponentChildren): string =>
  "<!doctype html>" + render(
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title} · Pilotproof</title>
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <header>
          <a class="brand" href="/">Pilotproof</a>
          {viewer !== undefined && <a href="/">Pilots</a>}
          {viewer !== undefined && can.register(viewer.role) && <a href="/register">Register a pilot</a>}
          {viewer !== undefined && can.alerts(viewer.role) && <a href="/alerts">Alerts</a>}
          {viewer !== undefined && can.tokens(viewer.role) && <a href="/tokens">Tokens</a>}
          {viewer !== undefined && (
            <form method="post" action="/logout">
              <span class="viewer">{viewer.name} ({viewer.role})</span>
              <button type="submit">Log out</button>
            </form>
          )}
        </header>
        <main>{body}</main>
      </body>
    </html>
  )

/** One of `BrowserScripts`' fixed scripts (the CSP allows each by its hash, and nothing else). */
const Script = ({ text }: { text: string }) => <script dangerouslySetInnerHTML={{ __html: text }} />

/** A standalone document (the report): the same content, no navigation. */
export const standalone = (title: string, body: ComponentChildren): string =>
  "<!doctype html>" + render(
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body><main>{body}</main></body>
    </html>
  )

const Verdict = ({ verdict }: { verdict: string | undefined }) =>
  <span class={`verdict ${verdict ?? "none"}`}>{verdict ?? "no decision"}</span>

/** SVG made by Charts.ts from numbers (vega escapes every text it writes). */
const Chart = ({ svg, label }: { svg: string; label: string }) =>
  <div class="chart" role="img" aria-label={label} dangerouslySetInnerHTML={{ __html: svg }} />

const fmtNumber = (x: number, digits = 3) =>
  Number.isNaN(x) ? "—" : Number.isFinite(x) ? (Math.abs(x) >= 1000 ? Math.round(x).toLocaleString("en-US").replace(/,/g, " ") : x.toPrecision(digits)) : x > 0 ? "+∞" : "−∞"
export const money = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US").replace(/,/g, " ") : "n/a")
const value = (m: Pick<MetricAnalysis, "type">, x: number) => (m.type === "binomial" ? `${(x * 100).toFixed(2)}%` : fmtNumber(x))
const diff = (m: Pick<MetricAnalysis, "type">, x: number) => (m.type === "binomial" ? `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)} pp` : `${x >= 0 ? "+" : ""}${fmtNumber(x)}`)
/** How long ago an ISO time was, as a reader says it. */
const age = (iso: string) => {
  const minutes = Math.floor((Date.now() - Date.parse(iso)) / 60_000)
  return minutes < 1 ? "less than a minute ago" : minutes < 120 ? `${minutes} min ago` : `${Math.floor(minutes / 60)} h ago`
}
const pct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%` : "n/a")
const pValue = (x: number | undefined) => (x === undefined ? "" : x < 0.0001 ? "<0.0001" : x.toFixed(4))
/** The confidence of an interval at `alpha`, "95%" (a one-sided plan's intervals are at 2α, each end a one-sided 1 − α bound). */
const ciPercent = (alpha: number) => `${+(100 * (1 - alpha)).toPrecision(6)}%`

// ---------------------------------------------------------------------------------------------

export const LoginPage = ({ error, next, hint }: { error?: string; next: string; hint?: string }) => (
  <section>
    <h1>Log in</h1>
    {error !== undefined && <div class="error">{error}</div>}
    <form method="post" action="/login">
      <input type="hidden" name="next" value={next} />
      <p><label>Token <input type="password" name="token" autocomplete="off" required /></label></p>
      <p><button class="primary" type="submit">Log in</button></p>
    </form>
    <p class="muted">A token is created with <code>pilotproof token create --role owner|analyst|finance|admin --name "…"</code>; it is kept in an HttpOnly cookie until you log out.</p>
    {hint !== undefined && <p class="muted">{hint}</p>}
  </section>
)

export const PilotList = ({ rows, viewer }: { rows: ReadonlyArray<ListRow>; viewer: Viewer }) => (
  <section>
    <h1>Pilots</h1>
    {rows.length === 0
      ? <p>No pilot is registered yet. {can.register(viewer.role) ? <a href="/register">Register one</a> : "An owner registers them."}</p>
      : (
        <table>
          <thead><tr><th>Pilot</th><th>Status</th><th>Kind</th><th>Owner</th><th>Latest verdict</th><th>Decided</th><th>Reason</th><th></th></tr></thead>
          <tbody>
            {rows.map(({ latest, pilot }) => (
              <tr data-pilot={pilot.id}>
                <td>{can.pilotPage(viewer.role) ? <a href={`/pilots/${encodeURIComponent(pilot.id)}`}>{pilot.definition.name}</a> : pilot.definition.name}<br /><code class="muted">{pilot.id}</code></td>
                <td>{pilot.status}</td>
                <td>{pilot.definition.kind}</td>
                <td>{pilot.definition.owner.name}</td>
                <td><Verdict verdict={latest?.verdict} />{latest?.override_verdict != null && <span class="muted"> (override of {latest.computed_verdict})</span>}</td>
                <td class="muted">{latest?.decided_at.slice(0, 10) ?? ""}</td>
                <td>{latest?.reason ?? ""}</td>
                <td>{can.finance(viewer.role) && <a href={`/pilots/${encodeURIComponent(pilot.id)}/finance`}>finance</a>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
  </section>
)

export const PilotContent = ({ data, financeLink, decideLink = false, runLinks = false, rejectsLink = false }: {
  data: PilotPageData
  financeLink: boolean
  decideLink?: boolean
  runLinks?: boolean
  rejectsLink?: boolean
}) => {
  const { analysis: a, decision, pilot, readiness } = data
  const d = pilot.definition
  const ev = decision.evaluation
  return (
    <>
      <section>
        <h1>{d.name} <Verdict verdict={decision.recorded?.verdict ?? ev.decision.verdict} /></h1>
        <p class="muted"><code>{pilot.id}</code> · {pilot.status} · version {pilot.version} · design hash <code>{(pilot.designHash ?? pilot.definitionHash).slice(0, 12)}</code> · {d.kind} · owner {d.owner.name}
          {financeLink && <> · <a href={`/pilots/${encodeURIComponent(pilot.id)}/finance`}>finance: payback and NPV</a></>}
          {decideLink && <> · <a href={`/pilots/${encodeURIComponent(pilot.id)}/decide`}>decide</a></>}
          {runLinks && pilot.status !== "stopped" && <> · <a href={`/pilots/${encodeURIComponent(pilot.id)}/${pilot.status === "draft" ? "start" : "stop"}`}>{pilot.status === "draft" ? "start" : "stop"}</a></>}
          {runLinks && pilot.status !== "draft" && <> · <a href={`/pilots/${encodeURIComponent(pilot.id)}/events`}>import events</a></>}
          {rejectsLink && <> · <a href={`/pilots/${encodeURIComponent(pilot.id)}/rejects`}>rejected rows</a></>}</p>
        <p>{d.hypothesis}</p>
      </section>
      <section>
        <h2>Design</h2>
        <p>Unit: <b>{d.unit}</b>. Variants: {d.variants.map((v) => `${v.key} (${v.weight})`).join(", ")}. Plan: α = {d.plan.alpha}, power {d.plan.power}, MDE {d.plan.mde}, {d.plan.minDays}–{d.plan.maxDays} days, {d.plan.sequential ? "sequential monitoring" : "fixed horizon"}, {d.plan.sides === 1 ? "one-sided" : "two-sided"}; {a.plannedPerArm} units per arm.</p>
        <table>
          <thead><tr><th>Metric</th><th>Role</th><th>Type</th><th>Direction</th><th>Margin</th><th>Pack</th></tr></thead>
          <tbody>{d.metrics.map((m) => <tr><td>{m.key}</td><td>{m.role}</td><td>{m.type}</td><td>{m.direction}</td><td>{m.margin ?? ""}</td><td>{m.fromPack ?? ""}</td></tr>)}</tbody>
        </table>
      </section>
      <section>
        <h2>Data readiness: <span class={readiness.status}>{readiness.status.toUpperCase()}</span></h2>
        <table>
          <thead><tr><th>Check</th><th>Status</th><th>Detail</th></tr></thead>
          <tbody>{readiness.checks.map((c) => (
            <tr><td>{c.check}</td><td class={c.status}>{c.status}</td><td>{c.message}{c.examples.length > 0 && <span class="muted"> (e.g. {c.examples.join(", ")})</span>}
              {c.check === "rejected-rows" && c.status !== "pass" && rejectsLink && <> <a href={`/pilots/${encodeURIComponent(pilot.id)}/rejects`}>every rejected row</a></>}
              {c.count > 0 && c.status !== "pass" && rejectsLink && (LISTED_CHECKS as ReadonlyArray<string>).includes(c.check) && <> <a class="drill" href={`/pilots/${encodeURIComponent(pilot.id)}/readiness/${c.check}`}>list them</a></>}</td></tr>
          ))}</tbody>
        </table>
      </section>
      <section>
        <h2>Results as of {a.asOf.slice(0, 16).replace("T", " ")} UTC</h2>
        {data.snapshot !== undefined && (
          <p class="muted" id="snapshot">Snapshot <code>{data.snapshot.id}</code>: data version {data.snapshot.key.dataVersion}, computed {age(data.snapshot.computedAt)} in {(data.snapshot.computeMs / 1000).toFixed(1)} s; it is computed again when new data arrives. <a href={`/pilots/${encodeURIComponent(pilot.id)}?refresh=1`}>Compute now</a></p>
        )}
        <p class="muted">{a.runtime.days} days of data (plan {a.runtime.minDays}–{a.runtime.maxDays}); {a.cluster === undefined ? "units" : `${a.cluster.analysisUnit}s`} {Object.entries(a.readiness.exposure.units).map(([v, n]) => `${v} ${n}`).join(", ")}{a.cluster === undefined || a.readiness.exposure.clusters === undefined ? "" : `; cluster-randomized by ${a.cluster.unit}: ${Object.entries(a.readiness.exposure.clusters).map(([v, n]) => `${v} ${n}`).join(", ")} ${a.cluster.unit}s, every metric on per-${a.cluster.unit} totals`}; SRM p = {a.readiness.srm.pValue.toPrecision(3)}; {a.sequential ? "always-valid (sequential) intervals" : "fixed-horizon intervals"}{a.sides === 1 ? `; one-sided tests at α = ${a.alpha}: p is one-sided and each end of an interval a one-sided ${ciPercent(a.alpha)} bound` : ""}.</p>
        <table>
          <thead><tr><th>Metric</th><th>Role</th><th>Comparison</th><th>Control → treatment</th><th>Effect [{ciPercent(a.sides === 1 ? 2 * a.alpha : a.alpha)} CI]</th><th>Relative [CI]</th><th>p</th><th>p (Holm)</th><th>Method</th></tr></thead>
          <tbody>
            {a.metrics.flatMap((m) =>
              m.comparisons.map((c) => {
                const control = m.variants.find((v) => v.variant === c.baseline.variant)
                const treatment = m.variants.find((v) => v.variant === c.variant)
                return (
                  <tr>
                    <td>{m.key}</td><td>{m.role}</td><td>{c.variant} vs {c.baseline.variant}</td>
                    <td class="num wrap"><span>{control === undefined ? "" : value(m, control.mean)} →</span> <span>{treatment === undefined ? "" : value(m, treatment.mean)}</span></td>
                    <td class="num wrap"><span>{diff(m, c.absolute.estimate)}</span> <span>[{diff(m, c.absolute.ci.lower)}, {diff(m, c.absolute.ci.upper)}]</span></td>
                    <td class="num wrap"><span>{pct(c.relative.estimate)}</span> <span>[{pct(c.relative.ci.lower)}, {pct(c.relative.ci.upper)}]</span></td>
                    <td class="num">{pValue(c.pValue)}</td><td class="num">{pValue(c.adjustedPValue)}</td>
                    <td>{c.method}{c.degenerate !== undefined && <span class="warn"> ({c.degenerate})</span>}</td>
                  </tr>
                )
              })
            )}
          </tbody>
        </table>
      </section>
      {(a.segments ?? []).length > 0 && (
        <section id="segments">
          <h2>Pre-registered segments</h2>
          <p class="muted">The primary's effect by segment, at a fixed horizon, Holm-adjusted across each segment's values. Informative: the decision never reads them.</p>
          {(a.segments ?? []).map((g) => {
            const m = a.metrics.find((x) => x.key === g.metric)!
            return (
              <div>
                <h3>By {g.attribute}: {g.metric}, {g.variant} vs {a.control}</h3>
                <p class={g.heterogeneity.pValue < a.alpha ? "warn" : "muted"}>Does the effect differ between them? Cochran's Q = {g.heterogeneity.q.toFixed(2)}, df {g.heterogeneity.df}, p = {pValue(g.heterogeneity.pValue)}, I² = {(100 * g.heterogeneity.i2).toFixed(0)} %.</p>
                <table>
                  <thead><tr><th>{g.attribute}</th><th>Units (control / treatment)</th><th>Effect [{ciPercent(a.sides === 1 ? 2 * a.alpha : a.alpha)} CI]</th><th>p</th><th>p (Holm)</th></tr></thead>
                  <tbody>
                    {g.values.map((v) => (
                      <tr><td>{v.value}</td><td class="num">{v.control} / {v.treatment}</td><td class="num">{diff(m, v.estimate)} [{diff(m, v.ci.lower)}, {diff(m, v.ci.upper)}]</td><td class="num">{pValue(v.pValue)}</td><td class="num">{pValue(v.adjustedPValue)}</td></tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          })}
        </section>
      )}
      {(a.diagnostics ?? []).length > 0 && (
        <section id="diagnostics">
          <h2>Diagnostics: what the AI did</h2>
          <p class="muted">Measured on the arms that have them, at {ciPercent(a.alpha)} intervals. Informative: the decision never reads them.</p>
          <table>
            <thead><tr><th>Diagnostic</th><th>Arm</th><th>Units</th><th>Value [CI]</th><th>Detail</th></tr></thead>
            <tbody>
              {(a.diagnostics ?? []).flatMap((g) =>
                g.arms.length === 0
                  ? [<tr><td>{g.key}</td><td colspan={4} class="muted">no arm has data yet</td></tr>]
                  : g.type === "ratio"
                  ? g.arms.map((r) => <tr><td>{g.key}</td><td>{r.variant}</td><td class="num">{r.units}</td><td class="num">{fmtNumber(r.estimate)} [{fmtNumber(r.ci.lower)}, {fmtNumber(r.ci.upper)}]</td><td class="num">{fmtNumber(r.numerator)} / {fmtNumber(r.denominator)}</td></tr>)
                  : g.arms.map((r) => <tr><td>{g.key}</td><td>{r.variant}</td><td class="num">{r.read === r.units ? r.units : `${r.read} of ${r.units}`}</td><td class="num">AUC {fmtNumber(r.auc.estimate)} [{fmtNumber(r.auc.ci.lower)}, {fmtNumber(r.auc.ci.upper)}]</td><td>{r.positives} positive; Brier {fmtNumber(r.brier)}; top-decile lift {fmtNumber(r.topDecileLift)}{r.degenerate !== undefined && <span class="warn"> ({r.degenerate})</span>}</td></tr>)
              )}
            </tbody>
          </table>
          {(a.diagnostics ?? []).flatMap((g) =>
            g.type !== "scoring" ? [] : g.arms.map((r) => (
              <div>
                <h3>Reliability of {g.key} in {r.variant}</h3>
                <table>
                  <thead><tr><th>Score</th><th>Units</th><th>Mean score</th><th>Observed rate</th></tr></thead>
                  <tbody>{r.reliability.map((b) => <tr><td>[{b.from}, {b.to})</td><td class="num">{b.units}</td><td class="num">{fmtNumber(b.meanPredicted)}</td><td class="num">{fmtNumber(b.observedRate)}</td></tr>)}</tbody>
                </table>
              </div>
            ))
          )}
        </section>
      )}
      <section>
        <h2>Effects with their confidence intervals</h2>
        <Chart svg={data.forestSvg} label="forest plot of relative effects" />
      </section>
      <section>
        <h2>Primary effect over time</h2>
        <p class="muted">{data.timeTitle}, analysed as the data stood at each date (band: its interval).</p>
        <Chart svg={data.timeSvg} label="primary effect over time" />
        {a.metrics.flatMap((m) =>
          m.comparisons.flatMap((c) =>
            c.novelty === undefined ? [] : [
              <div id={`novelty-${c.variant}`}>
                <h3>Novelty check: {m.key}, {c.variant} vs {c.baseline.variant}</h3>
                <p class={c.novelty.decaying ? "warn" : "muted"}>
                  The effect among the units first exposed each week{c.novelty.decaying ? " fades" : ""}: a trend of {diff(m, c.novelty.slope)} a week (p = {pValue(c.novelty.pValue)}{c.novelty.decaying ? ", a warning on the decision" : ""}).
                </p>
                <table>
                  <thead><tr><th>Week of</th><th>Units (control / treatment)</th><th>Effect [{ciPercent(a.alpha)} CI]</th></tr></thead>
                  <tbody>
                    {c.novelty.weeks.map((w) => (
                      <tr><td>{w.from}</td><td class="num">{w.control} / {w.treatment}</td><td class="num">{diff(m, w.estimate)} [{diff(m, w.ci.lower)}, {diff(m, w.ci.upper)}]</td></tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ]
          )
        )}
      </section>
      <section>
        <h2>Decision</h2>
        <p><Verdict verdict={decision.recorded?.verdict ?? ev.decision.verdict} /> {ev.decision.variant !== undefined && <b>{ev.decision.variant}: </b>}{ev.decision.reason}</p>
        {decision.recorded === undefined
          ? <p class="warn">Computed now, not recorded: an analyst records the decision (pilotproof decide, or POST /api/pilots/{pilot.id}/decisions).</p>
          : <p class="muted">Decision #{decision.recorded.seq}, recorded {decision.recorded.decided_at} by {decision.recorded.actor} on data as of {decision.recorded.as_of} (design {decision.recorded.design_hash.slice(0, 12)}).
            {decision.recorded.override_verdict !== null && <> Override: <b>{decision.recorded.override_verdict}</b> by {decision.recorded.override_by} — {decision.recorded.override_reason} (computed: {decision.recorded.computed_verdict}).</>}</p>}
        <table>
          <thead><tr><th>Check</th><th>Status</th><th>Evidence</th></tr></thead>
          <tbody>{ev.decision.checks.map((c) => <tr><td>{c.name}</td><td class={c.status}>{c.status}</td><td>{c.evidence}</td></tr>)}</tbody>
        </table>
      </section>
    </>
  )
}

/** What the finance page's actuals forms show: a result, or an error in place with what was typed. */
export interface ActualsState {
  readonly recorded?: number
  readonly error?: string
  readonly month?: string
  readonly cost?: string
  readonly benefit?: string
}

export const FinanceContent = ({ data, canRecord = false, actuals = {} }: { data: FinancePageData; canRecord?: boolean; actuals?: ActualsState }) => {
  const e = data.economics
  const c = data.roi.comparison
  const base = `/pilots/${encodeURIComponent(data.pilot.id)}/actuals`
  return (
    <>
      <section>
        <h1>{data.pilot.definition.name}: does it pay back? <Verdict verdict={data.decision.recorded?.verdict ?? data.decision.evaluation.decision.verdict} /></h1>
        <p class="muted"><code>{data.pilot.id}</code> · {data.decision.recorded === undefined ? "economics computed now (no decision recorded yet)" : `forecast of decision #${data.decision.recorded.seq} (${data.decision.recorded.decided_at.slice(0, 10)})`}</p>
        {data.notEvaluated.map((n) => <p class="warn">Not evaluated: {n}</p>)}
      </section>
      {e !== undefined && (
        <>
          <section>
            <h2>Economics at scale: {e.variant} ({e.currency})</h2>
            <div class="grid">
              <div class="kpi" id="payback"><span class="muted">Payback</span><b>{e.point.paybackMonths === undefined ? "not within the horizon" : `${e.point.paybackMonths.toFixed(1)} months`}</b><span class="muted">target ≤ {e.monteCarlo.targetPaybackMonths} mo; discounted {e.point.discountedPaybackMonths === undefined ? "n/a" : `${e.point.discountedPaybackMonths.toFixed(1)} mo`}</span></div>
              <div class="kpi"><span class="muted">P(payback ≤ target)</span><b>{e.monteCarlo.probPaybackWithinTarget.toFixed(2)}</b></div>
              <div class="kpi"><span class="muted">NPV at the measured effect</span><b>{money(e.point.npv)}</b></div>
              <div class="kpi"><span class="muted">P(NPV &gt; 0)</span><b>{e.monteCarlo.probNpvPositive.toFixed(2)}</b></div>
              <div class="kpi"><span class="muted">ROI</span><b>{e.point.roi === undefined ? "n/a" : pct(e.point.roi)}</b></div>
              <div class="kpi"><span class="muted">Break-even effect on {e.primaryMetric}</span><b>{e.breakEvenEffect === undefined ? "n/a" : e.breakEvenEffect.toPrecision(3)}</b></div>
            </div>
          </section>
          <section>
            <h2>Cumulative cash flow with its uncertainty</h2>
            <p class="muted">Band: 5th–95th percentile of {e.monteCarlo.draws.toLocaleString("en-US")} Monte Carlo draws over the measured effects (seed {e.monteCarlo.seed}); line: median{c?.ok === true ? "; red: actuals" : ""}.</p>
            {data.cashSvg !== undefined && <Chart svg={data.cashSvg} label="cumulative cash flow band" />}
          </section>
          <section>
            <h2>NPV distribution</h2>
            {data.npvSvg !== undefined && <Chart svg={data.npvSvg} label="NPV percentiles" />}
            <table>
              <thead><tr><th>5th percentile</th><th>median</th><th>mean</th><th>95th percentile</th><th>expected loss</th></tr></thead>
              <tbody><tr><td class="num">{money(e.monteCarlo.npv.p5)}</td><td class="num">{money(e.monteCarlo.npv.p50)}</td><td class="num">{money(e.monteCarlo.npv.mean)}</td><td class="num">{money(e.monteCarlo.npv.p95)}</td><td class="num">{money(e.monteCarlo.expectedLoss)}</td></tr></tbody>
            </table>
          </section>
        </>
      )}
      <section>
        <h2>Forecast vs actuals</h2>
        {c === undefined
          ? <p class="muted">{data.roi.note ?? "no actuals yet"}</p>
          : !c.ok
          ? <p class="error">{c.message}</p>
          : (
            <>
              <p>Realized payback: <b>{c.realizedPayback.ok ? `${c.realizedPayback.months.toFixed(1)} months` : "not yet"}</b>; months below the forecast's 5th percentile: {c.monthsBelowForecastP5.length === 0 ? "none" : c.monthsBelowForecastP5.map((m) => data.roi.months[m - 1] ?? String(m)).join(", ")}.</p>
              <table>
                <thead><tr><th>Month</th><th>Actual cumulative</th><th>Forecast 5%</th><th>Median</th><th>95%</th><th></th></tr></thead>
                <tbody>{c.rows.map((r, i) => (
                  <tr><td>{data.roi.months[i] ?? r.month}</td><td class="num">{money(r.cumulative)}</td>
                    <td class="num">{r.forecast === undefined ? "" : money(r.forecast.p5)}</td><td class="num">{r.forecast === undefined ? "" : money(r.forecast.p50)}</td><td class="num">{r.forecast === undefined ? "" : money(r.forecast.p95)}</td>
                    <td class={r.belowForecastP5 ? "fail" : ""}>{r.belowForecastP5 ? "below 5th percentile" : r.aboveForecastP95 ? "above 95th" : ""}</td></tr>
                ))}</tbody>
              </table>
            </>
          )}
      </section>
      {canRecord && (
        <section id="record-actuals">
          <h2>Record actuals</h2>
          {actuals.recorded !== undefined && <div class="ok" role="status">Recorded {actuals.recorded} month{actuals.recorded === 1 ? "" : "s"} of actuals.</div>}
          {actuals.error !== undefined && <div class="error" role="alert" id="actuals-error">{actuals.error}</div>}
          <p class="muted">What scaling really cost and earned per month ({data.pilot.definition.economics.currency}); a month recorded again replaces the earlier figures.</p>
          <form method="post" action={base}>
            <p><label for="actuals-month">Month</label> <input type="text" id="actuals-month" name="month" placeholder="2026-06" pattern="\d{4}-\d{2}" value={actuals.month ?? ""} required />{" "}
              <label for="actuals-cost">Cost</label> <input type="text" id="actuals-cost" name="cost" inputmode="decimal" value={actuals.cost ?? ""} required />{" "}
              <label for="actuals-benefit">Benefit</label> <input type="text" id="actuals-benefit" name="benefit" inputmode="decimal" value={actuals.benefit ?? ""} required />{" "}
              <button class="primary" type="submit">Record the month</button></p>
          </form>
          <form method="post" action={`${base}/import`} enctype="multipart/form-data">
            <p><label for="actuals-file">or a CSV of months (month,cost,benefit)</label> <input type="file" id="actuals-file" name="file" accept=".csv,.txt" required />{" "}
              <button type="submit">Import the months</button></p>
          </form>
        </section>
      )}
    </>
  )
}

/** The guided form's state: what was typed, every problem (at its field where it has one), the plan and YAML once valid. */
export interface GuidedPlan {
  readonly perArm: number
  readonly days: number
  readonly planned: number
  readonly fits: boolean
  readonly perDay: number
  readonly notes: ReadonlyArray<string>
}

/** The planner's answer for the guided form, in words: the same sentence for Check and for the live estimate. */
export const planSentence = (plan: GuidedPlan): string =>
  `Valid. The plan: ${plan.perArm.toLocaleString("en-US")} units per arm; at ${plan.perDay.toLocaleString("en-US")} units a day that takes ` +
  `${Number.isFinite(plan.days) ? Math.ceil(plan.days) : "∞"} days (planned ${plan.planned}${plan.fits ? "" : ", beyond maxDays"}).` +
  (plan.notes.length === 0 ? "" : ` ${plan.notes.join(" ")}`)

/** What keeps the guided form from an estimate, in words: the count and the first few problems at their fields. */
export const problemsSentence = (issues: ReadonlyArray<{ readonly path: string; readonly message: string }>): string =>
  `No estimate yet: ${issues.length} problem${issues.length === 1 ? "" : "s"} — ` +
  issues.slice(0, 3).map((i) => `${i.path === "" ? "(file)" : i.path}: ${i.message}`).join("; ") +
  (issues.length > 3 ? "; …" : "") + "."

export interface GuidedState {
  readonly fields: Readonly<Record<string, string>>
  readonly issues?: ReadonlyArray<{ readonly path: string; readonly message: string; readonly field?: string | undefined }>
  readonly plan?: GuidedPlan
  readonly yaml?: string
  readonly error?: string
}

const KINDS = ["bot", "scoring", "personalization", "assistant"] as const
const UNITS = ["lead", "customer", "conversation", "deal", "ticket", "account", "user"] as const
const CATEGORIES = ["integration", "license", "usage", "training", "support", "infrastructure", "other"] as const

export const GuidedPage = ({ state, packs, rows }: {
  state: GuidedState
  packs: ReadonlyArray<{ readonly name: string; readonly summary: string }>
  rows: { readonly variants: number; readonly metrics: number; readonly values: number; readonly costs: number }
}) => {
  const f = state.fields
  const v = (name: string) => f[name] ?? ""
  const problems = new Map<string, Array<string>>()
  for (const i of state.issues ?? []) if (i.field !== undefined) problems.set(i.field, [...(problems.get(i.field) ?? []), i.message])
  const bad = (name: string) => problems.get(name)?.map((m) => <span class="fail field-error" data-field={name}> {m}</span>)
  const input = (name: string, label: string, attrs: Record<string, string> = {}) => (
    <label>{label} <input type="text" name={name} value={v(name)} aria-invalid={problems.has(name) ? "true" : undefined} {...attrs} />{bad(name)}</label>
  )
  const choose = (name: string, label: string, options: ReadonlyArray<string>, blank = false) => (
    <label>{label} <select name={name} aria-invalid={problems.has(name) ? "true" : undefined}>
      {blank && <option value="">—</option>}
      {options.map((o) => <option value={o} selected={v(name) === o}>{o}</option>)}
    </select>{bad(name)}</label>
  )
  const range = (n: number) => Array.from({ length: n }, (_, i) => i)
  return (
    <section>
      <h1>Register a pilot, step by step</h1>
      <p class="muted">The form writes the pilot file a YAML would hold (docs/product-owner.md): check it, download it, or register it. <a href="/register">Paste or upload a file instead</a>.</p>
      {state.error !== undefined && <div class="error" role="alert">{state.error}</div>}
      {state.issues !== undefined && state.issues.length > 0 && (
        <div class="error" role="alert" id="guided-errors">
          <b>{state.issues.length} problem{state.issues.length === 1 ? "" : "s"}</b>
          <ul>{state.issues.map((i) => <li class="issue"><code>{i.path === "" ? "(file)" : i.path}</code>: {i.message}</li>)}</ul>
        </div>
      )}
      {state.plan !== undefined && (
        <div class="ok" role="status" id="guided-plan">{planSentence(state.plan)}</div>
      )}
      <form method="post" action="/register/guided" data-estimate="/register/guided/estimate">
        <h2>The pilot</h2>
        <p>{input("id", "Id (kebab case)", { placeholder: "support-bot-lead-qualification" })} {input("name", "Name")}</p>
        <p>{choose("kind", "Kind", KINDS)} {choose("unit", "Unit", UNITS)}</p>
        <p>{input("owner.name", "Owner")} {input("owner.email", "Owner's e-mail")}</p>
        <p><label for="guided-hypothesis">Hypothesis</label>{bad("hypothesis")}<textarea class="reason" id="guided-hypothesis" name="hypothesis">{v("hypothesis")}</textarea></p>

        <h2>Variants</h2>
        <table class="rows">
          <thead><tr><th>Key</th><th>Weight</th><th>Control</th></tr></thead>
          <tbody>{range(rows.variants).map((i) => (
            <tr><td><input type="text" name={`variants.${i}.key`} value={v(`variants.${i}.key`)} aria-label={`variant ${i + 1} key`} />{bad(`variants.${i}.key`)}</td>
              <td><input type="text" name={`variants.${i}.weight`} value={v(`variants.${i}.weight`)} aria-label={`variant ${i + 1} weight`} inputmode="decimal" />{bad(`variants.${i}.weight`)}</td>
              <td><input type="radio" name="control" value={String(i)} checked={v("control") === String(i)} aria-label={`variant ${i + 1} is the control`} /></td></tr>
          ))}</tbody>
        </table>
        {bad("variants")}

        <h2>Metrics</h2>
        <p class="muted">A metric pack (docs/ai-pilots.md) fills in a metric's events, window and direction; or describe the metric yourself.</p>
        <table class="rows">
          <thead><tr><th>Pack</th><th>Key</th><th>Role</th><th>Type</th><th>Event (or from → to)</th><th>Direction</th><th>Margin</th><th>Window days</th></tr></thead>
          <tbody>{range(rows.metrics).map((i) => {
            const m = (field: string) => `metrics.${i}.${field}`
            return (
              <tr>
                <td><select name={m("pack")} aria-label={`metric ${i + 1} pack`}><option value="">—</option>{packs.map((p) => <option value={p.name} selected={v(m("pack")) === p.name} title={p.summary}>{p.name}</option>)}</select>{bad(m("pack"))}{bad(`metrics.${i}`)}</td>
                <td><input type="text" name={m("key")} value={v(m("key"))} aria-label={`metric ${i + 1} key`} />{bad(m("key"))}</td>
                <td><select name={m("role")} aria-label={`metric ${i + 1} role`}><option value="">—</option>{["primary", "secondary", "guardrail"].map((r) => <option value={r} selected={v(m("role")) === r}>{r}</option>)}</select>{bad(m("role"))}</td>
                <td><select name={m("type")} aria-label={`metric ${i + 1} type`}><option value="">—</option>{["binomial", "mean", "duration"].map((t) => <option value={t} selected={v(m("type")) === t}>{t}</option>)}</select>{bad(m("type"))}</td>
                <td><input type="text" name={m("event")} value={v(m("event"))} aria-label={`metric ${i + 1} event`} placeholder="deal_won" />{bad(m("event"))}
                  <input type="text" name={m("from")} value={v(m("from"))} aria-label={`metric ${i + 1} duration from`} placeholder="from" />{bad(m("from"))}
                  <input type="text" name={m("to")} value={v(m("to"))} aria-label={`metric ${i + 1} duration to`} placeholder="to" />{bad(m("to"))}</td>
                <td><select name={m("direction")} aria-label={`metric ${i + 1} direction`}><option value="">—</option>{["increase", "decrease"].map((d) => <option value={d} selected={v(m("direction")) === d}>{d}</option>)}</select>{bad(m("direction"))}</td>
                <td><input type="text" name={m("margin")} value={v(m("margin"))} aria-label={`metric ${i + 1} margin`} inputmode="decimal" />{bad(m("margin"))}</td>
                <td><input type="text" name={m("window")} value={v(m("window"))} aria-label={`metric ${i + 1} window in days`} inputmode="numeric" />{bad(m("window"))}</td>
              </tr>
            )
          })}</tbody>
        </table>
        {bad("metrics")}

        <h2>Plan</h2>
        <p>{input("plan.alpha", "α")} {input("plan.power", "Power")} {input("plan.mde", "MDE (relative)")} {input("plan.baseline", "Baseline")}</p>
        <p>{input("plan.minDays", "Min days")} {input("plan.maxDays", "Max days")} <label><input type="checkbox" name="plan.sequential" checked={v("plan.sequential") === "on"} /> sequential monitoring</label>{" "}
          {input("perDay", "Units a day, for the estimate (default: units a month ÷ 30)")}</p>
        {bad("plan")}
        <p id="live-estimate" aria-live="polite"></p>

        <h2>Economics</h2>
        <p>{input("economics.currency", "Currency")} {input("economics.horizonMonths", "Horizon, months")} {input("economics.discountRate", "Discount rate")}
          {input("economics.contingency", "Contingency reserve (0.15–0.2)")} {input("economics.targetPaybackMonths", "Target payback, months")} {input("economics.unitsPerMonth", "Units a month at scale")}</p>
        <table class="rows">
          <thead><tr><th>Value of a metric: metric key</th><th>Amount per unit</th></tr></thead>
          <tbody>{range(rows.values).map((i) => (
            <tr><td><input type="text" name={`value.${i}.metric`} value={v(`value.${i}.metric`)} aria-label={`value ${i + 1} metric`} />{bad(`value.${i}.metric`)}</td>
              <td><input type="text" name={`value.${i}.amount`} value={v(`value.${i}.amount`)} aria-label={`value ${i + 1} amount`} inputmode="decimal" /></td></tr>
          ))}</tbody>
        </table>
        <table class="rows">
          <thead><tr><th>Cost line</th><th>Category</th><th>One-time</th><th>Monthly</th><th>Per unit</th></tr></thead>
          <tbody>{range(rows.costs).map((i) => {
            const c = (field: string) => `costs.${i}.${field}`
            return (
              <tr><td><input type="text" name={c("item")} value={v(c("item"))} aria-label={`cost ${i + 1} item`} />{bad(c("item"))}{bad(`costs.${i}`)}</td>
                <td><select name={c("category")} aria-label={`cost ${i + 1} category`}><option value="">—</option>{CATEGORIES.map((k) => <option value={k} selected={v(c("category")) === k}>{k}</option>)}</select></td>
                <td><input type="text" name={c("oneTime")} value={v(c("oneTime"))} aria-label={`cost ${i + 1} one-time`} inputmode="decimal" />{bad(c("oneTime"))}</td>
                <td><input type="text" name={c("monthly")} value={v(c("monthly"))} aria-label={`cost ${i + 1} monthly`} inputmode="decimal" />{bad(c("monthly"))}</td>
                <td><input type="text" name={c("perUnit")} value={v(c("perUnit"))} aria-label={`cost ${i + 1} per unit`} inputmode="decimal" />{bad(c("perUnit"))}</td></tr>
            )
          })}</tbody>
        </table>
        {bad("economics")}

        <h2>Readiness</h2>
        <p>{choose("readiness.consent", "Consent", ["required", "not-required"])} {input("readiness.dataOwner", "Data owner")}</p>

        <p><button type="submit" name="intent" value="check">Check and estimate</button>{" "}
          <button type="submit" name="intent" value="yaml">Download as YAML</button>{" "}
          <button class="primary" type="submit" name="intent" value="register">Register</button></p>
      </form>
      {state.yaml !== undefined && (<><h2>The pilot file</h2><pre class="src" id="guided-yaml">{state.yaml}</pre></>)}
      <Script text={LIVE_ESTIMATE} />
    </section>
  )
}

export interface RegisterState {
  readonly text?: string
  readonly source?: string
  readonly issues?: ReadonlyArray<{ readonly source: string; readonly issues: ReadonlyArray<DefinitionIssue> }>
  readonly message?: string
  readonly done?: string
}

export const RegisterPage = ({ state }: { state: RegisterState }) => {
  const lines = (state.text ?? "").split(/\r?\n/)
  const bad = new Set((state.issues ?? []).flatMap((f) => f.issues.flatMap((i) => (i.line === undefined ? [] : [i.line]))))
  return (
    <section>
      <h1>Register a pilot</h1>
      {state.done !== undefined && <div class="ok">{state.done}</div>}
      {state.message !== undefined && <div class="error" id="errors"><pre>{state.message}</pre></div>}
      {state.issues !== undefined && (
        <div class="error" id="errors">
          {state.issues.map((f) => (
            <>
              <b>{f.source}: {f.issues.length} problem{f.issues.length === 1 ? "" : "s"}</b>
              <ul>{f.issues.map((i) => <li class="issue"><code>{i.format(f.source)}</code></li>)}</ul>
            </>
          ))}
        </div>
      )}
      {bad.size > 0 && (
        <pre class="src">{lines.map((l, i) => <span class={bad.has(i + 1) ? "bad" : ""}>{String(i + 1).padStart(4)}  {l}{"\n"}</span>)}</pre>
      )}
      <form method="post" action="/register" enctype="multipart/form-data">
        <p><label>Upload a pilot file (.yaml, .yml, .json) <input type="file" name="file" accept=".yaml,.yml,.json" /></label></p>
        <p><a href="/register/guided">or fill in the guided form</a></p>
        <p><label>or paste it (file name for messages: <input type="text" name="source" value={state.source ?? "pasted.yaml"} />)</label></p>
        <textarea name="text" aria-label="the pilot file's text (YAML or JSON)">{state.text ?? ""}</textarea>
        <p><button class="primary" type="submit">Validate and register</button></p>
      </form>
    </section>
  )
}

export const TokensPage = ({ tokens, created }: { tokens: ReadonlyArray<TokenInfo>; created?: { token: string; info: TokenInfo } }) => (
  <section>
    <h1>Tokens</h1>
    {created !== undefined && (
      <div class="ok">Created {created.info.role} token “{created.info.name}”. Copy it now, it is not shown again:<br /><code id="new-token">{created.token}</code></div>
    )}
    <form method="post" action="/tokens">
      <p><label>Name <input type="text" name="name" required /></label>{" "}
        <label>Role <select name="role">{ROLES.map((r) => <option value={r}>{r}</option>)}</select></label>{" "}
        <button class="primary" type="submit">Create token</button></p>
    </form>
    <table>
      <thead><tr><th>Name</th><th>Role</th><th>Created</th><th>Revoked</th><th></th></tr></thead>
      <tbody>{tokens.map((t) => (
        <tr><td>{t.name}</td><td>{t.role}</td><td>{t.createdAt}</td><td>{t.revokedAt ?? ""}</td>
          <td>{t.revokedAt === undefined && <form method="post" action={`/tokens/${encodeURIComponent(t.id)}/revoke`}><button type="submit">Revoke</button></form>}</td></tr>
      ))}</tbody>
    </table>
  </section>
)

/** Starting or stopping a pilot, confirmed: starting freezes the design under the hash shown. */
export const LifecyclePage = ({ pilot, action, error }: {
  pilot: { readonly id: string; readonly name: string; readonly status: string; readonly version: number; readonly hash: string }
  action: "start" | "stop"
  error?: string | undefined
}) => (
  <section>
    <h1>{action === "start" ? "Start" : "Stop"}: {pilot.name}</h1>
    {error !== undefined && <div class="error" role="alert">{error}</div>}
    {action === "start"
      ? <div class="warn-box" id="freeze">Starting freezes the design of version {pilot.version} under the hash <code>{pilot.hash}</code>: its metrics, margins, alpha, decision policy and CRM mapping cannot change after data arrives (the pre-registration). A new version can still be registered for a draft only.</div>
      : <div class="warn-box" id="freeze">Stopping ends the pilot's run (design <code>{pilot.hash.slice(0, 12)}</code>): late events can still be imported, nothing can be assigned any more, and it cannot start again.</div>}
    <form method="post" action={`/pilots/${encodeURIComponent(pilot.id)}/${action}`}>
      <button class="primary" type="submit">{action === "start" ? "Start and freeze the design" : "Stop the pilot"}</button>{" "}
      <a href={`/pilots/${encodeURIComponent(pilot.id)}`}>Cancel</a>
    </form>
  </section>
)

export interface RejectRowView {
  readonly source: string
  readonly line: number
  readonly reason: string
}

export interface ImportView {
  readonly source: string
  readonly records: number
  readonly accepted: number
  readonly duplicates: number
  readonly rejected: number
}

/** Importing an event file (CSV or JSONL) into a pilot, and what came of it. */
export const EventsPage = ({ pilot, summary, error }: {
  pilot: { readonly id: string; readonly name: string }
  summary?: ImportView | undefined
  error?: string | undefined
}) => (
  <section>
    <h1>Import events: {pilot.name}</h1>
    <p><a href={`/pilots/${encodeURIComponent(pilot.id)}`}>back to the results</a></p>
    {error !== undefined && <div class="error" role="alert" id="import-error">{error}</div>}
    {summary !== undefined && (
      <div class="ok" role="status" id="import-summary">
        Imported {summary.source}: {summary.records} records — {summary.accepted} accepted, {summary.duplicates} duplicates, {summary.rejected} rejected.
        {summary.rejected > 0 && <> <a href={`/pilots/${encodeURIComponent(pilot.id)}/rejects?source=${encodeURIComponent(summary.source)}`}>See the rejected rows</a>.</>}
      </div>
    )}
    <form method="post" action={`/pilots/${encodeURIComponent(pilot.id)}/events`} enctype="multipart/form-data" data-progress>
      <p><label for="events-file">An event file (.csv, .tsv, .jsonl; columns event_id, unit_id, type, variant, value, ts — docs/data.md)</label>{" "}
        <input type="file" id="events-file" name="file" accept=".csv,.tsv,.txt,.jsonl,.ndjson,.json" required /></p>
      <p><button class="primary" type="submit">Import</button> <span class="muted">Re-importing a file changes nothing. Larger than 16 MiB: pilotproof events import.</span></p>
      <p><progress id="upload-progress" aria-label="Upload progress" hidden></progress> <span id="upload-status" role="status"></span></p>
    </form>
    <Script text={UPLOAD_PROGRESS} />
  </section>
)

/** What each listed readiness check shows, in a sentence over its table. */
const LISTED_WHAT: Record<ListedCheck, string> = {
  "same-person-two-ids": "Phone numbers and e-mails that appear under more than one unit id: one person counted as several units.",
  formats: "Events whose phone could not be normalized to E.164 or whose e-mail is malformed (rows with an unreadable timestamp were rejected: see the rejected rows).",
  "outcome-before-exposure": "Outcome events stamped before their unit's first exposure: the outcome cannot be the pilot's effect.",
  "future-timestamps": "Events stamped in the future: a clock or time-zone problem at the source.",
  consent: "Exposed units without a consent event that grants consent (or whose latest consent event withdraws it): they are left out of the analysis.",
  "exposure-integrity": "Units exposed in more than one variant (left out of the analysis), then exposures whose variant is not the one the assignment gives."
}

/** The drill-down of a readiness check: the events or units behind it. */
export const ReadinessProblemsPage = ({ pilot, listed }: {
  pilot: { readonly id: string; readonly name: string }
  listed: ReadinessProblems
}) => {
  const rows = listed.problems
  const events = rows.some((r) => r.source !== undefined)
  return (
    <section>
      <h1>Readiness, {listed.check}: {pilot.name}</h1>
      <p><a href={`/pilots/${encodeURIComponent(pilot.id)}`}>back to the results</a></p>
      <p>{LISTED_WHAT[listed.check]}</p>
      <p id="problem-count">{listed.total === 0 ? "None as of " : `${listed.total} as of `}{listed.asOf.slice(0, 16).replace("T", " ")} UTC{rows.length < listed.total ? `; the first ${rows.length} shown` : ""}.</p>
      {rows.length > 0 && (
        <table id="problems">
          <thead><tr>{events && <><th>File</th><th>Line</th></>}<th>Unit</th><th>Type</th><th>Time (UTC)</th><th>Problem</th></tr></thead>
          <tbody>{rows.map((r) => (
            <tr>{events && <><td class="wrap">{r.source ?? ""}</td><td>{r.line ?? ""}</td></>}<td class="wrap"><code>{r.unit ?? ""}</code></td><td>{r.type ?? ""}</td><td>{r.ts === undefined ? "" : r.ts.slice(0, 19).replace("T", " ")}</td><td class="wrap">{r.detail}</td></tr>
          ))}</tbody>
        </table>
      )}
    </section>
  )
}

/** A pilot's rejected rows with file, line and reason. */
export const RejectsPage = ({ pilot, rows, total, source }: {
  pilot: { readonly id: string; readonly name: string }
  rows: ReadonlyArray<RejectRowView>
  total: number
  source?: string | undefined
}) => (
  <section>
    <h1>Rejected rows: {pilot.name}</h1>
    <p><a href={`/pilots/${encodeURIComponent(pilot.id)}`}>back to the results</a>{source !== undefined && <> · <a href={`/pilots/${encodeURIComponent(pilot.id)}/rejects`}>every source</a></>}</p>
    <p>{total === 0 ? "No rejected rows." : `${total} rejected row${total === 1 ? "" : "s"}${source === undefined ? "" : ` from ${source}`}${rows.length < total ? `; the first ${rows.length} shown` : ""}.`}</p>
    {rows.length > 0 && (
      <table id="rejects">
        <thead><tr><th>File</th><th>Line</th><th>Reason</th></tr></thead>
        <tbody>{rows.map((r) => <tr><td class="wrap">{r.source}</td><td>{r.line}</td><td class="wrap">{r.reason}</td></tr>)}</tbody>
      </table>
    )}
  </section>
)

/** What the decide page shows besides the pilot: a result, an error in place, or an override to confirm. */
export interface DecideState {
  readonly recorded?: number
  readonly error?: string
  readonly confirm?: { readonly verdict: string; readonly reason: string; readonly warning: string }
  readonly verdict?: string
  readonly reason?: string
}

export const DecidePage = ({ pilot, computed, history, canOverride, state }: {
  pilot: { readonly id: string; readonly name: string }
  computed: { readonly verdict: string; readonly reason: string }
  history: ReadonlyArray<RecordedDecision>
  canOverride: boolean
  state: DecideState
}) => {
  const action = `/pilots/${encodeURIComponent(pilot.id)}/decide`
  return (
    <>
      <section>
        <h1>Decide: {pilot.name}</h1>
        <p><a href={`/pilots/${encodeURIComponent(pilot.id)}`}>back to the results</a></p>
        {state.recorded !== undefined && <div class="ok" role="status">Recorded as decision #{state.recorded}.</div>}
        {state.error !== undefined && <div class="error" role="alert" id="decide-error">{state.error}</div>}
        <h2>The policy's verdict: <Verdict verdict={computed.verdict} /></h2>
        <p>{computed.reason}</p>
        <form method="post" action={action}>
          <input type="hidden" name="action" value="record" />
          <button class="primary" type="submit">Record {computed.verdict} as the decision</button>
        </form>
      </section>
      {canOverride && (
        <section>
          <h2>Override</h2>
          {state.confirm !== undefined
            ? (
              <form method="post" action={action}>
                <div class="warn-box" role="alert" id="override-warning">{state.confirm.warning}</div>
                <p>Override {computed.verdict} to <b>{state.confirm.verdict}</b> because: {state.confirm.reason}</p>
                <input type="hidden" name="action" value="override" />
                <input type="hidden" name="verdict" value={state.confirm.verdict} />
                <input type="hidden" name="reason" value={state.confirm.reason} />
                <input type="hidden" name="confirm" value="yes" />
                <button class="primary" type="submit">Record the override</button>{" "}
                <a href={action}>Cancel</a>
              </form>
            )
            : (
              <form method="post" action={action}>
                <input type="hidden" name="action" value="override" />
                <p><label for="override-verdict">Verdict</label>{" "}
                  <select id="override-verdict" name="verdict">{VERDICTS.map((v) => <option value={v} selected={state.verdict === v}>{v}</option>)}</select></p>
                <p><label for="override-reason">Reason (required: it is kept in the decision record)</label>
                  <textarea class="reason" id="override-reason" name="reason" required>{state.reason ?? ""}</textarea></p>
                <button type="submit">Review the override</button>
              </form>
            )}
        </section>
      )}
      <section>
        <h2>Decision history</h2>
        {history.length === 0
          ? <p class="muted">No decision recorded yet.</p>
          : (
            <table id="decision-history">
              <thead><tr><th>#</th><th>Decided</th><th>Computed</th><th>Verdict</th><th>Override by / reason</th><th>By</th></tr></thead>
              <tbody>{[...history].reverse().map((r) => (
                <tr><td>{r.seq}</td><td>{r.decided_at}</td><td>{r.computed_verdict}</td><td><Verdict verdict={r.verdict} /></td>
                  <td class="wrap">{r.override_verdict === null ? "" : `${r.override_by}: ${r.override_reason}`}</td><td>{r.actor}</td></tr>
              ))}</tbody>
            </table>
          )}
      </section>
    </>
  )
}

export interface AlertTargetView {
  readonly id: string
  readonly kind: string
  readonly pilotId: string | null
  readonly host: string
  readonly chatId: string | null
  readonly createdAt: string
}

export interface AlertView {
  readonly created_at: string
  readonly pilot_id: string
  readonly event: string
  readonly delivered_at: string | null
  readonly failed_at: string | null
  readonly attempts: number
  readonly last_error: string | null
}

/** Where alerts go (Slack, Telegram, JSON; every pilot or one) and what was sent lately. */
export const AlertsPage = ({ targets, outbox, pilots, added, error }: {
  targets: ReadonlyArray<AlertTargetView>
  outbox: ReadonlyArray<AlertView>
  pilots: ReadonlyArray<string>
  added?: { readonly id: string; readonly secret: string } | undefined
  error?: string | undefined
}) => (
  <section>
    <h1>Alerts</h1>
    <p class="muted">Decisions, verdict changes, SRM alarms and guardrail breaches, sent to Slack, Telegram or any JSON receiver, signed (docs/alerts.md).</p>
    {added !== undefined && <div class="ok" role="status">Added target {added.id}. Its signing secret, shown only now: <code id="alert-secret">{added.secret}</code></div>}
    {error !== undefined && <div class="error" role="alert" id="alert-error">{error}</div>}
    <form method="post" action="/alerts">
      <p><label for="alert-kind">Kind</label> <select id="alert-kind" name="kind">{["slack", "telegram", "json"].map((k) => <option value={k}>{k}</option>)}</select>{" "}
        <label for="alert-url">URL</label> <input type="text" id="alert-url" name="url" placeholder="https://hooks.slack.com/services/…" required />{" "}
        <label for="alert-chat">Telegram chat id</label> <input type="text" id="alert-chat" name="chatId" />{" "}
        <label for="alert-pilot">Pilot</label> <select id="alert-pilot" name="pilot"><option value="">every pilot</option>{pilots.map((p) => <option value={p}>{p}</option>)}</select>{" "}
        <button class="primary" type="submit">Add</button></p>
    </form>
    <table id="alert-targets">
      <thead><tr><th>Kind</th><th>Pilot</th><th>Host</th><th>Chat</th><th>Added</th><th></th></tr></thead>
      <tbody>{targets.map((t) => (
        <tr><td>{t.kind}</td><td>{t.pilotId ?? "every pilot"}</td><td>{t.host}</td><td>{t.chatId ?? ""}</td><td>{t.createdAt}</td>
          <td><form method="post" action={`/alerts/${encodeURIComponent(t.id)}/remove`}><button type="submit" aria-label={`remove the ${t.kind} target at ${t.host}`}>Remove</button></form></td></tr>
      ))}</tbody>
    </table>
    <h2>Latest alerts</h2>
    {outbox.length === 0 ? <p class="muted">None yet.</p> : (
      <table id="alert-outbox">
        <thead><tr><th>Created</th><th>Pilot</th><th>Event</th><th>State</th><th>Attempts</th><th>Last error</th></tr></thead>
        <tbody>{outbox.map((a) => (
          <tr><td>{a.created_at}</td><td>{a.pilot_id}</td><td>{a.event}</td>
            <td>{a.delivered_at !== null ? "delivered" : a.failed_at !== null ? "given up" : "due"}</td><td>{a.attempts}</td><td class="wrap">{a.last_error ?? ""}</td></tr>
        ))}</tbody>
      </table>
    )}
  </section>
)

export const Problem = ({ title, message }: { title: string; message: string }) => (
  <section><h1>{title}</h1><div class="error">{message}</div><p><a href="/">Back to the pilots</a></p></section>
)
