// /review: the round's ranking, sortable and filtered; whether the reader is on the panel;
// a shortlist within a budget.

import { api, el, fmt, labels, problemText, say, statusZh } from "./common.js";
import { clearErrors, showProblem } from "./errors.js";
import { localProblem, noEnterSubmit, numberIn } from "./forms.js";
import { requireStaff } from "./staff.js";
import { wireChangeReview } from "./review-changes.js";

const state = { token: "", me: null, rounds: [], items: [], criteria: [], sort: { key: "rank", dir: 1 } };
const KIND_ZH = { merchant: "商家", ngo: "公益伙伴" };
const ROUND_ZH = { open: "进行中", closed: "已结束" };

requireStaff(async (me, token) => {
  state.token = token;
  state.me = me;
  document.getElementById("ranking-section").hidden = false;
  wireChangeReview(token, me);
  const rounds = await api("GET", "/api/v1/rounds", { token });
  const select = document.getElementById("round");
  state.rounds = rounds.ok ? rounds.data : [];
  select.replaceChildren(...state.rounds.map((r) =>
    el("option", { value: r.code, text: `${r.name}（${r.code}，${ROUND_ZH[r.status] || r.status}）` })));
  select.value = defaultRound(state.rounds);
  if (!rounds.ok) say(document.getElementById("ranking-error"), problemText(rounds));
  load();
});

// The round chosen earlier in this tab, else the newest open round the reader sits on,
// else the newest open round, else the newest.
function defaultRound(rounds) {
  const wanted = sessionStorage.getItem("boai.round");
  if (wanted && rounds.some((r) => r.code === wanted)) return wanted;
  const newest = [...rounds].reverse();
  const pick = newest.find((r) => r.status === "open" && r.on_panel) || newest.find((r) => r.status === "open") || newest[0];
  return pick ? pick.code : "";
}

function panelNote(code) {
  const round = state.rounds.find((r) => r.code === code);
  const note = document.getElementById("panel-note");
  if (!round || round.on_panel || state.me.role !== "reviewer") {
    say(note, "");
    return;
  }
  say(note, `您不在「${round.name}」的评审组中：可以查看排名，但不能评分、请求补充材料或作决定。请联系管理员在「管理」页把您加入本批次评审组。`);
}

async function load() {
  const code = document.getElementById("round").value;
  if (!code) return;
  sessionStorage.setItem("boai.round", code);
  panelNote(code);
  const r = await api("GET", `/api/v1/rounds/${encodeURIComponent(code)}/ranking`, { token: state.token });
  const error = document.getElementById("ranking-error");
  if (!r.ok) {
    say(error, problemText(r));
    return;
  }
  say(error, "");
  state.items = r.data.items;
  const codes = new Set();
  for (const item of state.items) Object.keys(item.criteria || {}).forEach((c) => codes.add(c));
  state.criteria = [...codes];
  // Joint assessment: each organisation's mean score side by side, and the reader's area.
  const orgs = new Map();
  for (const item of state.items) {
    for (const [code, o] of Object.entries(item.by_organisation || {})) orgs.set(code, o.name);
  }
  state.orgs = [...orgs].map(([code, name]) => ({ code, name }));
  const scope = r.data.scope;
  say(document.getElementById("scope-note"), scope
    ? `您所在的${scope.name}只看到服务本辖区的候选：${[...scope.streets.map((s) => `街道 ${s}`), ...scope.communities.map((c) => `社区 ${c}`)].join("、")}。`
    : "");
  document.getElementById("ranking-note").textContent = `评分细则第 ${r.data.rubric_version} 版 · 共 ${state.items.length} 份`;
  render();
}

function columns() {
  return [
    { key: "rank", zh: "名次", value: (i) => i.rank, digits: 0 },
    { key: "legal_name", zh: "申请单位", value: (i) => i.legal_name },
    { key: "kind", zh: "类型", value: (i) => KIND_ZH[i.kind] || i.kind },
    { key: "status", zh: "状态", value: (i) => statusZh(i.status) },
    { key: "eligible", zh: "符合条件", value: (i) => (i.eligible ? "是" : "否") },
    { key: "panel_total", zh: "评审组得分", value: (i) => i.panel_total, digits: 1 },
    { key: "automatic_total", zh: "自动得分", value: (i) => i.automatic_total, digits: 1 },
    ...state.criteria.map((c) => ({
      key: `c:${c}`, zh: labels.criteria[c] || c, value: (i) => (i.criteria[c] ? i.criteria[c].score : null), digits: 1,
    })),
    ...(state.orgs || []).map((o) => ({
      key: `o:${o.code}`, zh: o.name, value: (i) => (i.by_organisation?.[o.code]?.mean ?? null), digits: 1,
    })),
    { key: "disagreement", zh: "分歧最大", value: (i) => disagreementText(i.disagreement) },
    { key: "review_count", zh: "评审数", value: (i) => i.review_count, digits: 0 },
  ];
}

function disagreementText(d) {
  if (!d) return null;
  const name = (code) => (state.orgs.find((o) => o.code === code) || { name: code }).name;
  return `${labels.criteria[d.criterion] || d.criterion}：${name(d.high)} 比 ${name(d.low)} 高 ${fmt(d.spread, 0)} 分`;
}

function nameCell(i) {
  return el("td", { class: "name" },
    el("a", { href: `/review/applications/${i.id}`, text: i.legal_name }),
    i.contested ? el("span", { class: "badge contested", text: "意见分歧" }) : null,
    i.recused && i.recused.length ? el("span", { class: "badge", text: `${i.recused.join("、")} 已回避` }) : null);
}

function render() {
  const status = document.getElementById("filter-status").value;
  const kind = document.getElementById("filter-kind").value;
  const cols = columns();
  const col = cols.find((c) => c.key === state.sort.key) || cols[0];
  const rows = state.items
    .filter((i) => (!status || i.status === status) && (!kind || i.kind === kind))
    .sort((a, b) => {
      const x = col.value(a);
      const y = col.value(b);
      if (x === y) return a.rank - b.rank;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * state.sort.dir;
    });
  document.getElementById("ranking-head").replaceChildren(
    ...cols.map((c) =>
      el("th", { scope: "col", class: c.key === "legal_name" ? "name" : null, "aria-sort": c.key === state.sort.key ? (state.sort.dir > 0 ? "ascending" : "descending") : "none" },
        el("button", { type: "button", class: "sort", text: c.zh, onclick: () => sortBy(c.key) }))),
  );
  const body = document.querySelector("#ranking tbody");
  body.replaceChildren(
    ...rows.map((i) =>
      el("tr", { "data-id": i.id },
        cols.map((c) => {
          if (c.key === "legal_name") return nameCell(i);
          const v = c.value(i);
          return el("td", { class: typeof v === "number" || v === null ? "num" : null, "data-col": c.key,
            text: typeof v === "number" ? fmt(v, c.digits ?? 1) : v ?? "—" });
        }))),
  );
  if (!rows.length) body.append(el("tr", {}, el("td", { colspan: cols.length, text: "没有符合筛选条件的申请。" })));
}

function sortBy(key) {
  state.sort = state.sort.key === key ? { key, dir: -state.sort.dir } : { key, dir: key === "rank" || key === "legal_name" ? 1 : -1 };
  render();
}

// The shortlist: budget checked next to its field first, then the API's answer.
const shortlistForm = document.getElementById("shortlist-form");
noEnterSubmit(shortlistForm);
shortlistForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const problem = document.getElementById("shortlist-problem");
  const result = document.getElementById("shortlist-result");
  const budget = numberIn(document.getElementById("budget"), { min: 1, max: 10000, integer: true });
  const k = numberIn(document.getElementById("target-k"), { min: 1, max: 50, integer: true, required: false });
  const wrong = [];
  if (budget.error) wrong.push(["/budget", budget.error]);
  if (k.error) wrong.push(["/target_k", k.error]);
  if (wrong.length) {
    result.replaceChildren();
    showProblem(shortlistForm, problem, localProblem(wrong));
    return;
  }
  const body = { budget: budget.value, budget_unit: document.getElementById("budget-unit").value };
  if (k.value !== null) body.target_k = k.value;
  const code = document.getElementById("round").value;
  const r = await api("POST", `/api/v1/rounds/${encodeURIComponent(code)}/shortlist`, { token: state.token, body });
  if (!r.ok) {
    result.replaceChildren();
    showProblem(shortlistForm, problem, r);
    return;
  }
  clearErrors(shortlistForm);
  problem.hidden = true;
  const unit = r.data.budget_unit === "stores" ? "家门店" : "家商家";
  result.replaceChildren(
    el("h3", { text: `推荐 ${r.data.picks.length} 家（预算 ${r.data.budget} ${unit}，每社区目标 ${r.data.target_k} 家门店）` }),
    r.data.picks.length
      ? el("ol", { id: "shortlist-picks" }, r.data.picks.map((p) =>
        el("li", {}, el("a", { href: `/review/applications/${p.id}`, text: p.legal_name }),
          ` · 新增覆盖重点人群（加权）${fmt(p.marginal_gain, 0)} 人 · 补上 ${p.communities_added.length} 个社区的缺口`)))
      : el("p", { class: "hint", text: "没有可推荐的候选（需符合条件且尚未决定的商家申请）。" }),
    r.data.below_target.length
      ? el("div", {}, el("h3", { text: `仍低于目标的社区（${r.data.below_target.length} 个）` }),
        el("ul", { class: "below" }, r.data.below_target.map((b) =>
          el("li", { text: `${b.name}：现有 ${b.stores} 家，还差 ${b.missing} 家` }))))
      : el("p", { class: "success", text: "所有试点社区都达到目标门店数。" }),
  );
});

document.getElementById("round").addEventListener("change", () => {
  document.getElementById("shortlist-result").replaceChildren();
  load();
});
document.getElementById("reload").addEventListener("click", load);
document.getElementById("filter-status").addEventListener("change", render);
document.getElementById("filter-kind").addEventListener("change", render);
