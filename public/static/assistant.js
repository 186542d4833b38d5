// The CRM assistant panel, the ticket's troubleshooting chat and the summary draft (issue 24).
// Answers stream over SSE (fetch + ReadableStream); streamed text is shown as plain text and, when the
// turn is done, replaced by the server's Markdown rendering (HTML-escaped there, AIA-6). Tool chips
// expand to the exact input and output the model saw (AIA-5).
(function () {
  "use strict";

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; }
    catch (e) { return ""; }
  }

  async function* events(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (data) yield JSON.parse(data);
      }
    }
  }

  async function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf(), "Accept": "text/event-stream" },
      body: JSON.stringify(body || {}),
      credentials: "same-origin",
    });
  }

  async function refusal(response) {
    try { const j = await response.json(); return j.detail || ("Error " + response.status); }
    catch (e) { return "Error " + response.status; }
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function chip(ev) {
    const d = el("details", "ai-chip");
    d.appendChild(el("summary", "", "🔧 " + ev.name));
    d.appendChild(el("div", "ai-chip-label", "Input"));
    d.appendChild(el("pre", "", JSON.stringify(ev.input, null, 2)));
    d.appendChild(el("div", "ai-chip-label", "Output"));
    d.appendChild(el("pre", "", JSON.stringify(ev.output, null, 2)));
    return d;
  }

  function setupChat(root) {
    const form = root.querySelector("[data-ai-form]");
    const log = root.querySelector("[data-ai-log]");
    const saveForm = root.querySelector("[data-ai-save]");
    const panel = root.closest(".ai-panel");
    const saveLink = panel ? panel.querySelector("[data-ai-save-link]") : null;
    const ticket = root.getAttribute("data-ticket") || null;
    let conversation = null;
    if (!form) return;
    const newButton = root.querySelector("[data-ai-new]");
    if (newButton) newButton.addEventListener("click", () => {
      conversation = null; log.textContent = ""; if (saveLink) saveLink.hidden = true;
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = form.querySelector("textarea");
      const button = form.querySelector("button[type=submit]");
      const message = box.value.trim();
      if (!message) return;
      button.disabled = true;
      const turn = el("div", "ai-turn");
      turn.appendChild(el("div", "ai-q", message));
      const chips = el("div", "ai-chips");
      const answer = el("div", "ai-a ai-streaming");
      const meta = el("div", "ai-meta muted small");
      turn.append(chips, answer, meta);
      log.appendChild(turn);
      box.value = "";
      try {
        const response = await post("/api/assistant/messages", { message, conversation_id: conversation, ticket });
        if (!response.ok) {
          answer.className = "ai-a ai-error";
          answer.textContent = await refusal(response);
          return;
        }
        for await (const ev of events(response)) {
          if (ev.event === "start") {
            conversation = ev.conversation_id;
            if (saveForm) { saveForm.querySelector("[name=conversation_id]").value = conversation; saveForm.hidden = false; }
            if (saveLink) { saveLink.href = "/assistant/conversations/" + conversation + "/save"; saveLink.hidden = false; }
          } else if (ev.event === "text") {
            answer.textContent += ev.text;
          } else if (ev.event === "tool") {
            chips.appendChild(chip(ev));
          } else if (ev.event === "done") {
            answer.className = "ai-a md";
            answer.innerHTML = ev.html;  // rendered server-side with every character of the text escaped
            meta.textContent = ev.input_tokens + " in / " + ev.output_tokens + " out tokens · $" + ev.cost_usd.toFixed(4)
              + " · today $" + ev.spent_today_usd.toFixed(2) + " of $" + ev.cap_usd.toFixed(2);
          } else if (ev.event === "error") {
            answer.className = "ai-a ai-error";
            answer.appendChild(el("p", "", ev.message));
          }
        }
      } catch (e) {
        answer.className = "ai-a ai-error";
        answer.textContent = "The connection dropped. Try again.";
      } finally {
        button.disabled = false;
        log.scrollTop = log.scrollHeight;
      }
    });
  }

  function setupPanel() {
    const toggle = document.querySelector("[data-ai-toggle]");
    const panel = document.getElementById("ai-panel");
    if (!toggle || !panel) return;
    let checked = false;
    const show = async (open) => {
      panel.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      if (open && !checked) {
        checked = true;
        const r = await fetch("/api/assistant/usage", { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (r.ok) {
          const u = await r.json();
          if (!u.configured) {
            panel.querySelector("[data-ai-off]").hidden = false;
            panel.querySelectorAll("textarea, button[type=submit]").forEach((n) => { n.disabled = true; });
          } else {
            panel.querySelector("[data-ai-usage]").textContent = "$" + u.spent_usd.toFixed(2) + " of $" + u.cap_usd.toFixed(2) + " today";
          }
        }
      }
      if (open) { const t = panel.querySelector("textarea"); if (t && !t.disabled) t.focus(); }
    };
    toggle.addEventListener("click", () => show(panel.hidden));
    panel.querySelector("[data-ai-close]").addEventListener("click", () => show(false));
  }

  async function setupDraft(form) {
    const url = form.getAttribute("data-draft-url");
    if (!url) return;
    const status = form.querySelector("[data-draft-status]");
    const summary = form.querySelector("[data-draft-summary]");
    const response = await post(url, {});
    if (!response.ok) { status.textContent = await refusal(response); return; }
    summary.value = "";
    for await (const ev of events(response)) {
      if (ev.event === "text") summary.value += ev.text;
      else if (ev.event === "error") { status.textContent = ev.message; return; }
      else if (ev.event === "done") { window.location.reload(); return; }
    }
  }

  function setupOnce() {
    document.addEventListener("submit", (event) => {
      const button = event.submitter;
      if (button && button.hasAttribute("data-once")) {
        if (button.dataset.sent) { event.preventDefault(); return; }
        button.dataset.sent = "1";
      }
    }, true);
  }

  document.addEventListener("DOMContentLoaded", () => {
    setupOnce();
    setupPanel();
    document.querySelectorAll("[data-ai-chat]").forEach(setupChat);
    document.querySelectorAll("[data-summary]").forEach(setupDraft);
  });
})();
