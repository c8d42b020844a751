// /review: the round's ranking, sortable, filtered by status and kind.

import { api, el, fmt, labels, problemText, say, statusZh } from "./common.js";
import { requireStaff } from "./staff.js";

const state = { token: "", items: [], criteria: [], sort: { key: "rank", dir: 1 } };
const KIND_ZH = { merchant: "商家", ngo: "公益伙伴" };

requireStaff(async (me, token) => {
  state.token = token;
  document.getElementById("ranking-section").hidden = false;
  const rounds = await api("GET", "/api/v1/rounds", { token });
  const select = document.getElementById("round");
  const list = rounds.ok ? rounds.data : [];
  select.replaceChildren(...list.map((r) => el("option", { value: r.code, text: `${r.name}（${r.code}）` })));
  const wanted = sessionStorage.getItem("boai.round");
  if (wanted && list.some((r) => r.code === wanted)) select.value = wanted;
  if (!rounds.ok) say(document.getElementById("ranking-error"), problemText(rounds));
  load();
});

async function load() {
  const code = document.getElementById("round").value;
  if (!code) return;
  sessionStorage.setItem("boai.round", code);
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
  document.getElementById("ranking-note").textContent = `评分细则第 ${r.data.rubric_version} 版 · 共 ${state.items.length} 份`;
  render();
}

function columns() {
  return [
    { key: "rank", zh: "名次", value: (i) => i.rank },
    { key: "legal_name", zh: "申请单位", value: (i) => i.legal_name },
    { key: "kind", zh: "类型", value: (i) => KIND_ZH[i.kind] || i.kind },
    { key: "status", zh: "状态", value: (i) => statusZh(i.status) },
    { key: "eligible", zh: "符合条件", value: (i) => (i.eligible ? "是" : "否") },
    { key: "panel_total", zh: "评审组得分", value: (i) => i.panel_total },
    { key: "automatic_total", zh: "自动得分", value: (i) => i.automatic_total },
    ...state.criteria.map((c) => ({
      key: `c:${c}`, zh: labels.criteria[c] || c, value: (i) => (i.criteria[c] ? i.criteria[c].score : null),
    })),
    { key: "review_count", zh: "评审", value: (i) => i.review_count },
  ];
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
      el("th", { scope: "col", "aria-sort": c.key === state.sort.key ? (state.sort.dir > 0 ? "ascending" : "descending") : "none" },
        el("button", { type: "button", class: "sort", text: c.zh, onclick: () => sortBy(c.key) }))),
  );
  const body = document.querySelector("#ranking tbody");
  body.replaceChildren(
    ...rows.map((i) =>
      el("tr", { "data-id": i.id },
        cols.map((c) => {
          if (c.key === "legal_name") {
            return el("td", {},
              el("a", { href: `/review/applications/${i.id}`, text: i.legal_name }),
              i.contested ? el("span", { class: "badge contested", text: " 意见分歧" }) : null);
          }
          const v = c.value(i);
          return el("td", { text: typeof v === "number" ? fmt(v, 1) : v ?? "—" });
        }))),
  );
  if (!rows.length) body.append(el("tr", {}, el("td", { colspan: cols.length, text: "没有符合筛选条件的申请。" })));
}

function sortBy(key) {
  state.sort = state.sort.key === key ? { key, dir: -state.sort.dir } : { key, dir: key === "rank" || key === "legal_name" ? 1 : -1 };
  render();
}

document.getElementById("round").addEventListener("change", load);
document.getElementById("reload").addEventListener("click", load);
document.getElementById("filter-status").addEventListener("change", render);
document.getElementById("filter-kind").addEventListener("change", render);
