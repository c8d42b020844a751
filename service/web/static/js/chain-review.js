// The review page for a chain: every store in a table (sort by a header, filter by name or
// address or marginal coverage) with its own marginal coverage, and the decision store by
// store: the ticked stores approved, the others rejected, a reason for each group, sent with
// If-Match like the whole-application decision.

import { api, el, problemText, say } from "./common.js";
import { clearErrors, showProblem } from "./errors.js";
import { confirmAction, localProblem } from "./forms.js";

const VERDICT_ZH = { adds: "新增覆盖", duplicates: "重复", no_pilot: "不覆盖试点社区" };
const DECISION_ZH = { approved: "通过", rejected: "不通过" };
const FINAL = new Set(["approved", "rejected", "withdrawn"]);
const chain = { ctx: null, rows: [], ticked: new Set(), sort: "ordinal", dir: 1, decisions: new Map() };

const card = document.getElementById("chain-card");
const body = document.querySelector("#chain-table tbody");
const filter = document.getElementById("chain-filter");
const verdict = document.getElementById("chain-verdict");
const count = document.getElementById("chain-count");
const form = document.getElementById("chain-form");
const problem = document.getElementById("chain-problem");
const done = document.getElementById("chain-done");

function sortValue(row, key) {
  if (key === "adds" || key === "duplicates") return row[key].length;
  if (key === "decision") return chain.decisions.get(row.id)?.decision || "";
  return row[key];
}

function shown() {
  const q = filter.value.trim();
  const v = verdict.value;
  return chain.rows.filter((r) => (!q || r.name.includes(q) || r.address.includes(q)) && (!v || r.verdict === v));
}

function render() {
  const rows = shown().sort((a, b) => {
    const x = sortValue(a, chain.sort);
    const y = sortValue(b, chain.sort);
    return (x < y ? -1 : x > y ? 1 : 0) * chain.dir || a.ordinal - b.ordinal;
  });
  const deciding = !form.hidden;
  body.replaceChildren(...rows.map((r) => {
    const box = el("input", { type: "checkbox", "aria-label": `通过 ${r.name}` });
    box.checked = chain.ticked.has(r.id);
    box.disabled = !deciding;
    box.addEventListener("change", () => {
      if (box.checked) chain.ticked.add(r.id); else chain.ticked.delete(r.id);
      counted();
    });
    const decided = chain.decisions.get(r.id);
    return el("tr", {},
      el("td", {}, box), el("td", { class: "num", text: String(r.ordinal + 1) }),
      el("td", { text: r.name }), el("td", { text: r.address }),
      el("td", { class: "num", text: r.home_delivery ? String(r.daily_capacity) : "不送货" }),
      el("td", { class: "num", text: String(r.adds.length), title: r.adds.join("、") }),
      el("td", { class: "num", text: String(r.duplicates.length) }),
      el("td", { text: VERDICT_ZH[r.verdict] || r.verdict }),
      el("td", { text: decided ? `${DECISION_ZH[decided.decision]}（${decided.reason}）` : "" }));
  }));
  document.querySelectorAll("#chain-table th[data-sort]").forEach((th) => {
    if (th.dataset.sort === chain.sort) th.setAttribute("aria-sort", chain.dir > 0 ? "ascending" : "descending");
    else th.removeAttribute("aria-sort");
  });
  counted(rows.length);
}

function counted(visible) {
  const n = visible ?? shown().length;
  const ticks = form.hidden ? "" : ` · 已勾选 ${chain.ticked.size} 家（通过），其余 ${chain.rows.length - chain.ticked.size} 家不通过`;
  count.textContent = `共 ${chain.rows.length} 家，显示 ${n} 家${ticks}`;
}

document.querySelectorAll("#chain-table th[data-sort]").forEach((th) => th.addEventListener("click", () => {
  chain.dir = chain.sort === th.dataset.sort ? -chain.dir : 1;
  chain.sort = th.dataset.sort;
  render();
}));
filter.addEventListener("input", render);
verdict.addEventListener("change", render);
document.getElementById("chain-select-shown").addEventListener("click", () => {
  for (const r of shown()) chain.ticked.add(r.id);
  render();
});
document.getElementById("chain-unselect-shown").addEventListener("click", () => {
  for (const r of shown()) chain.ticked.delete(r.id);
  render();
});

// Called by review-application.js after each (re)load of the application.
export async function showChain(ctx) {
  chain.ctx = ctx;
  const { view, token, me, onPanel } = ctx;
  // A single store is decided with the application itself.
  if (view.kind !== "merchant" || (view.stores || []).length < 2) {
    card.hidden = true;
    return;
  }
  card.hidden = false;
  const [coverage, decisions] = await Promise.all([
    api("GET", `/api/v1/applications/${view.id}/store-coverage`, { token }),
    api("GET", `/api/v1/applications/${view.id}/store-decisions`, { token }),
  ]);
  if (!coverage.ok) {
    say(count, problemText(coverage));
    return;
  }
  chain.rows = coverage.data.stores;
  chain.decisions = new Map((decisions.ok ? decisions.data : []).map((d) => [d.store_id, d]));
  const known = new Set(chain.rows.map((r) => r.id));
  chain.ticked = new Set([...chain.ticked].filter((i) => known.has(i)));
  form.hidden = !(onPanel && me.can_decide && !FINAL.has(view.status));
  render();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const { view, token, etag, reload } = chain.ctx;
  const approveReason = document.getElementById("chain-approve-reason").value.trim();
  const rejectReason = document.getElementById("chain-reject-reason").value.trim();
  const approved = chain.rows.filter((r) => chain.ticked.has(r.id)).map((r) => r.id);
  const rejected = chain.rows.filter((r) => !chain.ticked.has(r.id)).map((r) => r.id);
  const groups = [];
  const missing = [];
  if (approved.length) {
    groups.push({ decision: "approved", stores: approved, reason: approveReason });
    if (approveReason.length < 2) missing.push(["/groups/0/reason", "请写明通过的理由（至少 2 个字）"]);
  }
  if (rejected.length) {
    groups.push({ decision: "rejected", stores: rejected, reason: rejectReason });
    if (rejectReason.length < 2) missing.push(["/groups/1/reason", "请写明不通过的理由（至少 2 个字）"]);
  }
  if (missing.length) {
    say(done, "");
    showProblem(form, problem, localProblem(missing));
    return;
  }
  const sure = await confirmAction({
    title: "确认逐店决定？",
    text: `「${view.legal_name}」的 ${approved.length} 家门店通过并进入门店库，${rejected.length} 家不通过。此决定不能撤销。`,
    confirm: "确认逐店决定",
    danger: !approved.length,
  });
  if (!sure) return;
  const r = await api("POST", `/api/v1/applications/${view.id}/store-decisions`, {
    token, body: { groups }, headers: etag ? { "If-Match": etag } : {},
  });
  if (!r.ok) {
    say(done, "");
    clearErrors(form);
    showProblem(form, problem, r.status === 412 ? { ...r, data: { ...r.data, errors: [] } } : r);
    return;
  }
  clearErrors(form);
  problem.hidden = true;
  await reload();
  say(done, `已作出逐店决定：${r.data.approved_stores} 家门店通过并进入门店库，${r.data.rejected_stores} 家不通过。`);
});
