// batchlab live page: polls the JSON endpoints and draws each study with uPlot.
// Every string from the store goes in as text (textContent), never as HTML.
"use strict";

const REFRESH_MS = Number(document.body.dataset.refreshMs) || 1000;
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const sections = new Map();  // study name -> {root, chart, key}

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

function pct(x) { return x === null || x === undefined ? "—" : (100 * x).toFixed(1); }

function duration(s) {
  if (s === null || s === undefined) return "—";
  s = Math.round(s);
  if (s >= 3600) return Math.floor(s / 3600) + "h" + String(Math.floor(s % 3600 / 60)).padStart(2, "0") + "m";
  if (s >= 60) return Math.floor(s / 60) + "m" + String(s % 60).padStart(2, "0") + "s";
  return s + "s";
}

async function getJSON(url) {
  const response = await fetch(url, {cache: "no-store"});
  if (!response.ok) throw new Error(url + " answered " + response.status);
  return response.json();
}

function section(name) {
  let s = sections.get(name);
  if (s) return s;
  const id = "study-" + sections.size;
  const root = el("section", {class: "study", id: id});
  root.dataset.study = name;
  const title = el("h2", {}, el("span", {class: "name", text: name}),
                   el("span", {class: "status", text: "…"}));
  const facts = el("p", {class: "facts"});
  const chart = el("div", {class: "chart"});
  const table = el("table", {class: "curves"});
  const cohorts = el("table", {class: "cohorts"});
  const diverged = el("p", {class: "diverged"});
  root.append(title, el("p", {class: "muted description"}), facts,
              el("div", {class: "row"}, chart, el("div", {}, table, cohorts)), diverged);
  document.getElementById("studies").append(root);
  document.getElementById("toc").append(el("a", {href: "#" + id, text: name}));
  s = {root, chart: null, key: null};
  sections.set(name, s);
  return s;
}

function fact(label, value, cls) {
  return el("span", {}, label + " ", el("b", {class: cls, text: String(value)}));
}

function tableOf(node, head, rows) {
  node.replaceChildren(el("tr", {}, ...head.map((h, i) => el("th", {class: i ? "" : "name", text: h}))));
  for (const row of rows) node.append(el("tr", {}, ...row.map((c, i) =>
    c instanceof Node ? el("td", {}, c) : el("td", {class: i ? "" : "name", text: String(c)}))));
}

function chartData(curves) {
  const last = Math.max(0, ...curves.map(c => c.epochs.length ? c.epochs[c.epochs.length - 1] : 0));
  const xs = Array.from({length: last}, (_, i) => i + 1);
  const ys = curves.map(c => {
    const y = new Array(last).fill(null);
    c.epochs.forEach((e, i) => { y[e - 1] = c.test_accuracy[i]; });
    return y;
  });
  return [xs, ...ys];
}

function draw(s, view) {
  const key = view.curves.map(c => c.batch_size + "/" + c.learning_rate).join(",");
  const data = chartData(view.curves);
  if (s.chart && s.key === key) { s.chart.setData(data); return; }
  if (s.chart) s.chart.destroy();
  const holder = s.root.querySelector(".chart");
  const opts = {
    width: Math.min(640, Math.max(320, holder.clientWidth || 640)), height: 300,
    scales: {x: {time: false}},
    axes: [{label: "epoch"}, {label: "test accuracy"}],
    series: [{label: "epoch"}, ...view.curves.map((c, i) => ({
      label: "batch " + c.batch_size + " (lr " + c.learning_rate + ")",
      stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: false,
      value: (u, v) => v === null ? "—" : pct(v) + "%",
    }))],
  };
  s.chart = new uPlot(opts, data, holder);
  s.key = key;
}

function update(view) {
  const s = section(view.study);
  const status = s.root.querySelector(".status");
  status.textContent = view.status;
  status.className = "status " + view.status;
  s.root.querySelector(".description").textContent = view.description + (view.dataset ? " — dataset " + view.dataset : "");
  s.root.dataset.trialEpochs = String(view.trial_epochs_done);
  const reached = Math.max(0, ...view.cohorts.map(c => c.epochs_done));
  s.root.querySelector(".facts").replaceChildren(
    fact("epochs", reached + "/" + view.epochs, "epochs"),
    fact("trial-epochs", view.trial_epochs_done + "/" + view.trial_epochs, "trial-epochs"),
    fact("trials", view.trials),
    fact("ETA", view.done ? "done" : duration(view.eta_seconds), "eta"));
  tableOf(s.root.querySelector("table.curves"),
    ["batch", "lr", "seeds", "epoch", "now %", "best %", "at", "diverged"],
    view.curves.map(c => [c.batch_size, c.learning_rate, c.seeds,
      c.epochs.length ? c.epochs[c.epochs.length - 1] : 0, pct(c.last), pct(c.best),
      c.best_epoch === null ? "—" : c.best_epoch, c.diverged]));
  tableOf(s.root.querySelector("table.cohorts"), ["cohort", "trials", "epochs", "progress"],
    view.cohorts.map(c => [c.cohort, c.trials, c.epochs_done + "/" + c.epochs,
      el("progress", {max: String(c.epochs), value: String(c.epochs_done)})]));
  s.root.querySelector(".diverged").textContent = view.divergences.slice(-5).map(d =>
    "trial " + d.trial + " (batch " + d.batch_size + ", lr " + d.learning_rate + ", seed " + d.seed +
    ") diverged at epoch " + d.epoch).join("; ");
  draw(s, view);
}

async function tick() {
  const store = document.getElementById("store");
  try {
    const list = await getJSON("api/studies");
    store.textContent = (list.exists ? "store " : "waiting for a store at ") + list.store +
      (list.exists ? " — " + list.studies.length + (list.studies.length === 1 ? " study" : " studies") : "");
    for (const row of list.studies) {
      const s = sections.get(row.name);
      if (s && s.root.querySelector(".status").textContent === "done" && row.status === "done") continue;
      update(await getJSON("api/study?name=" + encodeURIComponent(row.name)));
    }
    store.classList.remove("error");
  } catch (err) {
    store.textContent = "cannot read the store: " + err.message;
    store.classList.add("error");
  }
  setTimeout(tick, REFRESH_MS);
}

tick();
