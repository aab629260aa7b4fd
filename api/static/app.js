/* Parcours web UI: a little plain JavaScript over the /v1 API (same origin, cookie auth + X-Parcours-UI). */
"use strict";
(function () {
  const UI = { "X-Parcours-UI": "1" };
  const DECIDER = "parcours-decider";

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

  function signInFromHash() {
    // `parcours keys create --login-link` prints /login#key=pk_…: the key never reaches a server log.
    const match = /(?:^#|&)key=([^&]+)/.exec(window.location.hash);
    if (!match) { return; }
    history.replaceState(null, "", "/login");
    const input = document.getElementById("key");
    input.value = decodeURIComponent(match[1]);
    document.getElementById("login-form").submit();
  }

  function loginFromFragment() {
    signInFromHash();
    // a sign-in link opened in a tab already on /login only changes the fragment: no reload, so listen
    window.addEventListener("hashchange", signInFromHash);
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

  function decider() { return sessionStorage.getItem(DECIDER) || ""; }

  function initDecider() {
    // The decider's name is asked once per browser session and sent with every decision.
    const form = document.getElementById("decider");
    if (!form) { return; }
    const input = document.getElementById("decider-name");
    const saved = document.getElementById("decider-saved");
    function show() {
      const name = decider();
      input.hidden = !!name;
      form.querySelector("button").hidden = !!name;
      form.querySelector("label").hidden = !!name;
      saved.textContent = name ? saved.dataset.label + " " + name + " · " : "";
      if (name) {
        const change = document.createElement("a");
        change.href = "#"; change.textContent = saved.dataset.change; change.id = "decider-change";
        change.addEventListener("click", function (event) { event.preventDefault(); sessionStorage.removeItem(DECIDER); show(); input.focus(); });
        saved.appendChild(change);
        document.getElementById("decider-help").hidden = true;
      }
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const name = input.value.trim();
      if (name) { sessionStorage.setItem(DECIDER, name); show(); }
    });
    show();
  }

  function initFilters() {
    const buttons = document.querySelectorAll(".filters .filter");
    const empty = document.querySelector(".empty-filter");
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        const wanted = button.dataset.filter;
        buttons.forEach(function (b) { const on = b === button; b.classList.toggle("on", on); b.setAttribute("aria-pressed", on ? "true" : "false"); });
        let shown = 0;
        document.querySelectorAll(".action-list .action").forEach(function (card) {
          const visible = wanted === "all" || card.dataset.status === wanted;
          card.hidden = !visible;
          shown += visible ? 1 : 0;
        });
        if (empty) { empty.hidden = shown > 0; }
      });
    });
  }

  function initDashboard() {
    initDecider();
    initFilters();
    document.querySelectorAll(".action .act").forEach(function (button) {
      button.addEventListener("click", async function () {
        const card = button.closest(".action");
        const help = document.getElementById("decider-help");
        if (!decider() && document.getElementById("decider")) {
          if (help) { help.hidden = false; }
          document.getElementById("decider-name").focus();
          return;
        }
        card.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        try {
          await api("PATCH", "/v1/actions/" + encodeURIComponent(card.dataset.action),
                    { status: button.dataset.to, by: decider() || undefined });
          window.location.reload();
        } catch (err) {
          card.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
          const line = card.querySelector(".links");
          if (line) { line.appendChild(el("span", "error small", err.message)); }
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

  function initRename() {
    const form = document.getElementById("rename");
    const open = document.getElementById("rename-open");
    if (!form || !open) { return; }
    open.addEventListener("click", function () { form.hidden = false; open.hidden = true; document.getElementById("rename-label").focus(); });
    document.getElementById("rename-cancel").addEventListener("click", function () { form.hidden = true; open.hidden = false; });
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const label = document.getElementById("rename-label").value.trim();
      try {
        const theme = await api("PATCH", "/v1/themes/" + encodeURIComponent(form.dataset.theme), { label: label, by: decider() || undefined });
        document.querySelector("#friction-title .title-text").textContent = theme.label;
        document.title = theme.label + " · Parcours";
        form.hidden = true; open.hidden = false;
      } catch (err) { document.getElementById("rename-error").textContent = err.message; }
    });
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

  function renderTable(table) {
    const wrap = el("div", "scroll");
    const node = el("table", "answer-table");
    const head = el("tr");
    table.columns.forEach(function (c) { head.appendChild(el("th", "", c)); });
    node.appendChild(head);
    table.rows.forEach(function (row) {
      const tr = el("tr");
      row.forEach(function (cell) { tr.appendChild(el("td", "", String(cell))); });
      node.appendChild(tr);
    });
    wrap.appendChild(node);
    return wrap;
  }

  function renderReply(box, reply, labels, mode) {
    // The answer in parts: one sentence, a small table, the patients' words, the steps folded under Details.
    box.textContent = "";
    box.appendChild(el("p", "sentence", reply.sentence));
    if (reply.table && reply.table.rows && reply.table.rows.length) { box.appendChild(renderTable(reply.table)); }
    if (reply.evidence && reply.evidence.length) {
      const quotes = el("div", "evidence");
      reply.evidence.forEach(function (item) {
        const quote = el("blockquote", "", "« " + item.quote + " » ");
        quote.appendChild(el("span", "ref", item.interaction_id));
        quotes.appendChild(quote);
      });
      box.appendChild(quotes);
    }
    if (reply.suggestions && reply.suggestions.length) {
      const list = el("div", "suggestions");
      reply.suggestions.forEach(function (s) { list.appendChild(suggestionButton(s)); });
      box.appendChild(list);
    }
    if (reply.details && reply.details.length) {
      const details = el("details", "stats");
      details.appendChild(el("summary", "", labels.details));
      const steps = el("ul", "steps");
      reply.details.forEach(function (d) { steps.appendChild(el("li", "", d)); });
      details.appendChild(steps);
      box.appendChild(details);
    }
    if (mode === "offline") { box.appendChild(el("p", "mode", labels.offline_mode)); }
  }

  let ask = null;

  function suggestionButton(text) {
    const button = el("button", "suggestion secondary", text);
    button.type = "button";
    button.addEventListener("click", function () { if (ask) { ask(text); } });
    return button;
  }

  function initChat(labels) {
    const form = document.getElementById("chat-form");
    const question = document.getElementById("question");
    const conversation = document.getElementById("conversation");
    const suggestions = document.getElementById("suggestions");
    let threadId = sessionStorage.getItem("parcours-thread") || null;
    if (threadId && suggestions) { suggestions.hidden = false; }
    document.getElementById("new-thread").addEventListener("click", function () {
      threadId = null; sessionStorage.removeItem("parcours-thread"); conversation.textContent = "";
      if (suggestions) { suggestions.hidden = false; }
    });
    document.querySelectorAll("#suggestions .suggestion").forEach(function (button) {
      button.addEventListener("click", function () { ask(button.textContent); });
    });
    ask = async function (text) {
      if (!text) { return; }
      const button = document.getElementById("ask");
      button.disabled = true;
      if (suggestions) { suggestions.hidden = true; }
      conversation.appendChild(el("div", "msg user", text));
      const box = el("div", "msg bot");
      const live = el("p", "sentence");
      box.appendChild(live);
      conversation.appendChild(box);
      question.value = "";
      let reply = null;
      let mode = null;
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
            if (name === "thread") { threadId = data.thread_id; sessionStorage.setItem("parcours-thread", threadId); }
            else if (name === "token") { live.textContent += data.text; }
            else if (name === "answer") { reply = data; }
            else if (name === "error") { box.appendChild(el("p", "error", data.message || "error")); }
            else if (name === "done") { mode = data.mode; }
          });
        }
        if (reply) { renderReply(box, reply, labels, mode); }
      } catch (err) {
        box.appendChild(el("p", "error", err.message));
      } finally {
        box.dataset.done = "1";
        button.disabled = false;
      }
    };
    form.addEventListener("submit", function (event) { event.preventDefault(); ask(question.value.trim()); });
  }

  window.Parcours = {
    api: api, loginFromFragment: loginFromFragment, initDashboard: initDashboard, initRename: initRename, initChat: initChat,
  };
})();
