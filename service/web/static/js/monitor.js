// /monitor: what households bought by phase and category, redemptions over time, the
// monitoring alerts (acknowledge, resolve, suspend a store), redemptions by community on a map,
// and each merchant's data timeliness. Everything comes from /api/v1 with the staff token.

import { api, el, fmt, labels, problemText, say } from "./common.js";
import { addCommunities, baseMap } from "./map.js";
import { requireStaff } from "./staff.js";

const state = { token: "", me: null, map: null, communityLayer: null };
const PHASES = { preparedness: "日常备灾", warning: "灾害预警", recovery: "灾后恢复" };
const RULES = {
  excluded_category: "购买了不可用券品类",
  inactive_store: "门店非营业期间核销",
  reservation_reuse: "派单预约重复核销或异店核销",
  price_outlier: "单价远高于全网同品类中位数",
  missing_feedback: "派单预约超时无核销反馈",
  amount_mismatch: "明细与核销金额不符",
};
const STATUS = { open: "待处理", acknowledged: "已确认", resolved: "已解决" };
const EXCLUDED = ["tobacco", "alcohol", "health_supplements"];

requireStaff((me, token) => {
  state.token = token;
  state.me = me;
  document.getElementById("monitor").hidden = false;
  state.map = baseMap(document.getElementById("monitor-map"), { zoom: 9 });
  document.getElementById("period-form").addEventListener("submit", (e) => {
    e.preventDefault();
    refresh();
  });
  document.getElementById("alert-status").addEventListener("change", loadAlerts);
  document.getElementById("download-csv").addEventListener("click", downloadCsv);
  refresh();
});

function when(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
}

function yuan(fen) {
  return fmt(fen / 100, 2);
}

// Dates are Beijing days: [from 00:00, to + 1 day 00:00) at +08:00.
function period() {
  const q = new URLSearchParams();
  const from = document.getElementById("period-from").value;
  const to = document.getElementById("period-to").value;
  if (from) q.set("from", `${from}T00:00:00+08:00`);
  if (to) {
    const next = new Date(`${to}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    q.set("to", `${next.toISOString().slice(0, 10)}T00:00:00+08:00`);
  }
  return q;
}

async function report(groupBy) {
  const q = period();
  if (groupBy) q.set("group_by", groupBy);
  const r = await api("GET", `/api/v1/reports/consumption?${q}`, { token: state.token });
  if (!r.ok) {
    say(document.getElementById("monitor-problem"), problemText(r));
    return null;
  }
  return r.data;
}

async function refresh() {
  say(document.getElementById("monitor-problem"), "");
  const [byPhase, byDay, byCommunity] = await Promise.all([
    report("phase,category"), report("day"), report("community"),
  ]);
  if (byPhase) {
    summary(byPhase);
    phaseTable(byPhase.rows);
    timeliness(byPhase.timeliness);
  }
  if (byDay) trend(byDay.rows);
  if (byCommunity) communityMap(byCommunity.rows);
  loadAlerts();
}

function summary(data) {
  const t = data.totals;
  const share = data.routing.share === null ? "—" : `${fmt(data.routing.share * 100, 0)}%`;
  document.getElementById("summary").textContent =
    `共 ${t.redemptions} 笔核销，${t.households} 户，合计 ${yuan(t.amount_fen)} 元；` +
    `派单住户 ${data.routing.reserved} 户，其中已核销 ${data.routing.redeemed} 户（${share}）。`;
}

function phaseTable(rows) {
  const amount = new Map(rows.map((r) => [`${r.phase}/${r.category}`, r.amount_fen]));
  const seen = new Set(rows.map((r) => r.category));
  // The configured (voucher-eligible) categories always; excluded ones only when reported.
  const codes = Object.keys(labels.categories).filter((c) => !EXCLUDED.includes(c) || seen.has(c));
  const table = document.getElementById("phase-table");
  const head = el("tr", {}, el("th", { scope: "col", text: "品类" }),
    ...Object.values(PHASES).map((p) => el("th", { scope: "col", text: p })));
  const body = codes.map((code) => el("tr", {
    class: EXCLUDED.includes(code) ? "excluded" : null, "data-category": code,
  },
  el("th", { scope: "row", text: labels.categories[code] + (EXCLUDED.includes(code) ? "（不可购买）" : "") }),
  ...Object.keys(PHASES).map((p) => {
    const fen = amount.get(`${p}/${code}`) || 0;
    return el("td", { "data-phase": p, text: fen ? yuan(fen) : "—" });
  })));
  table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
}

function trend(rows) {
  const node = document.getElementById("trend");
  const max = Math.max(1, ...rows.map((r) => r.redemptions));
  node.replaceChildren(...rows.map((r) => {
    const bar = el("div", { class: "trend-bar", title: `${r.day}：${r.redemptions} 笔` });
    bar.style.height = `${Math.round((r.redemptions / max) * 100)}%`; // CSSOM: CSP allows it
    return bar;
  }));
  document.getElementById("trend-list").replaceChildren(
    ...rows.map((r) => el("li", { "data-day": r.day, text: `${r.day}：${r.redemptions} 笔，${yuan(r.amount_fen)} 元` })));
}

async function communityMap(rows) {
  const byCode = new Map(rows.filter((r) => r.community).map((r) => [r.community, r]));
  const max = Math.max(1, ...rows.map((r) => r.amount_fen));
  if (state.communityLayer) state.communityLayer.remove();
  state.communityLayer = await addCommunities(state.map, (f) => {
    const r = byCode.get(f.properties.code);
    const share = r ? r.amount_fen / max : 0;
    return { color: "#8a1c21", weight: 1, fillColor: "#c0262d", fillOpacity: r ? 0.15 + 0.6 * share : 0.02 };
  }, (feature, layer) => {
    const r = byCode.get(feature.properties.code);
    const text = r ? `${feature.properties.name}：${r.redemptions} 笔，${r.households} 户，${yuan(r.amount_fen)} 元`
      : `${feature.properties.name}：暂无核销`;
    layer.bindTooltip(text, { sticky: true });
    layer.getElement?.()?.setAttribute("data-community", feature.properties.code);
  });
}

function timeliness(items) {
  const table = document.getElementById("timely-table");
  const head = el("tr", {}, ...["商户", "记录数", "延迟中位数（小时）", "90% 延迟（小时）", "24 小时内上报"]
    .map((t) => el("th", { scope: "col", text: t })));
  table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...items.map((t) => el("tr", {},
    el("th", { scope: "row", text: t.merchant_name }), el("td", { text: t.records }),
    el("td", { text: fmt(t.median_lag_h, 1) }), el("td", { text: fmt(t.p90_lag_h, 1) }),
    el("td", { text: `${fmt(t.within_24h_share * 100, 0)}%` })))));
}

function mayAct() {
  return ["dispatcher", "admin"].includes(state.me.role);
}

async function loadAlerts() {
  const status = document.getElementById("alert-status").value;
  const q = status ? `?status=${status}` : "";
  const r = await api("GET", `/api/v1/monitoring/alerts${q}`, { token: state.token });
  const problem = document.getElementById("alert-problem");
  if (!r.ok) {
    say(problem, problemText(r));
    return;
  }
  say(problem, "");
  const c = r.data.counts;
  document.getElementById("alert-counts").textContent =
    `待处理 ${c.open || 0} 条，已确认 ${c.acknowledged || 0} 条，已解决 ${c.resolved || 0} 条。`;
  document.getElementById("alert-list").replaceChildren(...r.data.items.map(alertItem));
}

function evidenceText(a) {
  const e = a.evidence;
  switch (a.rule) {
    case "excluded_category":
      return `交易 ${e.txn_id}：${e.items.map((i) => `${i.name}（${labels.categories[i.category] || i.category}，${yuan(i.amount_fen)} 元）`).join("、")}`;
    case "inactive_store":
      return `交易 ${e.txn_id} 于 ${when(e.at)}，门店当时状态：${e.status}（${e.status_reason || "无说明"}）`;
    case "reservation_reuse":
      return e.kind === "twice"
        ? `同一派单预约被核销 ${e.redemptions.length} 次：${e.redemptions.map((x) => x.txn_id).join("、")}`
        : `交易 ${e.txn_id} 核销了另一家门店的派单预约`;
    case "price_outlier":
      return `交易 ${e.txn_id}：${e.name} 单价 ${yuan(e.unit_price_fen)} 元，全网同品类本周中位数 ${yuan(e.network_median_fen)} 元（超过 ${e.factor} 倍，样本 ${e.sample}）`;
    case "missing_feedback":
      return `派单于 ${when(e.reserved_at)}，超过 ${e.deadline_h} 小时未收到核销数据`;
    case "amount_mismatch":
      return `交易 ${e.txn_id}：核销金额 ${yuan(e.amount_fen)} 元，明细合计 ${yuan(e.items_sum_fen)} 元${e.lines_off.length ? `，${e.lines_off.length} 行数量×单价与金额不符` : ""}`;
    default:
      return JSON.stringify(e);
  }
}

function alertItem(a) {
  const li = el("li", { class: `card alert-item ${a.status}`, "data-alert": a.id, "data-rule": a.rule },
    el("p", {}, el("strong", { text: RULES[a.rule] || a.rule }), " · ",
      el("span", { class: "badge", text: STATUS[a.status] || a.status }), " · ",
      `${a.store_name}（${a.merchant_name}）`,
      a.store_status !== "active" ? el("span", { class: "badge", text: `门店${a.store_status === "suspended" ? "已暂停" : a.store_status}` }) : null),
    el("p", { class: "evidence", text: evidenceText(a) }),
    a.status_by ? el("p", { class: "hint", text: `${a.status_by}：${a.status_reason}` }) : null);
  if (mayAct() && a.status !== "resolved") li.append(actions(a));
  return li;
}

function actions(a) {
  const id = `reason-${a.id}`;
  const input = el("input", { id, autocomplete: "off" });
  const problem = el("p", { class: "alert", role: "alert", hidden: true });
  const act = async (path, method, body) => {
    if (!input.value.trim()) {
      say(problem, "请填写处理说明。");
      return;
    }
    const r = await api(method, path, { token: state.token, body, headers: { "If-Match": `"${a.version}"` } });
    if (!r.ok) say(problem, problemText(r));
    else loadAlerts();
  };
  const base = `/api/v1/monitoring/alerts/${a.id}`;
  return el("div", { class: "alert-actions" },
    el("div", { class: "field" }, el("label", { for: id, text: "处理说明" }), input),
    a.status === "open" ? el("button", { type: "button", class: "secondary", text: "确认",
      onclick: () => act(base, "PATCH", { status: "acknowledged", reason: input.value.trim() }) }) : null,
    el("button", { type: "button", class: "secondary", text: "解决",
      onclick: () => act(base, "PATCH", { status: "resolved", reason: input.value.trim() }) }),
    a.store_status === "active" ? el("button", { type: "button", text: "暂停该门店",
      onclick: () => act(`${base}/suspend-store`, "POST", { reason: input.value.trim() }) }) : null,
    problem);
}

async function downloadCsv() {
  const q = period();
  q.set("group_by", "phase,category");
  q.set("format", "csv");
  const res = await fetch(`/api/v1/reports/consumption?${q}`, {
    headers: { Authorization: `Bearer ${state.token}` }, credentials: "omit", cache: "no-store",
  });
  if (!res.ok) {
    say(document.getElementById("monitor-problem"), `下载失败（HTTP ${res.status}）。`);
    return;
  }
  const url = URL.createObjectURL(await res.blob());
  const a = el("a", { href: url, download: "consumption.csv" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
