// /review/applications/{id}: scorecard chart, stores on the map, the panel's reviews, the
// reader's own scores (prefilled), information requests, a conflict declaration, and the
// decision with If-Match: a stale page is refused (412) with what changed since it was read.

import { api, el, fmt, labels, problemText, say, statusZh, tiles } from "./common.js";
import { bars } from "./charts.js";
import { clearErrors, showProblem } from "./errors.js";
import { documentItem, downloadDocument } from "./documents.js";
import { confirmAction, localProblem, noEnterSubmit, numberIn } from "./forms.js";
import { addCommunities, baseMap, fitTo, label, storePoint } from "./map.js";
import { requireStaff } from "./staff.js";
import { showChain } from "./chain-review.js";

const L = window.L;
const root = document.getElementById("app");
const id = root.dataset.applicationId;
const state = { token: "", me: null, etag: null, view: null, map: null, layers: null };
const KIND_ZH = { merchant: "爱心商家", ngo: "公益伙伴" };
const CRITERIA = { merchant: ["coverage", "delivery", "settlement"], ngo: ["communities", "experience", "people", "capabilities"] };
const DECISION_ZH = { approved: "通过", waitlisted: "候补", rejected: "不通过" };
const FINAL = new Set(["approved", "rejected", "withdrawn"]);
// Names of the application's fields, for "what changed" after a stale write.
const FIELD_ZH = {
  legal_name: "单位名称", credit_code: "统一社会信用代码", wechat_pay_mch_id: "微信支付商户号",
  settlement_contact: "结算联系人", data_feedback: "数据反馈承诺", trained_staff: "受训员工人数",
  stores: "门店", contact: "联系人", communities_served: "服务社区", service_area: "服务范围",
  disaster_experience_years: "救灾经验年数", staff: "专职人员", volunteers: "志愿者", capabilities: "服务能力",
};
const DOCS = Object.fromEntries([...document.querySelectorAll('input[name="requested_documents"]')]
  .map((i) => [i.value, i.parentElement.textContent.trim()]));

requireStaff((me, token) => {
  state.token = token;
  state.me = me;
  root.hidden = false;
  state.map = baseMap(document.getElementById("app-map"), { zoom: 12 });
  addCommunities(state.map);
  state.layers = L.featureGroup().addTo(state.map);
  load();
});

async function read() {
  return api("GET", `/api/v1/applications/${id}?crs=${tiles.crs}`, { token: state.token });
}

async function load() {
  const r = await read();
  const error = document.getElementById("app-error");
  if (!r.ok) {
    say(error, problemText(r));
    return;
  }
  say(error, "");
  state.etag = r.etag;
  state.view = r.data;
  document.getElementById("app-name").textContent = r.data.legal_name;
  document.getElementById("app-kind").textContent = KIND_ZH[r.data.kind] || r.data.kind;
  const status = document.getElementById("app-status");
  status.textContent = statusZh(r.data.status);
  status.dataset.status = r.data.status;
  document.getElementById("app-version").textContent = r.data.version;
  drawStores(r.data.stores || []);
  infoHistory(r.data.info_requests || []);
  loadDocuments();
  scoreFields(r.data.kind);
  const [, reviews, conflicts, onPanel] = await Promise.all([loadCard(), loadReviews(), loadConflicts(), panelMembership(r.data.round)]);
  access(onPanel, conflicts, reviews);
  await showChain({ view: r.data, token: state.token, me: state.me, etag: state.etag, onPanel, reload: load });
}

// What the reader may do here, said before any form is filled in.
function access(onPanel, conflicts, reviews) {
  const mine = conflicts.find((c) => c.reviewer === state.me.name);
  const note = document.getElementById("panel-note");
  const recused = document.getElementById("recused-note");
  say(note, onPanel ? "" : `您不在批次「${state.view.round}」的评审组中：可以阅读本申请，但不能评分、请求补充信息或作决定。请联系管理员在「管理」页把您加入评审组。`);
  say(recused, mine ? `您已于 ${mine.declared_at.slice(0, 10)} 声明利益冲突（${mine.reason}），已回避本申请：不能评分或作决定，您的评分不计入排名。` : "");
  document.querySelectorAll(".panel-only").forEach((n) => { n.hidden = !onPanel || Boolean(mine); });
  const decisionForm = document.getElementById("decision-form");
  const canDecide = state.me.can_decide;
  decisionForm.querySelectorAll(".field, button[type=submit]").forEach((n) => { n.hidden = !canDecide; });
  say(document.getElementById("decision-note"), canDecide ? "" : "您可以评分和请求补充信息，但没有作出决定的权限。");
  const final = FINAL.has(state.view.status);
  say(document.getElementById("review-saved"), "");
  for (const form of ["review-form", "info-form", "conflict-form"]) {
    document.getElementById(form).querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = final; });
  }
  const own = reviews.find((rv) => rv.reviewer === state.me.name);
  if (own) prefill(own);
}

async function panelMembership(round) {
  if (state.me.role === "admin") return true;
  const r = await api("GET", "/api/v1/rounds", { token: state.token });
  const found = r.ok ? r.data.find((x) => x.code === round) : null;
  return Boolean(found && found.on_panel);
}

function drawStores(stores) {
  state.layers.clearLayers();
  const list = document.getElementById("app-stores");
  list.replaceChildren();
  // A chain's hundreds of stores: markers cluster (vendored Leaflet.markercluster), zones
  // are left to the store table, and the list below gives way to it.
  const many = stores.length > 30 && L.markerClusterGroup;
  // The cluster layer needs a maximum zoom; a map without tiles sets none.
  if (many && state.map.getMaxZoom() === Infinity) state.map.setMaxZoom(18);
  const points = many ? L.markerClusterGroup({ chunkedLoading: true }).addTo(state.layers) : state.layers;
  for (const s of stores) {
    if (s.zone && s.home_delivery && !many) {
      L.geoJSON(s.zone, { style: { color: "#1f6feb", weight: 1, fillOpacity: 0.12 } }).addTo(state.layers);
    }
    storePoint(s.location.lon, s.location.lat).bindTooltip(label(s.name)).addTo(points);
    if (many) continue;
    const cats = s.categories.map((c) => labels.categories[c] || c).join("、");
    list.append(el("li", {}, el("strong", { text: s.name }), ` ${s.address} · ${cats} · `,
      s.home_delivery ? `送货上门（${s.radius_m ? `半径 ${s.radius_m} 米` : "绘制区域"}，每日 ${s.daily_capacity} 单）` : "不送货"));
  }
  if (stores.length) fitTo(state.map, [state.layers]);
}

function infoHistory(requests) {
  document.getElementById("info-history-card").hidden = !requests.length;
  document.getElementById("info-history").replaceChildren(...requests.map((q) =>
    el("li", { class: "review" },
      el("strong", { text: `${q.requested_by}（${q.requested_at.slice(0, 10)}）：` }), q.question,
      q.requested_documents && q.requested_documents.length
        ? el("p", { class: "hint", text: `需上传：${q.requested_documents.map((d) => DOCS[d] || d).join("、")}` }) : null,
      el("p", { class: q.answered_at ? "success" : "due", text: q.answered_at ? `已答复：${q.answer}` : "等待申请人答复" }))));
}

// The evidence the applicant uploaded (the licence a reviewer asked for), to read before deciding.
async function loadDocuments() {
  const r = await api("GET", `/api/v1/applications/${id}/documents`, { token: state.token });
  const list = document.getElementById("app-docs");
  if (!r.ok) {
    list.replaceChildren(el("li", { class: "hint", text: problemText(r) }));
    return;
  }
  list.replaceChildren(...(r.data.length
    ? r.data.map((d) => documentItem(d, (doc) => downloadDocument(doc, state.token)))
    : [el("li", { class: "hint", text: "申请人尚未上传材料。" })]));
}

async function loadCard() {
  const r = await api("GET", `/api/v1/applications/${id}/scorecard`, { token: state.token });
  if (!r.ok) {
    document.getElementById("card-total").textContent = "—";
    document.getElementById("card-bars").replaceChildren(el("p", { class: "hint", text: problemText(r) }));
    return;
  }
  document.getElementById("card-total").textContent = fmt(r.data.total, 1);
  const eligible = document.getElementById("card-eligible");
  eligible.textContent = r.data.eligible ? "符合条件" : "不符合条件";
  bars(document.getElementById("card-bars"), r.data.criteria || []);
  document.getElementById("card-gates").replaceChildren(
    ...(r.data.gates || []).map((g) => el("li", { class: g.passed ? "done" : "bad", text: `${g.passed ? "✓" : "✗"} ${g.reason_zh}` })),
  );
}

async function loadReviews() {
  const r = await api("GET", `/api/v1/applications/${id}/reviews`, { token: state.token });
  const list = document.getElementById("reviews");
  if (!r.ok) {
    list.replaceChildren(el("li", { class: "hint", text: problemText(r) }));
    return [];
  }
  list.replaceChildren(
    ...(r.data.length ? r.data.map((rv) =>
      el("li", { class: rv.counted === false ? "review recused" : "review" },
        el("strong", { text: rv.reviewer === state.me.name ? `${rv.reviewer}（我）` : rv.reviewer }),
        el("span", { text: "：" + Object.entries(rv.scores).map(([c, v]) => `${labels.criteria[c] || c} ${fmt(v, 0)}`).join("，") }),
        rv.counted === false ? el("span", { class: "badge", text: "已回避，不计入排名" }) : null,
        rv.comment ? el("p", { text: rv.comment }) : null)) : [el("li", { class: "hint", text: "尚无评审意见。" })]),
  );
  return r.data;
}

async function loadConflicts() {
  const r = await api("GET", `/api/v1/applications/${id}/conflicts`, { token: state.token });
  const list = document.getElementById("conflicts");
  const rows = r.ok ? r.data : [];
  list.replaceChildren(...rows.map((c) => el("li", { class: "hint", text: `${c.reviewer} 已声明利益冲突并回避。` })));
  return rows;
}

function scoreFields(kind) {
  const box = document.getElementById("score-fields");
  if (box.dataset.kind === kind) return;
  box.dataset.kind = kind;
  box.replaceChildren(
    ...CRITERIA[kind].map((c) =>
      el("div", { class: "field", "data-pointer": `/scores/${c}` },
        el("label", { for: `score-${c}`, text: labels.criteria[c] || c }),
        el("input", { id: `score-${c}`, "data-criterion": c, inputmode: "decimal", autocomplete: "off" }))),
  );
}

// The reader's saved review back in the form (after a reload, too); typed values win.
function prefill(review) {
  document.querySelectorAll("#score-fields [data-criterion]").forEach((input) => {
    const v = review.scores[input.dataset.criterion];
    if (input.value === "" && v !== undefined) input.value = String(v);
  });
  const comment = document.getElementById("review-comment");
  if (comment.value === "") comment.value = review.comment || "";
}

for (const form of document.querySelectorAll("#app form")) noEnterSubmit(form);

document.getElementById("review-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const scores = {};
  const wrong = [];
  form.querySelectorAll("[data-criterion]").forEach((input) => {
    const n = numberIn(input, { min: 0, max: 100, required: false });
    if (n.error) wrong.push([`/scores/${input.dataset.criterion}`, n.error]);
    else if (n.value !== null) scores[input.dataset.criterion] = n.value;
  });
  const saved = document.getElementById("review-saved");
  const problem = document.getElementById("review-problem");
  if (!wrong.length && !Object.keys(scores).length) wrong.push(["/scores", "请至少为一项打分（0 到 100 之间的数字）"]);
  if (wrong.length) {
    say(saved, "");
    showProblem(form, problem, localProblem(wrong));
    return;
  }
  const comment = document.getElementById("review-comment").value;
  const r = await api("POST", `/api/v1/applications/${id}/reviews`, { token: state.token, body: { scores, comment } });
  if (!r.ok) {
    say(saved, "");
    showProblem(form, problem, r);
    return;
  }
  clearErrors(form);
  problem.hidden = true;
  say(saved, r.data.created ? "评分已保存。" : "评分已更新。");
  await loadReviews();
});

document.getElementById("info-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const problem = document.getElementById("info-problem");
  const question = document.getElementById("info-question").value.trim();
  const documents = [...form.querySelectorAll('input[name="requested_documents"]:checked')].map((i) => i.value);
  if (question.length < 2) {
    showProblem(form, problem, localProblem([["/question", "请写明需要申请人补充什么（至少 2 个字）"]]));
    return;
  }
  const r = await api("POST", `/api/v1/applications/${id}/info-requests`, {
    token: state.token, body: { question, requested_documents: documents },
  });
  if (!r.ok) {
    showProblem(form, problem, r);
    return;
  }
  clearErrors(form);
  problem.hidden = true;
  form.reset();
  const docs = r.data.requested_documents.map((d) => DOCS[d] || d).join("、");
  say(document.getElementById("info-sent"), `已发送补充信息请求${docs ? `（需上传：${docs}）` : ""}，申请状态已改为「${statusZh(r.data.status)}」。`);
  await load();
});

document.getElementById("conflict-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const problem = document.getElementById("conflict-problem");
  const reason = document.getElementById("conflict-reason").value.trim();
  if (reason.length < 2) {
    showProblem(form, problem, localProblem([["/reason", "请写明冲突原因（至少 2 个字）"]]));
    return;
  }
  const sure = await confirmAction({
    title: "确认声明利益冲突？",
    text: `声明后您将回避「${state.view.legal_name}」：不能再评分或作决定，您已提交的评分不再计入排名。此操作不能撤销。`,
    confirm: "确认回避",
    danger: true,
  });
  if (!sure) return;
  const r = await api("POST", `/api/v1/applications/${id}/conflicts`, { token: state.token, body: { reason } });
  if (!r.ok) {
    showProblem(form, problem, r);
    return;
  }
  clearErrors(form);
  problem.hidden = true;
  await load();
});

// What differs between the page's copy and the current application, in plain words.
function changes(before, after) {
  const lines = [`版本 ${before.version} → ${after.version}`];
  if (before.status !== after.status) lines.push(`状态：${statusZh(before.status)} → ${statusZh(after.status)}`);
  const a = before.application || {};
  const b = after.application || {};
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => !["kind", "round", "stores"].includes(k) && JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  for (const k of fields) {
    const show = (v) => (v === undefined || v === null ? "空" : typeof v === "object" ? "已修改" : String(v));
    const name = FIELD_ZH[k] || k;
    lines.push(typeof a[k] === "object" || typeof b[k] === "object" ? `${name}已修改` : `${name}：${show(a[k])} → ${show(b[k])}`);
  }
  // Stores get new ids when an amendment rewrites them: compare what they say, not their ids.
  const stores = (v) => JSON.stringify((v.stores || []).map(({ id: _id, ...rest }) => rest));
  const sa = stores(before);
  const sb = stores(after);
  if (sa !== sb) lines.push(`门店：${(before.stores || []).length} 家 → ${(after.stores || []).length} 家（内容有改动）`);
  const qa = (before.info_requests || []).length;
  const qb = (after.info_requests || []).length;
  if (qa !== qb) lines.push(`补充信息请求：${qa} → ${qb}`);
  const answered = (after.info_requests || []).filter((q) => q.answered_at).length - (before.info_requests || []).filter((q) => q.answered_at).length;
  if (answered > 0) lines.push(`申请人答复了 ${answered} 个补充信息请求`);
  return lines;
}

async function stale(problem, result) {
  const now = await read();
  const lines = now.ok ? changes(state.view, now.data) : [problemText(result)];
  problem.replaceChildren(
    el("strong", { text: "已被他人修改，请刷新：您看到的是旧版本，决定没有提交。" }),
    el("ul", { class: "changes" }, lines.map((t) => el("li", { text: t }))),
    el("p", { text: "请点「刷新」查看最新内容后再决定。" }),
  );
  problem.hidden = false;
  problem.scrollIntoView({ block: "center" });
}

document.getElementById("decision-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const decision = document.getElementById("decision").value;
  const reason = document.getElementById("decision-reason").value.trim();
  const done = document.getElementById("decision-done");
  const problem = document.getElementById("decision-problem");
  if (reason.length < 2) {
    say(done, "");
    showProblem(form, problem, localProblem([["/reason", "请写明理由（至少 2 个字）"]]));
    return;
  }
  const sure = await confirmAction({
    title: `确认${DECISION_ZH[decision]}？`,
    text: `将「${state.view.legal_name}」的结论定为「${DECISION_ZH[decision]}」。${decision === "waitlisted" ? "" : "此决定不能撤销。"}${decision === "approved" && state.view.kind === "merchant" ? "其门店将进入门店库。" : ""}`,
    confirm: `确认${DECISION_ZH[decision]}`,
    danger: decision === "rejected",
  });
  if (!sure) return;
  const headers = state.etag ? { "If-Match": state.etag } : {};
  const r = await api("POST", `/api/v1/applications/${id}/decision`, { token: state.token, body: { decision, reason }, headers });
  if (!r.ok) {
    say(done, "");
    clearErrors(form);
    if (r.status === 412 || r.status === 409) {
      await stale(problem, r);
      return;
    }
    showProblem(form, problem, r);
    return;
  }
  clearErrors(form);
  problem.hidden = true;
  say(done, `已作出决定：${statusZh(r.data.status)}${r.data.registry_stores && r.data.registry_stores.length ? `，${r.data.registry_stores.length} 家门店已进入门店库` : ""}。`);
  await load();
});

document.getElementById("refresh").addEventListener("click", async () => {
  document.getElementById("decision-problem").hidden = true;
  await load();
});
