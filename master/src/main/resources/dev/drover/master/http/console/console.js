// The Drover web console: plain JavaScript over the master's HTTP/JSON gateway. Each kind a view
// needs is listed once and then followed by a watch (fetch streaming of newline-delimited JSON
// events, resumed from the last resourceVersion seen), so the page stays current without reloads
// or polling. Only the current view's kinds are watched: a browser opens at most six HTTP/1.1
// connections to a host, and actions and logs need some of them. Actions are the REST verbs.
"use strict";

const KINDS = {
  nodes: "/api/v1/nodes",
  pods: "/api/v1/pods",
  deployments: "/apis/apps/v1/deployments",
  daemonsets: "/apis/apps/v1/daemonsets",
  jobs: "/apis/batch/v1/jobs",
  events: "/api/v1/events",
};

// kind -> Map(key -> object), key is "namespace/name" (or "name" for cluster-scoped kinds).
const store = {};
const streams = { open: 0 };
// kind -> AbortController of its list+watch loop, for the kinds the current view follows.
const following = new Map();
const VIEW_KINDS = {
  overview: ["nodes", "pods"],
  workloads: ["deployments", "daemonsets", "jobs"],
  pods: ["pods"],
  pod: ["pods", "events"],
};
let route = { view: "overview" };
// Replica counts being typed, by deployment key: a re-render (any watch event) keeps them.
const drafts = new Map();
let logAbort = null;

// ------------------------------------------------------------------------------ API calls

function headers(extra) {
  const h = Object.assign({ "Accept": "application/json" }, extra || {});
  const token = localStorage.getItem("drover.token");
  if (token) h["Authorization"] = "Bearer " + token;
  return h;
}

async function api(method, path, body) {
  const init = { method, headers: headers(body ? { "Content-Type": "application/json" } : {}) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  const text = await res.text();
  const json = text ? JSON.parse(text) : {};
  if (!res.ok) {
    const causes = json.details && json.details.causes
      ? " (" + json.details.causes.map(c => c.field + ": " + c.message).join("; ") + ")" : "";
    throw new Error(res.status + " " + (json.message || res.statusText) + causes);
  }
  return json;
}

function notify(message, info) {
  const box = document.getElementById("notice");
  box.textContent = message;
  box.className = info ? "notice info" : "notice";
  box.hidden = false;
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

async function act(what, method, path, body) {
  try {
    await api(method, path, body);
    notify(what + ": done", true);
  } catch (e) {
    notify(what + " failed: " + e.message);
  }
}

// ------------------------------------------------------------------------------ list + watch

function keyOf(obj) {
  const m = obj.metadata || {};
  return m.namespace ? m.namespace + "/" + m.name : m.name;
}

async function follow(kind, signal) {
  const path = KINDS[kind];
  let version = 0;
  while (!signal.aborted) {
    try {
      if (version === 0) {
        const list = await api("GET", path);
        if (signal.aborted) return;
        const map = new Map();
        for (const item of list.items || []) map.set(keyOf(item), item);
        store[kind] = map;
        version = list.metadata.resourceVersion;
        render();
      }
      version = await watch(kind, path, version, signal);
    } catch (e) {
      if (signal.aborted) return;
      // The stream broke (master restarting, network): resume after a pause.
      await new Promise(r => setTimeout(r, 1000));
    }
  }
}

// Follows exactly these kinds: starts the missing loops, stops the others.
function followOnly(kinds) {
  for (const [kind, controller] of following) {
    if (!kinds.includes(kind)) {
      controller.abort();
      following.delete(kind);
      store[kind] = new Map();
    }
  }
  for (const kind of kinds) {
    if (!following.has(kind)) {
      const controller = new AbortController();
      following.set(kind, controller);
      follow(kind, controller.signal);
    }
  }
  liveBadge();
}

// Reads one watch stream to its end; returns the version to resume from (0: list again).
async function watch(kind, path, version, signal) {
  const res = await fetch(path + "?watch=true&allowWatchBookmarks=true&resourceVersion=" + version,
    { headers: headers(), signal });
  if (!res.ok) {
    if (res.status === 410) return 0;
    throw new Error("watch " + kind + ": " + res.status);
  }
  streams.open++;
  liveBadge();
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return version;
      buffered += decoder.decode(value, { stream: true });
      let nl;
      let changed = false;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!line.trim()) continue;
        const event = JSON.parse(line);
        if (event.type === "ERROR") {
          return event.object && event.object.code === 410 ? 0 : version;
        }
        const obj = event.object;
        version = obj.metadata.resourceVersion || version;
        if (event.type === "BOOKMARK") continue;
        if (event.type === "DELETED") store[kind].delete(keyOf(obj));
        else store[kind].set(keyOf(obj), obj);
        changed = true;
      }
      if (changed) render();
    }
  } finally {
    streams.open--;
    liveBadge();
  }
}

function liveBadge() {
  const badge = document.getElementById("live");
  const all = following.size;
  badge.textContent = streams.open >= all ? "live" : "connecting (" + streams.open + "/" + all + ")";
  badge.className = streams.open >= all ? "live on" : "live";
}

// ------------------------------------------------------------------------------ quantities

const SUFFIX = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15,
  E: 1e18, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6 };

function quantity(text) {
  if (text === undefined || text === null || text === "") return 0;
  const m = String(text).match(/^([0-9.eE+-]+?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/);
  if (!m) return 0;
  return parseFloat(m[1]) * SUFFIX[m[2] || ""];
}

function cpuText(cores) { return cores < 1 ? Math.round(cores * 1000) + "m" : +cores.toFixed(2) + ""; }
function memText(bytes) {
  const units = ["", "Ki", "Mi", "Gi", "Ti"];
  let i = 0;
  while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i++; }
  return +bytes.toFixed(1) + units[i];
}

function requests(pod, resource) {
  let total = 0;
  for (const c of (pod.spec && pod.spec.containers) || []) {
    total += quantity(c.resources && c.resources.requests && c.resources.requests[resource]);
  }
  return total;
}

// ------------------------------------------------------------------------------ rendering

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function fill(tableId, rows, columns) {
  const body = document.querySelector("#" + tableId + " tbody");
  // Rows are rebuilt on every change; keep the focus of an input being typed into.
  const focused = document.activeElement && body.contains(document.activeElement)
    ? document.activeElement.getAttribute("data-key") : null;
  // A row that did not change stays the same element, so a click on it is never lost to a
  // re-render between mouse down and up.
  const old = new Map([...body.children].map(row => [row.outerHTML, row]));
  body.replaceChildren();
  if (rows.length === 0) {
    body.append(h("tr", {}, h("td", { colspan: columns, class: "empty" }, "none")));
  }
  for (const row of rows) {
    const same = old.get(row.outerHTML);
    old.delete(row.outerHTML);
    body.append(same || row);
  }
  if (focused) {
    const again = body.querySelector("[data-key='" + CSS.escape(focused) + "']");
    if (again) again.focus();
  }
}

function values(kind) {
  return [...(store[kind] || new Map()).values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

function condition(obj, type) {
  return ((obj.status && obj.status.conditions) || []).find(c => c.type === type);
}

function bar(used, total) {
  const pct = total > 0 ? Math.min(100, Math.round(100 * used / total)) : 0;
  return h("span", { class: "bar" }, h("span", { style: "width:" + pct + "%", class: pct >= 90 ? "full" : "" }));
}

function podsOn(node) {
  return values("pods").filter(p => p.spec && p.spec.nodeName === node
    && !["Succeeded", "Failed"].includes(p.status && p.status.phase));
}

function renderOverview() {
  const rows = values("nodes").map(node => {
    const name = node.metadata.name;
    const ready = condition(node, "Ready");
    const isReady = ready && ready.status === "True";
    const alloc = (node.status && node.status.allocatable) || {};
    const pods = podsOn(name);
    const cpu = pods.reduce((s, p) => s + requests(p, "cpu"), 0);
    const mem = pods.reduce((s, p) => s + requests(p, "memory"), 0);
    const cpuAlloc = quantity(alloc.cpu);
    const memAlloc = quantity(alloc.memory);
    const cordoned = node.spec && node.spec.unschedulable;
    const base = "/api/v1/nodes/" + encodeURIComponent(name);
    return h("tr", { "data-name": name },
      h("td", {}, name),
      h("td", { class: "ready " + (isReady ? "ok" : "bad") }, isReady ? "Ready" : "NotReady"),
      h("td", { class: "schedulable" }, cordoned ? "cordoned" : "yes"),
      h("td", { class: "cpu" }, bar(cpu, cpuAlloc), cpuText(cpu) + " / " + cpuText(cpuAlloc)),
      h("td", { class: "memory" }, bar(mem, memAlloc), memText(mem) + " / " + memText(memAlloc)),
      h("td", { class: "pod-count" }, String(pods.length)),
      h("td", {},
        cordoned
          ? h("button", { class: "uncordon", onclick: () => act("uncordon " + name, "POST", base + "/uncordon") }, "Uncordon")
          : h("button", { class: "cordon", onclick: () => act("cordon " + name, "POST", base + "/cordon") }, "Cordon"),
        h("button", { class: "drain danger", onclick: () => {
          if (confirm("Drain " + name + "? Its pods are evicted.")) {
            act("drain " + name, "POST", base + "/drain", { ignoreDaemonSets: true });
          }
        } }, "Drain")));
  });
  fill("nodes", rows, 7);
  const boxes = document.getElementById("pods-per-node");
  boxes.replaceChildren();
  for (const node of values("nodes")) {
    const pods = podsOn(node.metadata.name);
    boxes.append(h("div", { class: "node-box", "data-node": node.metadata.name },
      h("h4", {}, node.metadata.name + " (" + pods.length + ")"),
      h("ul", {}, pods.map(p => h("li", {}, podLink(p), " ", phaseSpan(p))))));
  }
}

function podLink(p) {
  return h("a", { href: "#/pod/" + p.metadata.namespace + "/" + p.metadata.name, class: "pod-link" },
    p.metadata.name);
}

function phase(p) {
  if (p.metadata.deletionTimestamp) return "Terminating";
  return (p.status && p.status.phase) || "Pending";
}

function phaseSpan(p) {
  const ph = phase(p);
  const cls = ph === "Running" || ph === "Succeeded" ? "ok" : ph === "Failed" ? "bad" : "warn";
  return h("span", { class: "phase " + cls }, ph);
}

function restarts(p) {
  return ((p.status && p.status.containerStatuses) || []).reduce((s, c) => s + (c.restartCount || 0), 0);
}

function objectPath(kindPath, obj) {
  const plural = kindPath.split("/").pop();
  const prefix = kindPath.slice(0, kindPath.length - plural.length);
  return prefix + "namespaces/" + encodeURIComponent(obj.metadata.namespace) + "/" + plural + "/"
    + encodeURIComponent(obj.metadata.name);
}

function deleteButton(kind, obj) {
  const path = objectPath(KINDS[kind], obj);
  return h("button", { class: "delete danger", onclick: () => {
    if (confirm("Delete " + keyOf(obj) + "?")) act("delete " + keyOf(obj), "DELETE", path);
  } }, "Delete");
}

function renderWorkloads() {
  fill("deployments", values("deployments").map(d => {
    const spec = d.spec || {}, st = d.status || {};
    const want = spec.replicas === undefined ? 1 : spec.replicas;
    const path = objectPath(KINDS.deployments, d);
    const key = keyOf(d);
    const input = h("input", { class: "replicas", type: "number", min: "0", "data-key": "replicas/" + key,
      value: drafts.has(key) ? drafts.get(key) : String(want),
      oninput: e => drafts.set(key, e.target.value) });
    const done = (st.updatedReplicas || 0) >= want && (st.availableReplicas || 0) >= want
      && (st.replicas || 0) === want;
    return h("tr", { "data-name": d.metadata.name, "data-namespace": d.metadata.namespace },
      h("td", {}, d.metadata.namespace),
      h("td", {}, d.metadata.name),
      h("td", { class: "replicas-text" }, (st.readyReplicas || 0) + "/" + want + " ready"),
      h("td", { class: "rollout " + (done ? "ok" : "warn") }, bar(st.updatedReplicas || 0, want),
        (st.updatedReplicas || 0) + " updated, " + (st.availableReplicas || 0) + " available"
        + (done ? " (complete)" : " (progressing)")),
      h("td", {}, input,
        h("button", { class: "scale", onclick: async () => {
          const replicas = parseInt(drafts.has(key) ? drafts.get(key) : input.value, 10);
          await act("scale " + key, "PUT", path + "/scale", { spec: { replicas } });
          drafts.delete(key);
        } }, "Scale"),
        h("button", { class: "restart", onclick: () => act("restart " + keyOf(d), "POST", path + "/restart") }, "Restart"),
        h("button", { class: "undo", onclick: () => act("undo " + keyOf(d), "POST", path + "/rollback", {}) }, "Undo"),
        deleteButton("deployments", d)));
  }), 5);
  fill("daemonsets", values("daemonsets").map(ds => {
    const st = ds.status || {};
    return h("tr", { "data-name": ds.metadata.name },
      h("td", {}, ds.metadata.namespace), h("td", {}, ds.metadata.name),
      h("td", {}, String(st.desiredNumberScheduled || 0)), h("td", {}, String(st.numberReady || 0)),
      h("td", {}, String(st.updatedNumberScheduled || 0)), h("td", {}, deleteButton("daemonsets", ds)));
  }), 6);
  fill("jobs", values("jobs").map(j => {
    const st = j.status || {}, spec = j.spec || {};
    return h("tr", { "data-name": j.metadata.name },
      h("td", {}, j.metadata.namespace), h("td", {}, j.metadata.name),
      h("td", {}, (st.succeeded || 0) + "/" + (spec.completions === undefined ? 1 : spec.completions)),
      h("td", {}, String(st.active || 0)), h("td", {}, String(st.failed || 0)),
      h("td", {}, deleteButton("jobs", j)));
  }), 6);
}

function renderPods() {
  fill("pods", values("pods").map(p => {
    const statuses = (p.status && p.status.containerStatuses) || [];
    const ready = statuses.filter(c => c.ready).length;
    return h("tr", { "data-name": p.metadata.name, "data-namespace": p.metadata.namespace },
      h("td", {}, p.metadata.namespace), h("td", {}, podLink(p)), h("td", {}, phaseSpan(p)),
      h("td", { class: "ready-count" }, ready + "/" + ((p.spec && p.spec.containers) || []).length),
      h("td", { class: "restarts" }, String(restarts(p))),
      h("td", {}, (p.spec && p.spec.nodeName) || ""),
      h("td", {}, deleteButton("pods", p)));
  }), 7);
}

function stateText(state) {
  if (!state) return "";
  if (state.running) return "Running";
  if (state.waiting) return "Waiting: " + (state.waiting.reason || "");
  if (state.terminated) return "Terminated: " + (state.terminated.reason || "") + " (exit " + (state.terminated.exitCode || 0) + ")";
  return "";
}

function renderPod() {
  const key = route.namespace + "/" + route.name;
  const p = (store.pods || new Map()).get(key);
  document.getElementById("pod-title").textContent = key + (p ? "" : " (gone)");
  if (!p) return;
  document.getElementById("pod-phase").replaceChildren(phaseSpan(p));
  document.getElementById("pod-node").textContent = (p.spec && p.spec.nodeName) || "(not scheduled)";
  document.getElementById("pod-ip").textContent = (p.status && p.status.podIP) || "";
  const statuses = new Map(((p.status && p.status.containerStatuses) || []).map(c => [c.name, c]));
  fill("pod-containers", ((p.spec && p.spec.containers) || []).map(c => {
    const s = statuses.get(c.name) || {};
    return h("tr", { "data-name": c.name }, h("td", {}, c.name), h("td", {}, c.image),
      h("td", { class: "state" }, stateText(s.state)), h("td", {}, s.ready ? "yes" : "no"),
      h("td", { class: "restarts" }, String(s.restartCount || 0)));
  }), 5);
  fill("pod-conditions", ((p.status && p.status.conditions) || []).map(c =>
    h("tr", { "data-type": c.type }, h("td", {}, c.type), h("td", {}, c.status),
      h("td", {}, c.reason || ""), h("td", {}, c.message || ""))), 4);
  fill("pod-events", values("events").filter(e => e.involvedObject
      && e.involvedObject.name === route.name && e.metadata.namespace === route.namespace)
    .map(e => h("tr", {}, h("td", {}, e.type || ""), h("td", {}, e.reason || ""),
      h("td", {}, String(e.count || 1)), h("td", {}, e.message || ""))), 4);
  const select = document.getElementById("log-container");
  const names = ((p.spec && p.spec.containers) || []).map(c => c.name);
  if (select.options.length !== names.length) {
    select.replaceChildren(...names.map(n => h("option", { value: n }, n)));
  }
}

function render() {
  if (route.view === "overview") renderOverview();
  else if (route.view === "workloads") renderWorkloads();
  else if (route.view === "pods") renderPods();
  else if (route.view === "pod") renderPod();
}

// ------------------------------------------------------------------------------ logs

async function followLogs() {
  if (logAbort) logAbort.abort();
  const out = document.getElementById("pod-logs");
  out.textContent = "";
  if (route.view !== "pod") return;
  logAbort = new AbortController();
  const container = document.getElementById("log-container").value;
  const path = "/api/v1/namespaces/" + encodeURIComponent(route.namespace) + "/pods/"
    + encodeURIComponent(route.name) + "/log?follow=true&tailLines=500"
    + (container ? "&container=" + encodeURIComponent(container) : "");
  try {
    const res = await fetch(path, { headers: headers(), signal: logAbort.signal });
    if (!res.ok) {
      const body = await res.text();
      let message = body;
      try { message = JSON.parse(body).message; } catch (e) { /* plain text */ }
      out.textContent = "(" + res.status + ") " + message;
      return;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const atBottom = out.scrollTop + out.clientHeight >= out.scrollHeight - 4;
      out.append(document.createTextNode(decoder.decode(value, { stream: true })));
      if (atBottom) out.scrollTop = out.scrollHeight;
    }
  } catch (e) {
    if (e.name !== "AbortError") out.append(document.createTextNode("\n(log stream ended: " + e.message + ")"));
  }
}

// ------------------------------------------------------------------------------ charts

// The overview's small charts: series this master samples every two seconds (API requests per
// second, open watch streams, store apply latency), followed from /ui/metrics?follow=true, which
// the gateway serves as a stream of the master's services with this page's credentials, like every
// API call: one line per sample, so the charts move as watches do, without polling.
const CHART_RETRY_MS = 5000;
const SVG = "http://www.w3.org/2000/svg";
let chartAbort = null;

function followCharts(on) {
  if (chartAbort) chartAbort.abort();
  chartAbort = on ? new AbortController() : null;
  if (on) streamCharts(chartAbort.signal);
}

async function streamCharts(signal) {
  const box = document.getElementById("charts");
  try {
    const res = await fetch("/ui/metrics?follow=true", { headers: headers(), signal });
    if (!res.ok) {
      const body = await res.text();
      let message = body;
      try { message = JSON.parse(body).message; } catch (e) { /* plain text */ }
      throw new Error("(" + res.status + ") " + message);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let nl;
      let latest = null;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.trim()) latest = JSON.parse(line);
      }
      if (latest) box.replaceChildren(...latest.charts.map(chart));
    }
  } catch (e) {
    if (e.name === "AbortError") return;
    box.replaceChildren(h("p", { class: "empty" }, "charts unavailable: " + e.message));
  }
  // The stream ended (a master restart, a lost connection): follow again after a pause.
  if (!signal.aborted) setTimeout(() => { if (!signal.aborted) streamCharts(signal); }, CHART_RETRY_MS);
}

function chartNumber(v) {
  if (Number.isInteger(v)) return String(v);
  return v >= 100 ? Math.round(v) + "" : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

// One series as a captioned SVG line, scaled to its own largest value.
function chart(series) {
  const width = 240, height = 56, points = series.points;
  const first = points.length ? points[0][0] : 0;
  const span = points.length > 1 ? points[points.length - 1][0] - first : 1;
  const max = Math.max(0, ...points.map(p => p[1]));
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", points.map(([t, v]) =>
    ((t - first) / span * width).toFixed(1) + ","
      + (height - 2 - (max > 0 ? v / max : 0) * (height - 6)).toFixed(1)).join(" "));
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.append(line);
  const now = points.length ? points[points.length - 1][1] : 0;
  return h("figure", { class: "chart", id: "chart-" + series.id, "data-points": points.length,
      "data-max": max },
    h("figcaption", {}, series.title,
      h("span", { class: "chart-value" }, chartNumber(now) + (series.unit ? " " + series.unit : ""))),
    svg,
    h("div", { class: "chart-scale" }, "max " + chartNumber(max) + (series.unit ? " " + series.unit : "")
      + " over the last "
      + (span >= 60000 ? Math.round(span / 60000) + " min" : Math.round(span / 1000) + " s")));
}

// ------------------------------------------------------------------------------ routing

function onRoute() {
  const parts = (location.hash || "#/overview").slice(2).split("/");
  const view = ["overview", "workloads", "pods", "pod"].includes(parts[0]) ? parts[0] : "overview";
  route = view === "pod" ? { view, namespace: parts[1], name: parts.slice(2).join("/") } : { view };
  followOnly(VIEW_KINDS[view]);
  followCharts(view === "overview");
  for (const section of document.querySelectorAll(".view")) {
    section.hidden = section.id !== "view-" + view;
  }
  for (const link of document.querySelectorAll("nav a")) {
    link.classList.toggle("active", link.id === "nav-" + (view === "pod" ? "pods" : view));
  }
  render();
  if (view === "pod") {
    document.getElementById("log-container").replaceChildren();
    renderPod();
    followLogs();
  } else if (logAbort) {
    logAbort.abort();
    logAbort = null;
  }
}

document.getElementById("log-container").addEventListener("change", followLogs);
document.getElementById("pod-delete").addEventListener("click", () => {
  if (route.view === "pod" && confirm("Delete pod " + route.namespace + "/" + route.name + "?")) {
    act("delete pod", "DELETE", "/api/v1/namespaces/" + encodeURIComponent(route.namespace)
      + "/pods/" + encodeURIComponent(route.name));
  }
});
// A login link (`drover dev` prints one) carries a bearer token as ?token=: keep it for the API
// calls and take it out of the address bar and the history.
const linkToken = new URLSearchParams(location.search).get("token");
if (linkToken) {
  localStorage.setItem("drover.token", linkToken);
  history.replaceState(null, "", location.pathname + location.hash);
}
const tokenInput = document.getElementById("token");
tokenInput.value = localStorage.getItem("drover.token") || "";
tokenInput.addEventListener("change", () => {
  if (tokenInput.value) localStorage.setItem("drover.token", tokenInput.value);
  else localStorage.removeItem("drover.token");
});
window.addEventListener("hashchange", onRoute);
for (const kind of Object.keys(KINDS)) store[kind] = new Map();
onRoute();
