// /status: the applicant's view by id + token (from the form or the URL fragment, never the
// query string): status, decision, checklist, questions answered in place, documents,
// amendment (JSON merge patch) and withdrawal.

import { api, el, fragmentParams, problemText, say, statusZh, labels } from "./common.js";
import { ApplicationForm } from "./appform.js";
import { clearErrors, showProblem } from "./errors.js";
import { renderDue, renderErrors } from "./checklist.js";
import { Documents, renderRequests } from "./documents.js";
import { Changes } from "./changes.js";

const lookup = document.getElementById("lookup");
const lookupError = document.getElementById("lookup-error");
const formNode = document.getElementById("application-form");
const summary = document.getElementById("problem");
const form = new ApplicationForm(formNode);
const state = { id: "", token: "", etag: null, payload: null };
const docs = new Documents(document.getElementById("documents"), state);
const changes = new Changes(document.getElementById("changes-section"), state);
changes.onChanged = () => load();

function isId(value) {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

async function load() {
  say(lookupError, "");
  if (!isId(state.id)) {
    say(lookupError, "申请编号格式不正确。");
    return;
  }
  const r = await api("GET", `/api/v1/applications/${state.id}`, { token: state.token });
  if (!r.ok) {
    say(lookupError, r.status === 404 || r.status === 401 ? "申请编号或令牌不正确。" : problemText(r));
    return;
  }
  state.etag = r.etag;
  state.payload = r.data.application;
  state.editing = false;
  say(document.getElementById("ov-news"), "");
  await docs.load();
  render(r.data);
  loadEvents();
}

// Notifications sent (or due) to the applicant: GET /applications/{id}/events.
const EVENT_ZH = { info_requested: "评审提问", info_answered: "已回复提问", decision: "评审决定" };
const DELIVERY_ZH = { pending: "待发送", delivered: "已送达", failed: "发送失败" };
async function loadEvents() {
  const r = await api("GET", `/api/v1/applications/${state.id}/events`, { token: state.token });
  if (!r.ok) return;
  document.getElementById("ov-events").replaceChildren(
    ...(r.data.length
      ? r.data.map((e) => el("li", { class: "event", "data-delivery": e.delivery },
        el("strong", { text: EVENT_ZH[e.type] || e.type }),
        e.type === "decision" ? `：${statusZh(e.data.decision)}` : "",
        el("span", { class: "hint", text: ` · ${new Date(e.occurred_at).toLocaleString("zh-CN")} · ${DELIVERY_ZH[e.delivery] || e.delivery}` })))
      : [el("li", { class: "done", text: "无" })]),
  );
  document.getElementById("events-section").hidden = false;
}

// The answer to the open questions: a merge patch carrying only `answer`.
async function answer(text) {
  const r = await api("PATCH", `/api/v1/applications/${state.id}`, {
    token: state.token, body: { answer: text },
    headers: state.etag ? { "If-Match": state.etag } : {}, contentType: "application/merge-patch+json",
  });
  if (!r.ok) {
    if (r.status === 412) {
      await load();
      return "申请刚刚有更新，已刷新，请再发送一次。";
    }
    return problemText(r);
  }
  await load();
  say(document.getElementById("saved"), "");
  return null;
}

const STORE_STATUS_ZH = { active: "营业中", closed: "已关闭", suspended: "暂停", affected: "受灾停业" };

function storeFacts(s) {
  return [s.opening_hours ? `营业时间 ${s.opening_hours}` : "",
    `每日配送 ${s.daily_capacity} 单`, s.radius_m ? `配送半径 ${s.radius_m} 米` : ""]
    .filter(Boolean).join(" · ");
}

function renderDecision(decision) {
  const box = document.getElementById("decision");
  box.hidden = !decision;
  if (!decision) return;
  const outcome = document.getElementById("dc-outcome");
  outcome.textContent = decision.outcome_zh;
  outcome.dataset.status = decision.outcome;
  document.getElementById("dc-when").textContent = decision.decided_at
    ? `决定时间：${decision.decided_at.slice(0, 16).replace("T", " ")}` : "";
  document.getElementById("dc-reason").textContent = decision.reason || "（未填写）";
  document.getElementById("dc-next").replaceChildren(
    ...decision.next_steps.map((s) => el("li", { text: s.zh })));
  const block = decision.till_must_block || [];
  document.getElementById("dc-block").hidden = !block.length;
  document.getElementById("dc-block-list").replaceChildren(
    ...block.map((c) => el("li", { class: "badge", text: c.zh })));
  const stores = decision.registry_stores;
  document.getElementById("dc-registry").hidden = !stores;
  document.getElementById("dc-stores").replaceChildren(
    ...(stores || []).map((s) => el("li", { class: "registry-store", "data-store-id": s.id },
      el("strong", { text: s.name }), " ", el("span", { class: "hint", text: s.address }),
      " ", el("span", { class: "badge", text: STORE_STATUS_ZH[s.status] || s.status }),
      el("p", { class: "hint", text: storeFacts(s) }))),
    ...(stores && !stores.length ? [el("li", { class: "hint", text: "无" })] : []));
}

function render(view) {
  document.getElementById("ov-name").textContent = view.legal_name;
  const status = document.getElementById("ov-status");
  status.textContent = statusZh(view.status);
  status.dataset.status = view.status;
  document.getElementById("ov-version").textContent = view.version;
  const reqs = view.requirements || {};
  renderDue(document.getElementById("ov-due"), reqs.currently_due || []);
  renderErrors(document.getElementById("ov-errors"), reqs.errors || []);
  renderRequests(document.getElementById("ov-requests"), view.info_requests || [], {
    open: view.status === "info_requested", docs, answer,
  });
  document.getElementById("overview").hidden = false;
  renderDecision(view.decision);
  changes.show(view);
  const amendable = labels.amendable.includes(view.status);
  document.getElementById("amend-section").hidden = !amendable;
  const open = ["submitted", "under_review", "info_requested", "waitlisted"].includes(view.status);
  document.getElementById("withdraw-section").hidden = !open;
  document.getElementById("documents").hidden = false;
  document.getElementById("doc-upload").hidden = !open;
  if (amendable) {
    form.fill(view.application);
    clearErrors(formNode);
    summary.hidden = true;
  }
}

// RFC 7386: changed top-level members; removed ones as null. kind and round never change.
function mergePatch(before, after) {
  const patch = {};
  for (const [key, value] of Object.entries(after)) {
    if (key === "kind" || key === "round") continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(value)) patch[key] = value;
  }
  for (const key of Object.keys(before)) {
    if (!(key in after) && key !== "kind" && key !== "round") patch[key] = null;
  }
  return patch;
}

// Back from WeChat, where the notification arrived: the page shows what happened meanwhile
// (a question, a decision) without the applicant knowing to reload. Edits not yet saved in the
// amendment form are never overwritten: the page says there is news instead.
formNode.addEventListener("input", () => { state.editing = true; });
document.addEventListener("visibilitychange", async () => {
  if (document.visibilityState !== "visible" || !state.etag || !isId(state.id)) return;
  const r = await api("GET", `/api/v1/applications/${state.id}`, { token: state.token });
  if (!r.ok || r.etag === state.etag) return;
  if (state.editing) {
    say(document.getElementById("ov-news"), `申请有新进展（当前状态：${statusZh(r.data.status)}）。请先保存您的修改，或刷新页面查看。`);
    return;
  }
  await load();
});

lookup.addEventListener("submit", (event) => {
  event.preventDefault();
  state.id = document.getElementById("app-id").value.trim();
  state.token = document.getElementById("app-token").value.trim();
  load();
});

formNode.addEventListener("submit", async (event) => {
  event.preventDefault();
  const patch = mergePatch(state.payload || {}, form.read());
  const headers = state.etag ? { "If-Match": state.etag } : {};
  const r = await api("PATCH", `/api/v1/applications/${state.id}`, {
    token: state.token, body: patch, headers, contentType: "application/merge-patch+json",
  });
  const saved = document.getElementById("saved");
  if (!r.ok) {
    say(saved, "");
    if (r.status === 412 || r.status === 409) {
      showProblem(formNode, summary, { ...r, data: { ...r.data, detail_zh: r.status === 412 ? "已被他人修改，请刷新" : problemText(r) } });
      return;
    }
    showProblem(formNode, summary, r);
    return;
  }
  await load();
  say(saved, `已保存。当前状态：${statusZh(r.data.status)}。`);
});

const withdraw = document.getElementById("withdraw");
const confirmButton = document.getElementById("withdraw-confirm");
withdraw.addEventListener("click", () => {
  withdraw.hidden = true;
  confirmButton.hidden = false;
  confirmButton.focus();
});
confirmButton.addEventListener("click", async () => {
  const reason = document.getElementById("withdraw-reason").value;
  const r = await api("POST", `/api/v1/applications/${state.id}/withdraw`, {
    token: state.token, body: { reason },
  });
  confirmButton.hidden = true;
  withdraw.hidden = false;
  if (!r.ok) {
    say(document.getElementById("withdraw-error"), problemText(r));
    return;
  }
  await load();
});

const params = fragmentParams();
if (params.get("id")) document.getElementById("app-id").value = params.get("id");
if (params.get("token")) document.getElementById("app-token").value = params.get("token");
if (params.get("id") && params.get("token")) {
  state.id = params.get("id");
  state.token = params.get("token");
  load();
}
