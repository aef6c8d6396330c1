/**
 * The pages' only scripts: progressive enhancement of two forms, each a fixed text that the
 * Content-Security-Policy allows by its hash (no other script runs, inline or loaded, and none
 * is built from data). Without them every form still works by a plain post.
 *
 * - `LIVE_ESTIMATE`: the guided pilot form (`form[data-estimate]`) posts its fields to the
 *   address the attribute names on every change (debounced), and shows the planner's answer in
 *   `#live-estimate`, a polite live region. A late answer never replaces a newer one.
 * - `UPLOAD_PROGRESS`: an upload form (`form[data-progress]`) is sent by XMLHttpRequest so that
 *   `#upload-progress` shows the bytes sent; the server's answer (the import summary, or the
 *   problem) then replaces the page, exactly as the plain post would have shown it.
 *
 * Plain ES2020 for the browser, kept short; the browser tests drive both.
 */
import { createHash } from "node:crypto"

export const LIVE_ESTIMATE = `(() => {
  const form = document.querySelector("form[data-estimate]");
  const out = document.getElementById("live-estimate");
  if (!form || !out) return;
  let timer = 0, sent = 0;
  const estimate = async () => {
    const mine = ++sent;
    const body = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (typeof v === "string") body.append(k, v);
    out.setAttribute("aria-busy", "true");
    try {
      const reply = await fetch(form.dataset.estimate, { method: "POST", body, credentials: "same-origin", headers: { accept: "application/json" } });
      const answer = await reply.json();
      if (mine !== sent) return;
      out.textContent = answer.text;
      out.className = answer.ok ? "ok" : "warn-box";
    } catch (e) {
      if (mine === sent) { out.textContent = "No estimate right now (" + e.message + "); Check and estimate still works."; out.className = "warn-box"; }
    } finally {
      if (mine === sent) out.removeAttribute("aria-busy");
    }
  };
  const soon = () => { clearTimeout(timer); timer = setTimeout(estimate, 350); };
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  estimate();
})();`

export const UPLOAD_PROGRESS = `(() => {
  const form = document.querySelector("form[data-progress]");
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  if (!form || !bar || !status) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      bar.max = e.total; bar.value = e.loaded;
      status.textContent = "Sending: " + Math.floor((100 * e.loaded) / e.total) + "% of " + (e.total / 1048576).toFixed(1) + " MiB";
    });
    request.upload.addEventListener("load", () => { status.textContent = "Sent; importing and checking every row…"; });
    request.addEventListener("load", () => { document.open(); document.write(request.responseText); document.close(); });
    const failed = (why) => () => {
      status.textContent = "The upload " + why + ". Send it again: rows it already imported are not imported twice."; bar.hidden = true;
      for (const b of form.querySelectorAll("button")) b.disabled = false;
    };
    request.addEventListener("error", failed("failed (the connection was lost)"));
    request.addEventListener("abort", failed("was cancelled"));
    bar.hidden = false; bar.removeAttribute("value");
    for (const b of form.querySelectorAll("button")) b.disabled = true;
    request.send(new FormData(form));
  });
})();`

const hash = (script: string) => `'sha256-${createHash("sha256").update(script, "utf8").digest("base64")}'`

/** The CSP `script-src` sources: these scripts' hashes and nothing else. */
export const SCRIPT_SOURCES = [LIVE_ESTIMATE, UPLOAD_PROGRESS].map(hash).join(" ")
