// The live dashboard: headline numbers (metricUpdates), a chart per number
// (dashboardSeries), the AI agents (aiAgents + agentUpdates) and the latest events
// (activity + events, resumed after the last event id when the connection comes back).
import { AuthError, connectLive, credentials, query, signIn, watch } from "./api.js";
import { MetricChart } from "./charts.js";

const METRICS = [
  { live: "totalUsers", series: "USERS", label: "Users", chart: "new users" },
  { live: "activeUsers", series: "ACTIVE_USERS", label: "Active users (30 days)", chart: "active users", daily: true },
  { live: "totalMessages", series: "MESSAGES", label: "Messages", chart: "messages" },
  { live: "revenue", series: "REVENUE", label: "Revenue", chart: "revenue", money: true },
  { live: "adSpend", series: "AD_SPEND", label: "Ad spend", chart: "ad spend", money: true },
  { live: "totalPosts", series: "POSTS", label: "Posts", chart: "new posts" },
];
// ?refresh=<seconds between recomputes of the numbers>&retry=<first reconnect pause, ms>
const OPTIONS = new URLSearchParams(location.search);
const REFRESH_SECONDS = Number(OPTIONS.get("refresh")) || 5;
const RETRY_MS = Number(OPTIONS.get("retry")) || 1000;
const MAX_EVENTS = 50;

const $ = (selector) => document.querySelector(selector);
const charts = new Map();
let live = null;
let lastEventId = null;

const SERIES = `query Series($metric: DashboardMetric!, $period: Period!, $granularity: Granularity!) {
  dashboardSeries(metric: $metric, period: $period, granularity: $granularity) { buckets values } }`;
const METRIC_UPDATES = `subscription Numbers($metrics: [String!]!, $period: Int!) {
  metricUpdates(metrics: $metrics, period: $period) { metric value change } }`;
const AGENTS = `query Agents { aiAgents { id name status efficiency currentTask progress } }`;
const AGENT_UPDATES = `subscription AgentUpdates {
  agentUpdates { agentId status efficiency currentTask progress } }`;
const ACTIVITY = `query Activity { activity(first: 20) { nodes { id type timestamp data } } }`;
const EVENTS = `subscription Events($after: String) {
  events(after: $after) { id type timestamp data } }`;

function format(value, money) {
  const digits = money ? 2 : 0;
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function buildCards() {
  const cards = $("#numbers");
  for (const metric of METRICS) {
    const card = document.createElement("article");
    card.className = "card";
    card.dataset.metric = metric.live;
    card.innerHTML = `<h2></h2><output class="value" id="value-${metric.live}">–</output>
      <small class="change"></small><div class="chart"></div><small class="note"></small>`;
    card.querySelector("h2").textContent = metric.label;
    card.querySelector(".note").textContent = metric.chart;
    cards.append(card);
    charts.set(metric.series, new MetricChart(card.querySelector(".chart"), metric.label));
  }
}

function showNumbers(values) {
  for (const { metric, value, change } of values) {
    const spec = METRICS.find((m) => m.live === metric);
    const output = $(`#value-${metric}`);
    output.textContent = format(value, spec.money);
    output.dataset.value = String(value);
    const card = output.closest(".card");
    card.querySelector(".change").textContent = change ? `${change > 0 ? "+" : ""}${change}%` : "";
    card.classList.remove("flash");
    void card.offsetWidth; // restart the highlight animation
    card.classList.add("flash");
    scheduleSeries(spec);
  }
}

const pending = new Map();
function scheduleSeries(spec) {  // several updates in a row fetch the chart once
  clearTimeout(pending.get(spec.series));
  pending.set(spec.series, setTimeout(() => loadSeries(spec), 500));
}

async function loadSeries(spec) {
  const period = $("#period").value;
  let granularity = $("#granularity").value;
  if (spec.daily && granularity === "HOUR") granularity = "DAY"; // distinct per day at finest
  const note = $(`[data-metric="${spec.live}"] .note`);
  try {
    const data = await query(SERIES, { metric: spec.series, period, granularity });
    charts.get(spec.series).show(data.dashboardSeries);
    note.textContent = `${spec.chart} per ${granularity.toLowerCase()}`;
  } catch (error) {
    if (error instanceof AuthError) return showSignIn(error.message);
    charts.get(spec.series).clear();
    note.textContent = error.message;
  }
}

function showAgent(agent) {
  const id = agent.id ?? agent.agentId;
  let item = document.getElementById(`agent-${id}`);
  if (!item) {
    item = document.createElement("li");
    item.id = `agent-${id}`;
    item.innerHTML = `<strong></strong> <span class="status"></span><div class="task"></div>
      <progress max="100"></progress>`;
    item.querySelector("strong").textContent = agent.name ?? id;
    $("#agents").append(item);
  }
  item.querySelector(".status").textContent = agent.status;
  item.querySelector(".status").dataset.status = agent.status;
  item.querySelector(".task").textContent = agent.currentTask ?? "";
  item.querySelector("progress").value = agent.progress ?? 0;
}

function showEvent(event, { newest = true } = {}) {
  if (document.getElementById(`event-${event.id}`)) return; // at least once: skip repeats
  const item = document.createElement("li");
  item.id = `event-${event.id}`;
  item.innerHTML = `<time></time> <code></code> <span></span>`;
  item.querySelector("time").textContent = event.timestamp.replace("T", " ").slice(0, 19);
  item.querySelector("code").textContent = event.type;
  item.querySelector("span").textContent = JSON.stringify(event.data).slice(0, 120);
  const list = $("#events");
  newest ? list.prepend(item) : list.append(item);
  while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
}

function problem(errors) {
  $("#problem").textContent = errors.map((e) => e.message ?? String(e)).join("; ");
}

async function loadAgentsAndEvents() {
  const [{ aiAgents }, { activity }] = await Promise.all([query(AGENTS), query(ACTIVITY)]);
  aiAgents.forEach(showAgent);
  activity.nodes.forEach((event) => showEvent(event, { newest: false }));
}

// Runs on every (re)connection: the numbers and agents start from their current state and
// events resume after the last id received, so nothing in between is lost.
function subscribeAll(client) {
  // Revenue on its own: a principal without read:revenue still gets the other numbers.
  const groups = [METRICS.filter((m) => m.live !== "revenue"), METRICS.filter((m) => m.live === "revenue")];
  for (const group of groups) {
    watch(client, METRIC_UPDATES, { metrics: group.map((m) => m.live), period: REFRESH_SECONDS }, {
      next: (data) => showNumbers(data.metricUpdates),
      error: (errors) => group.forEach((m) => { $(`#value-${m.live}`).title = errors[0].message; }),
    });
  }
  query(AGENTS).then(({ aiAgents }) => aiAgents.forEach(showAgent)).catch(() => {});
  watch(client, AGENT_UPDATES, {}, { next: (data) => showAgent(data.agentUpdates), error: problem });
  const subscribeEvents = () => watch(client, EVENTS, { after: lastEventId }, {
    next: (data) => { lastEventId = data.events.id; showEvent(data.events); },
    error: (errors) => {
      if (lastEventId && errors.some((e) => e.extensions?.code === "BAD_USER_INPUT")) {
        lastEventId = null; // too old to resume: reload the feed and follow it anew
        query(ACTIVITY).then(({ activity }) => activity.nodes.forEach((e) => showEvent(e, { newest: false })));
        subscribeEvents();
      } else problem(errors);
    },
  });
  subscribeEvents();
}

function setConnection(state) {
  const badge = $("#connection");
  badge.dataset.state = state;
  badge.textContent = state;
}

async function showBoard() {
  $("#sign-in").hidden = true;
  $("#board").hidden = false;
  $("#sign-out").hidden = false;
  try {
    await loadAgentsAndEvents();
  } catch (error) {
    if (error instanceof AuthError) return showSignIn(error.message);
    problem([error]);
  }
  METRICS.forEach(loadSeries);
  live = connectLive({ start: subscribeAll, onState: setConnection, retryMs: RETRY_MS });
}

function showSignIn(message = "") {
  live?.stop();
  live = null;
  credentials.clear();
  lastEventId = null; // nothing of the previous session stays on the page
  $("#agents").replaceChildren();
  $("#events").replaceChildren();
  for (const output of document.querySelectorAll(".card .value")) output.textContent = "–";
  charts.forEach((chart) => chart.clear());
  $("#sign-in").hidden = false;
  $("#board").hidden = true;
  $("#sign-out").hidden = true;
  $("#sign-in-error").textContent = message;
  setConnection("offline");
}

$("#password-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await signIn($("#email").value, $("#password").value);
    await showBoard();
  } catch (error) {
    $("#sign-in-error").textContent = error.message;
  }
});
$("#key-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  credentials.save($("#api-key").value.trim());
  await showBoard();
});
$("#sign-out").addEventListener("click", () => showSignIn());
for (const picker of ["#period", "#granularity"]) {
  $(picker).addEventListener("change", () => METRICS.forEach(loadSeries));
}

buildCards();
if (credentials.token) showBoard();
else showSignIn();
