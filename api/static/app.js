/* Parcours web UI: a little plain JavaScript over the /v1 API (same origin, cookie auth + X-Parcours-UI). */
"use strict";
(function () {
  const UI = { "X-Parcours-UI": "1" };

  async function api(method, path, body) {
    const opts = { method: method, headers: Object.assign({}, UI), credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(path, opts);
    const data = await res.json().catch(function () { return {}; });
    if (!res.ok) { throw new Error(data.message || ("HTTP " + res.status)); }
    return data;
  }

  function loginFromFragment() {
    // `parcours keys create --login-link` prints /login#key=pk_…: the key never reaches a server log.
    const match = /(?:^#|&)key=([^&]+)/.exec(window.location.hash);
    if (!match) { return; }
    history.replaceState(null, "", "/login");
    const input = document.getElementById("key");
    input.value = decodeURIComponent(match[1]);
    document.getElementById("login-form").submit();
  }

  function pollAnalysis(id, label) {
    const timer = setInterval(async function () {
      try {
        const data = await api("GET", "/v1/analyses/" + encodeURIComponent(id));
        if (label) { label.textContent = data.status + " · " + Math.round(data.progress * 100) + " %" + (data.step ? " · " + data.step : ""); }
        if (data.status === "done" || data.status === "failed") {
          clearInterval(timer);
          if (data.status === "done") { window.location.reload(); } else if (label) { label.textContent = data.error || "failed"; }
        }
      } catch (err) { clearInterval(timer); if (label) { label.textContent = err.message; } }
    }, 1500);
  }

  function initDashboard() {
    document.querySelectorAll(".action .act").forEach(function (button) {
      button.addEventListener("click", async function () {
        const card = button.closest(".action");
        card.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        try {
          const action = await api("PATCH", "/v1/actions/" + encodeURIComponent(card.dataset.action),
                                   { status: button.dataset.to });
          card.dataset.status = action.status;
          window.location.reload();
        } catch (err) {
          card.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
          alert(err.message);
        }
      });
    });
    const run = document.getElementById("run-analysis");
    if (run) {
      run.addEventListener("click", async function () {
        run.disabled = true;
        const label = document.getElementById("run-status");
        try {
          const data = await api("POST", "/v1/analyses", {});
          label.textContent = run.dataset.running;
          pollAnalysis(data.analysis_id, label);
        } catch (err) { label.textContent = err.message; run.disabled = false; }
      });
    }
    const running = document.getElementById("running");
    if (running) { pollAnalysis(running.dataset.analysis, running.querySelector(".progress")); }
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function parseEvents(buffer, onEvent) {
    // Server-sent events: blocks separated by a blank line, with "event:" and "data:" lines.
    let index;
    while ((index = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, index);
      buffer = buffer.slice(index + 2);
      let name = "message";
      const data = [];
      block.split("\n").forEach(function (line) {
        if (line.startsWith("event:")) { name = line.slice(6).trim(); }
        else if (line.startsWith("data:")) { data.push(line.slice(5).trim()); }
      });
      let payload = null;
      try { payload = JSON.parse(data.join("\n")); } catch (e) { payload = data.join("\n"); }
      onEvent(name, payload);
    }
    return buffer;
  }

  function describeStep(step) {
    if (typeof step !== "object" || step === null) { return String(step); }
    const name = step.tool || step.name || step.type || "step";
    const args = step.args || step.arguments || step.input;
    const result = typeof step.result === "string" ? step.result.split("\n")[0].slice(0, 140) : "";
    return name + (args ? " " + JSON.stringify(args) : "") + (result ? " → " + result : "");
  }

  function initChat(labels) {
    const form = document.getElementById("chat-form");
    const question = document.getElementById("question");
    const conversation = document.getElementById("conversation");
    const threadLabel = document.getElementById("thread-label");
    let threadId = sessionStorage.getItem("parcours-thread") || null;
    function showThread() { threadLabel.textContent = threadId ? "thread " + threadId : ""; }
    showThread();
    document.getElementById("new-thread").addEventListener("click", function () {
      threadId = null; sessionStorage.removeItem("parcours-thread"); conversation.textContent = ""; showThread();
    });
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const text = question.value.trim();
      if (!text) { return; }
      const button = document.getElementById("ask");
      button.disabled = true;
      conversation.appendChild(el("div", "msg user", text));
      const box = el("div", "msg bot");
      const steps = el("ul", "steps");
      const answer = el("div", "answer");
      const evidence = el("div", "evidence");
      box.append(steps, answer, evidence);
      conversation.appendChild(box);
      question.value = "";
      try {
        const res = await fetch("/v1/chat", {
          method: "POST", credentials: "same-origin",
          headers: Object.assign({ "Content-Type": "application/json", "Accept": "text/event-stream" }, UI),
          body: JSON.stringify(threadId ? { question: text, thread_id: threadId } : { question: text }),
        });
        if (!res.ok || !res.body) {
          const data = await res.json().catch(function () { return {}; });
          throw new Error(data.message || ("HTTP " + res.status));
        }
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) { break; }
          buffer = parseEvents(buffer + decoder.decode(chunk.value, { stream: true }), function (name, data) {
            if (name === "thread") { threadId = data.thread_id; sessionStorage.setItem("parcours-thread", threadId); showThread(); }
            else if (name === "step") { steps.appendChild(el("li", "step", describeStep(data))); }
            else if (name === "token") { answer.textContent += data.text; }
            else if (name === "evidence") {
              (Array.isArray(data) ? data : []).forEach(function (item) {
                const quote = el("blockquote", "", "« " + (item.quote || "") + " » ");
                quote.appendChild(el("span", "ref", item.interaction_id || ""));
                evidence.appendChild(quote);
              });
            } else if (name === "error") { answer.appendChild(el("p", "error", data.message || "error")); }
            else if (name === "done") { box.dataset.done = "1"; }
          });
        }
      } catch (err) {
        answer.appendChild(el("p", "error", err.message));
      } finally {
        box.dataset.done = "1";
        button.disabled = false;
      }
    });
  }

  window.Parcours = { api: api, loginFromFragment: loginFromFragment, initDashboard: initDashboard, initChat: initChat };
})();
