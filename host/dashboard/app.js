// The TinyLLM dashboard: live runs, a run's trace as a timeline and as the graph with the path
// it took, per-node metrics over time. Plain browser JavaScript with no dependencies, served by
// `tinyllm serve` from its own binary; everything it shows comes from /tinyllm/v1/ (the runs
// and metrics from the run store, the live events as server-sent events).
"use strict";

const API = "/tinyllm/v1/";
const SVG = "http://www.w3.org/2000/svg";
const MAX_ROWS = 100;

const state = {
  runs: new Map(),     // run id -> summary, as /runs lists it
  graphs: new Map(),   // graph id -> graph (nodes, edges, entry, exits)
  selected: null,      // run id
  trace: null,         // the selected run's trace
  follow: null,        // aborts the selected run's own event stream (its tokens) while it runs
  liveAnswer: "",
};

// ---- small helpers -------------------------------------------------------------------------

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// The API key, when the server asks for one (server.api_keys): asked for once, kept for the
// browser tab's life (sessionStorage), sent as Authorization: Bearer.
const KEY_ITEM = "tinyllm.api_key";
function authHeaders() {
  const key = sessionStorage.getItem(KEY_ITEM);
  return key ? { Authorization: "Bearer " + key } : {};
}

class Unauthorized extends Error {}

async function getJson(path) {
  const response = await fetch(API + path, { headers: { Accept: "application/json", ...authHeaders() } });
  const body = await response.json();
  if (response.status === 401) throw new Unauthorized(body.error.message);
  if (!response.ok) throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
  return body;
}

// Server-sent events read with fetch (EventSource cannot send the key): calls
// handlers[event](data) per event, onState(true/false) as the stream opens and drops, and
// reconnects after a drop unless `signal` aborted it. Returns when aborted.
async function readEvents(path, handlers, { signal, onState = () => {}, reconnect = true } = {}) {
  for (;;) {
    try {
      const response = await fetch(API + path, { headers: authHeaders(), signal });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      onState(true);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let type = "message", data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) type = line.slice(7);
            else if (line.startsWith("data: ")) data += line.slice(6);
          }
          if (data && handlers[type]) handlers[type](JSON.parse(data));
        }
      }
    } catch (error) {
      if (signal && signal.aborted) return;
    }
    onState(false);
    if (!reconnect || (signal && signal.aborted)) return;
    await new Promise(resolve => setTimeout(resolve, 2000));
  }
}

// A form for the key; resolves once the server accepts one.
function askForKey(message) {
  return new Promise(resolve => {
    const form = el("form", { id: "key-form", class: "panel" });
    const input = el("input", { type: "password", id: "api-key", placeholder: "API key", autocomplete: "off" });
    form.append(el("p", {}, message), input, el("button", { type: "submit" }, "Use this key"));
    document.querySelector("main").prepend(form);
    form.addEventListener("submit", async event => {
      event.preventDefault();
      sessionStorage.setItem(KEY_ITEM, input.value);
      try {
        await getJson("status");
        form.remove();
        resolve();
      } catch (error) {
        form.querySelector("p").textContent = error.message;
      }
    });
  });
}

function shortId(id) { return id.length > 14 ? id.slice(0, 14) + "…" : id; }

function ms(value) {
  if (value === null || value === undefined) return "–";
  if (value < 1) return value.toFixed(2) + " ms";
  if (value < 1000) return Math.round(value) + " ms";
  return (value / 1000).toFixed(value < 10000 ? 2 : 1) + " s";
}

function clock(epochMs) { return new Date(epochMs).toLocaleTimeString(); }

function runDuration(run) {
  if (run.duration_ms !== undefined && run.duration_ms !== null && run.status !== "running") {
    return run.duration_ms;
  }
  return run.finished_at_ms ? run.finished_at_ms - run.started_at_ms : Date.now() - run.started_at_ms;
}

// ---- the runs list -------------------------------------------------------------------------

function renderRuns(newId) {
  const body = document.querySelector("#runs tbody");
  const runs = [...state.runs.values()]
    .sort((a, b) => b.started_at_ms - a.started_at_ms || (a.run_id < b.run_id ? 1 : -1))
    .slice(0, MAX_ROWS);
  body.replaceChildren(...runs.map(run => {
    const row = el("tr", { "data-run": run.run_id });
    if (run.run_id === state.selected) row.classList.add("selected");
    if (run.run_id === newId) row.classList.add("new");
    row.append(el("td", { title: run.run_id }, shortId(run.run_id)), el("td", {}, run.graph),
      el("td", { class: "status " + run.status }, run.status),
      el("td", {}, run.status === "running" ? "…" : ms(runDuration(run))),
      el("td", { class: "input", title: run.input }, run.input));
    row.addEventListener("click", () => selectRun(run.run_id));
    return row;
  }));
  document.getElementById("runs-empty").hidden = state.runs.size > 0;
  document.getElementById("runs-count").textContent = `${state.runs.size} shown`;
}

async function loadRuns() {
  const { runs } = await getJson("runs?limit=" + MAX_ROWS);
  for (const run of runs) state.runs.set(run.run_id, run);
  renderRuns();
}

// ---- one run: summary, graph, timeline, decisions ------------------------------------------

async function selectRun(id) {
  state.selected = id;
  state.liveAnswer = "";
  if (state.follow) { state.follow.abort(); state.follow = null; }
  renderRuns();
  try {
    state.trace = await getJson("runs/" + encodeURIComponent(id));
  } catch (error) {
    // Not in the store yet: a run that just started; its events fill it in.
    state.trace = Object.assign({ nodes: [] }, state.runs.get(id) || { run_id: id });
  }
  if (state.trace.status === "running") followRun(id);
  renderRun();
}

// The selected run's own stream: its node events, the answer's tokens among them.
function followRun(id) {
  const follow = new AbortController();
  state.follow = follow;
  readEvents("events?run=" + encodeURIComponent(id), {
    node_event: data => {
      if (data.event && data.event.type === "token" && typeof data.event.content === "string") {
        state.liveAnswer += data.event.content;
        document.getElementById("run-answer").textContent = state.liveAnswer;
      }
    },
    run_finished: () => follow.abort(),
  }, { signal: follow.signal, reconnect: false });
}

function renderRun() {
  const run = state.trace;
  if (!run) return;
  document.getElementById("run-title").textContent = run.run_id;
  const summary = document.getElementById("run-summary");
  const tokens = (run.prompt_tokens || 0) + (run.completion_tokens || 0);
  summary.replaceChildren(
    el("span", {}, `graph ${run.graph || "?"}@${run.graph_version || "?"}`),
    el("span", { class: "status " + run.status }, run.status),
    el("span", {}, ms(runDuration(run))),
    el("span", {}, `${(run.nodes || []).length} node executions`),
    el("span", {}, `${tokens} tokens`));
  if (run.error) summary.append(el("div", { class: "status failed" },
    `${run.error.code}: ${run.error.message}` + (run.error.node ? ` (node ${run.error.node})` : "")));
  document.getElementById("run-graph").replaceChildren(graphFigure(run));
  document.getElementById("run-timeline").replaceChildren(timelineFigure(run));
  renderDecisions(run);
  const answer = run.answer || state.liveAnswer || (run.status === "running" ? "…" : "");
  document.getElementById("run-answer").textContent = answer;
}

function sortedNodes(run) { return [...(run.nodes || [])].sort((a, b) => a.seq - b.seq); }

// The route a node decided: one it set, not the one its input already carried.
function decidedRoute(n) {
  const before = n.input && typeof n.input === "object" ? n.input.route : undefined;
  return n.route && n.route !== before ? n.route : "";
}

function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }

// data[key] of a message as the trace embeds it (an object; a string when it was not JSON).
function messageData(message, key) {
  return isObject(message) && isObject(message.data) && isObject(message.data[key]) ? message.data[key] : null;
}

// The record a node wrote into its message's data[key] (a router's data.router, a gate's
// data.gate). A node of `type` always writes its own; the nodes after it carry it along in the
// message, so for any other node it counts only when it changed.
function ownRecord(n, key, type) {
  const after = messageData(n.output, key);
  if (!after) return null;
  if (n.type === type) return after;
  return JSON.stringify(after) === JSON.stringify(messageData(n.input, key)) ? null : after;
}

function fixed2(v) { return typeof v === "number" && isFinite(v) ? v.toFixed(2) : ""; }
function plural(count, noun) { return `${count} ${noun}${count === 1 ? "" : "s"}`; }

// A gate's judge rule puts the judge's verdict in its check, as one line:
// "judge NAME scored 0.25[, below 0.80][: reason; reason]" (the reason of a failed check, the
// detail of a passed one or of one whose rule has its own message).
const JUDGE_LINE = /^judge (\S+) scored (\d+(?:\.\d+)?)(?:, below (\d+(?:\.\d+)?))?(?:: ([\s\S]*))?$/;

function judgeText(text, pass) {
  const m = JUDGE_LINE.exec(text);
  if (!m) return text;
  return `judge ${m[1]}: ${pass ? "pass" : "fail"}, score ${m[2]}` +
    (m[3] ? `, below the rule's min_score ${m[3]}` : "") + (m[4] ? ` — ${m[4]}` : "");
}

// One check of a gate: "✓ rule: what was checked" or "✗ rule: why it failed (detail)"; a
// judge rule: "✗ judge NAME: fail, score 0.25 — its reasons".
function checkText(c) {
  const pass = c.pass === true;
  const parts = (pass ? [c.detail] : [c.reason, c.detail])
    .filter(t => typeof t === "string" && t).map(t => judgeText(t, pass));
  const text = parts.length ? parts[0] + (parts[1] ? ` (${parts[1]})` : "") : "";
  const rule = c.rule || "?";
  return `${pass ? "✓" : "✗"} ` + (rule === "judge" && text.startsWith("judge ") ? text : rule + (text ? ": " + text : ""));
}

const GATE_ACTIONS = {
  retry: "the answer went back to its model with feedback",
  escalate: "the answer went to the next bigger model with feedback",
  fail: "the fallback took over",
};

// What a node decided, in a few items: { text, cls, lines (one each, shown under it), feedback }.
// A router: its route, stage and confidence, and what each stage said. A gate: pass or fail, what
// it did then (the route it took), every check (a judge rule's verdict among them) and the
// feedback it sent back. Any other node that set a route: the route. A failure: its error.
function nodeDecisions(n) {
  const who = `${n.node} (${n.type})`;
  const items = [];
  const router = ownRecord(n, "router", "router");
  const gate = ownRecord(n, "gate", "gate");
  if (router) {
    const route = router.route || n.route || "?";
    const how = [router.stage, fixed2(router.confidence) && "confidence " + fixed2(router.confidence)].filter(Boolean);
    items.push({
      text: `${who} chose “${route}”` + (how.length ? ` (${how.join(", ")})` : ""), cls: "route",
      lines: (Array.isArray(router.stages) ? router.stages : []).filter(isObject)
        .map(s => `${s.stage || "?"} ${s.outcome || ""}` + (s.detail ? `: ${s.detail}` : "")),
    });
  } else if (gate) {
    const pass = gate.pass === true;
    const action = typeof gate.action === "string" ? gate.action : n.route;
    const failures = typeof gate.failures === "number" ? gate.failures : 0;
    let text = `${who} ${pass ? "pass" : "fail"}`;
    if (pass) {
      if (failures) text += ` after ${plural(failures, "failed answer")}`;
    } else {
      text += ` → ${action || "?"}` + (GATE_ACTIONS[action] ? `: ${GATE_ACTIONS[action]}` : "") +
        (failures ? ` (failed answer ${failures})` : "");
    }
    const checks = (Array.isArray(gate.checks) ? gate.checks : []).filter(isObject);
    const lines = checks.length ? checks.map(checkText)
      : (Array.isArray(gate.reasons) ? gate.reasons : []).map(r => "✗ " + judgeText(String(r), false));
    const feedback = n.output && typeof n.output.feedback === "string" ? n.output.feedback : "";
    items.push({ text, cls: pass ? "pass" : "fail", lines, feedback: pass ? "" : feedback });
  } else {
    const route = decidedRoute(n);
    if (route) items.push({ text: `${who} chose “${route}”`, cls: "route", lines: [] });
  }
  if (n.error) items.push({ text: `${who} ${n.status}: ${n.error}`, cls: "error", lines: [] });
  return items;
}

// The same as lines of text, for a bar's tooltip.
function decisionText(n) {
  return nodeDecisions(n).map(d => [d.text, ...d.lines.map(l => "  " + l)]
    .concat(d.feedback ? ["  feedback sent back:", ...d.feedback.split("\n").map(l => "    " + l)] : [])
    .join("\n")).join("\n");
}

// Under a bar: the route it took, and a gate's verdict or a router's confidence.
function decisionTag(n) {
  const gate = ownRecord(n, "gate", "gate");
  const router = ownRecord(n, "router", "router");
  const route = router ? router.route || n.route : gate ? n.route : decidedRoute(n);
  let tag = route ? "→ " + route : "";
  if (router && fixed2(router.confidence)) tag += ` (${fixed2(router.confidence)})`;
  if (gate && gate.pass !== true) {
    const failed = (Array.isArray(gate.checks) ? gate.checks : []).filter(c => isObject(c) && c.pass === false).length;
    tag = "✗ " + tag + (failed ? ` (${plural(failed, "check")} failed)` : "");
  } else if (gate) {
    tag = "✓ " + tag;
  }
  return tag;
}

// Which edges the run took: each execution follows the previous one on its branch (or on the
// branch it forked from).
function takenEdges(run) {
  const taken = new Set();
  const nodes = sortedNodes(run);
  for (let i = 1; i < nodes.length; i++) {
    const cur = nodes[i];
    for (let j = i - 1; j >= 0; j--) {
      const prev = nodes[j];
      if (prev.branch === cur.branch || cur.branch.startsWith(prev.branch)) {
        taken.add(prev.node + "\u0000" + cur.node);
        break;
      }
    }
  }
  return taken;
}

// The graph left to right, nodes in columns by their distance from the entry.
function graphFigure(run) {
  const graph = state.graphs.get(run.graph);
  if (!graph || !graph.nodes) return el("p", { class: "dim" }, "The graph of this run is not served now.");
  const layer = new Map([[graph.entry, 0]]);
  const queue = [graph.entry];
  while (queue.length) {
    const id = queue.shift();
    for (const edge of graph.edges) {
      if (edge.from === id && !layer.has(edge.to)) { layer.set(edge.to, layer.get(id) + 1); queue.push(edge.to); }
    }
  }
  const deepest = Math.max(0, ...layer.values());
  for (const node of graph.nodes) if (!layer.has(node.id)) layer.set(node.id, deepest + 1);
  const columns = [];
  for (const node of graph.nodes) {
    const l = layer.get(node.id);
    (columns[l] = columns[l] || []).push(node);
  }
  const W = 130, H = 36, GX = 120, GY = 22;
  const pos = new Map();
  columns.forEach((column, c) => (column || []).forEach((node, r) => pos.set(node.id, { x: 10 + c * (W + GX), y: 10 + r * (H + GY) })));
  const width = 20 + columns.length * (W + GX) - GX;
  const height = 20 + Math.max(...columns.map(c => (c || []).length)) * (H + GY) - GY + 30;
  const figure = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "graph" });
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" });
  marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#888" }));
  const defs = svg("defs");
  defs.append(marker);
  figure.append(defs);
  const taken = takenEdges(run);
  const visited = new Map();
  for (const n of run.nodes || []) visited.set(n.node, n.status);
  for (const edge of graph.edges) {
    const a = pos.get(edge.from), b = pos.get(edge.to);
    if (!a || !b) continue;
    let d;
    if (b.x > a.x) {
      d = `M${a.x + W},${a.y + H / 2} C${a.x + W + GX / 2},${a.y + H / 2} ${b.x - GX / 2},${b.y + H / 2} ${b.x},${b.y + H / 2}`;
    } else { // back or same column: a loop drawn below
      const low = Math.max(a.y, b.y) + H + 18;
      d = `M${a.x + W / 2},${a.y + H} C${a.x + W / 2},${low} ${b.x + W / 2},${low} ${b.x + W / 2},${b.y + H}`;
    }
    const isTaken = taken.has(edge.from + "\u0000" + edge.to);
    figure.append(svg("path", { d, class: "edge" + (isTaken ? " taken" : ""), "marker-end": "url(#arrow)" }));
    if (edge.when) {
      const label = edge.when.length > 20 ? edge.when.slice(0, 19) + "…" : edge.when;
      const text = svg("text", { x: (a.x + W + b.x) / 2, y: b.x > a.x ? (a.y + b.y + H) / 2 - 4 : Math.max(a.y, b.y) + H + 16, "text-anchor": "middle", fill: "#777" }, label);
      text.append(svg("title", {}, edge.when));
      figure.append(text);
    }
  }
  for (const node of graph.nodes) {
    const p = pos.get(node.id);
    const status = visited.get(node.id);
    const group = svg("g", { class: "node" + (status ? " visited" : "") + (status && status !== "succeeded" ? " failed" : ""), "data-node": node.id });
    group.append(svg("rect", { x: p.x, y: p.y, width: W, height: H, rx: 5 }),
      svg("text", { x: p.x + W / 2, y: p.y + 15, "text-anchor": "middle", "font-weight": 600 }, node.id),
      svg("text", { x: p.x + W / 2, y: p.y + 28, "text-anchor": "middle", fill: "#777" }, node.type + (node.id === graph.entry ? " · entry" : node.exit ? " · exit" : "")));
    figure.append(group);
  }
  return figure;
}

// One bar per node execution on the run's clock, with its model and tool calls under it.
function timelineFigure(run) {
  const nodes = sortedNodes(run);
  if (!nodes.length) return el("p", { class: "dim" }, run.status === "running" ? "Waiting for the first node…" : "No node ran.");
  const start = Math.min(run.started_at_ms, ...nodes.map(n => n.started_at_ms));
  const end = Math.max(...nodes.map(n => n.started_at_ms + (n.duration_us || 0) / 1000), start + 1);
  const LABEL = 170, W = 560, ROW = 30;
  const width = LABEL + W + 90, height = nodes.length * ROW + 24;
  const x = t => LABEL + ((t - start) / (end - start)) * W;
  const figure = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "timeline" });
  figure.append(svg("line", { x1: LABEL, y1: height - 18, x2: LABEL + W, y2: height - 18, class: "axis" }),
    svg("text", { x: LABEL, y: height - 4 }, "0"),
    svg("text", { x: LABEL + W, y: height - 4, "text-anchor": "end" }, ms(end - start)));
  nodes.forEach((n, i) => {
    const y = i * ROW + 4;
    const left = x(n.started_at_ms);
    const barWidth = Math.max(2, x(n.started_at_ms + (n.duration_us || 0) / 1000) - left);
    const status = n.status || "running";
    const group = svg("g", { class: "timeline-row", "data-node": n.node });
    const name = n.node + (n.attempt > 1 ? ` (attempt ${n.attempt})` : "") + (n.branch ? ` [${n.branch}]` : "");
    const calls = (n.model_calls || []).map(c => `${c.model} ${ms(c.duration_us / 1000)}` +
      (c.completion_tokens !== null && c.completion_tokens !== undefined ? ` ${c.prompt_tokens}+${c.completion_tokens} tok` : ""))
      .concat((n.tool_calls || []).map(t => `tool ${t.tool}${t.error ? " failed" : ""}`));
    const bar = svg("rect", { x: left, y, width: barWidth, height: 12, class: "bar " + status });
    const decided = decisionText(n);
    bar.append(svg("title", {}, `${name}: ${status}, ${ms((n.duration_us || 0) / 1000)}` + (decided ? "\n" + decided : "") + (calls.length ? "\n" + calls.join("\n") : "")));
    group.append(svg("text", { x: 0, y: y + 10 }, name.length > 26 ? name.slice(0, 25) + "…" : name), bar,
      svg("text", { x: left + barWidth + 4, y: y + 10 }, status === "running" ? "running" : ms((n.duration_us || 0) / 1000)),
      svg("text", { x: LABEL, y: y + 23, fill: "#777" }, [n.type, decisionTag(n), calls.join(" · ")].filter(Boolean).join("  ")));
    figure.append(group);
  });
  return figure;
}

// What the routers, gates and judges decided, and what failed, in order: a gate's checks (a
// judge rule's verdict among them) and the feedback it sent back under its line.
function renderDecisions(run) {
  const list = document.getElementById("run-decisions");
  const items = [];
  for (const n of sortedNodes(run)) {
    for (const d of nodeDecisions(n)) {
      const item = el("li", { class: d.cls, "data-node": n.node }, d.text);
      if (d.lines.length) {
        const lines = el("ul", { class: "checks" });
        lines.append(...d.lines.map(line => el("li", line.startsWith("✗") ? { class: "fail" } : {}, line)));
        item.append(lines);
      }
      if (d.feedback) item.append(el("div", { class: "dim" }, "feedback sent back:"), el("pre", { class: "feedback" }, d.feedback));
      items.push(item);
    }
  }
  list.replaceChildren(...(items.length ? items : [el("li", {}, "No routing, gate or judge decision in this run.")]));
}

// ---- live events -----------------------------------------------------------------------------

function connectEvents() {
  const live = document.getElementById("live");
  const onState = open => {
    live.textContent = open ? "live" : "reconnecting…";
    live.className = "pill " + (open ? "on" : "off");
  };
  const onNode = ({ run_id, node }) => {
    if (!state.trace || state.trace.run_id !== run_id) return;
    const nodes = state.trace.nodes || (state.trace.nodes = []);
    const at = nodes.findIndex(n => n.seq === node.seq);
    if (at >= 0) nodes[at] = Object.assign(nodes[at], node); else nodes.push(node);
    renderRun();
  };
  readEvents("events", {
    run_started: run => {
      state.runs.set(run.run_id, run);
      renderRuns(run.run_id);
    },
    node_started: onNode,
    node_finished: onNode,
    run_finished: async run => {
      state.runs.set(run.run_id, run);
      renderRuns();
      if (state.selected === run.run_id) {
        try { state.trace = await getJson("runs/" + encodeURIComponent(run.run_id)); } catch (e) { /* kept */ }
        renderRun();
      }
      scheduleMetrics();
    },
    alert: () => { refreshAlerts(); refreshStatus(); },
  }, { onState });
}

// ---- alerts --------------------------------------------------------------------------------

function labelText(labels) {
  return Object.entries(labels).filter(([k]) => k !== "alertname").map(([k, v]) => `${k}=${v}`).join(" ");
}

async function refreshAlerts() {
  const target = document.getElementById("alerts");
  let report;
  try { report = await getJson("alerts"); } catch (error) {
    target.replaceChildren(el("p", { class: "dim" }, "Alerts unavailable: " + error.message));
    return;
  }
  const rules = report.rules.length;
  let about = rules ? `${rules} rule${rules === 1 ? "" : "s"} of ${report.source}, evaluated every ${ms(report.evaluate_every_ms)}` : "";
  if (report.webhook) {
    const w = report.webhook;
    about += ` · webhook ${w.url}: ${w.sent} sent, ${w.failed} failed` + (w.last_error ? ` (${w.last_error})` : "");
  }
  document.getElementById("alerts-rules").textContent = about;
  if (!rules) {
    target.replaceChildren(el("p", { class: "dim" }, "This server evaluates no alert rules: add config/alerts.yaml (docs/serve.md#alerts)."));
    return;
  }
  if (!report.alerts.length) {
    target.replaceChildren(el("p", { class: "dim" }, "No alert is firing or pending."));
    return;
  }
  const body = el("tbody");
  for (const a of report.alerts) {
    const row = el("tr", { "data-alert": a.name, "data-state": a.state, title: a.annotations.description || "" });
    const since = a.state === "firing" ? `firing since ${clock(a.fired_at_ms)}` : `pending since ${clock(a.active_since_ms)}`;
    row.append(el("td", {}, ""), el("td", {}, a.name), el("td", { class: "dim" }, labelText(a.labels)),
      el("td", { class: "summary" }, a.annotations.summary || `value ${a.value}`), el("td", { class: "dim" }, since));
    row.firstChild.append(el("span", { class: "pill " + a.state }, a.state));
    body.append(row);
  }
  const table = el("table", { id: "alerts-table" });
  table.append(el("thead"), body);
  table.firstChild.append(el("tr"));
  table.firstChild.firstChild.append(...["state", "alert", "labels", "summary", "since"].map(h => el("th", {}, h)));
  target.replaceChildren(table);
}

// ---- gauges and metrics --------------------------------------------------------------------

async function refreshStatus() {
  try {
    const s = await getJson("status");
    document.getElementById("version").textContent = "v" + s.version;
    const gauges = document.getElementById("gauges");
    gauges.replaceChildren(...[["in flight", s.runs_in_flight], ["queued", s.runs_queued],
      ["slots", s.run_slots], ["connections", s.connections], ["graphs", s.graphs]]
      .map(([label, value]) => { const span = el("span", {}, label + " "); span.append(el("b", {}, String(value))); return span; }),
      el("span", { id: "backends", class: "pill " + (s.backends_up ? "on" : "off"), title: s.backends_error || "every backend answered its last check" },
        s.backends_up ? "backends up" : "backends down"),
      ...(s.alerts_firing ? [el("span", { id: "alerts-firing", class: "pill firing" }, `${s.alerts_firing} alert${s.alerts_firing === 1 ? "" : "s"} firing`)] : []));
  } catch (error) { /* the server is restarting: the next refresh says so through the stream */ }
}

function sparkline(values, bad) {
  const W = 130, H = 30;
  const figure = svg("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}` });
  const points = values.map((v, i) => [i, v]).filter(([, v]) => v !== null && v !== undefined);
  if (points.length) {
    const max = Math.max(...points.map(([, v]) => v), 1e-9);
    const step = values.length > 1 ? W / (values.length - 1) : W;
    const d = points.map(([i, v], k) => `${k ? "L" : "M"}${(i * step).toFixed(1)},${(H - 2 - (v / max) * (H - 4)).toFixed(1)}`).join(" ");
    figure.append(svg("path", { d, class: "spark" + (bad ? " bad" : "") }));
  }
  return figure;
}

function chart(label, values, current, bad) {
  const box = el("div");
  box.append(el("div", { class: "chart-label" }, `${label}: ${current}`), sparkline(values, bad));
  return box;
}

async function refreshMetrics() {
  const target = document.getElementById("metrics");
  let report;
  try { report = await getJson("metrics?minutes=60&buckets=30"); } catch (error) {
    target.replaceChildren(el("p", { class: "dim" }, "Metrics unavailable: " + error.message));
    return;
  }
  if (!report.nodes.length) { target.replaceChildren(el("p", { class: "dim" }, "No runs in the last hour.")); return; }
  const grid = el("div", { class: "metrics-grid" });
  for (const m of report.nodes) {
    const card = el("div", { class: "metric-card", "data-node": m.node || "(run)" });
    card.append(el("h4", {}, `${m.graph} / ${m.node || "whole run"}` + (m.type ? ` (${m.type})` : "")));
    const rate = m.success_rate === null ? "–" : (m.success_rate * 100).toFixed(1) + " %";
    card.append(chart("requests", m.trend.requests, m.requests),
      chart("failures", m.trend.failures, `${m.failures} · success ${rate}`, true),
      chart("p95 latency", m.trend.p95_ms, ms(m.latency_ms.p95)));
    if (m.gate.checks) card.append(chart("gate pass rate", m.trend.gate_pass_rate, (m.gate.pass_rate * 100).toFixed(1) + " %"));
    grid.append(card);
  }
  target.replaceChildren(grid);
}

let metricsTimer = null;
function scheduleMetrics() {
  if (metricsTimer) return;
  metricsTimer = setTimeout(() => { metricsTimer = null; refreshMetrics(); }, 2000);
}

// ---- start ---------------------------------------------------------------------------------

async function start() {
  for (;;) {
    try { await getJson("status"); break; } catch (error) {
      if (!(error instanceof Unauthorized)) break;
      sessionStorage.removeItem(KEY_ITEM);
      await askForKey("This server asks for an API key (server.api_keys).");
    }
  }
  try {
    const { graphs } = await getJson("graphs");
    for (const g of graphs) state.graphs.set(g.id, g);
  } catch (error) { console.warn("graphs:", error.message); }
  connectEvents();
  await Promise.all([loadRuns(), refreshStatus(), refreshMetrics(), refreshAlerts()]);
  setInterval(refreshStatus, 2000);
  setInterval(refreshAlerts, 5000);
  setInterval(refreshMetrics, 15000);
  setInterval(() => { if (state.trace && state.trace.status === "running") renderRun(); }, 500);
}

start();
