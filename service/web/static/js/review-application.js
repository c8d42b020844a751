// /review/applications/{id}: scorecard chart, stores on the map, panel reviews, review form,
// and the decision with If-Match (a stale ETag answers 412: shown as "已被他人修改，请刷新").

import { api, el, fmt, labels, problemText, say, statusZh, tiles } from "./common.js";
import { bars } from "./charts.js";
import { clearErrors, showProblem } from "./errors.js";
import { addCommunities, baseMap, fitTo, label, storePoint } from "./map.js";
import { requireStaff } from "./staff.js";

const L = window.L;
const root = document.getElementById("app");
const id = root.dataset.applicationId;
const state = { token: "", etag: null, view: null, map: null, layers: null };
const KIND_ZH = { merchant: "爱心商家", ngo: "公益伙伴" };
const CRITERIA = { merchant: ["coverage", "delivery", "settlement"], ngo: ["communities", "experience", "people", "capabilities"] };

requireStaff((me, token) => {
  state.token = token;
  root.hidden = false;
  state.map = baseMap(document.getElementById("app-map"), { zoom: 12 });
  addCommunities(state.map);
  state.layers = L.featureGroup().addTo(state.map);
  load();
});

async function load() {
  const r = await api("GET", `/api/v1/applications/${id}?crs=${tiles.crs}`, { token: state.token });
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
  scoreFields(r.data.kind);
  await Promise.all([loadCard(), loadReviews()]);
}

function drawStores(stores) {
  state.layers.clearLayers();
  const list = document.getElementById("app-stores");
  list.replaceChildren();
  for (const s of stores) {
    if (s.zone && s.home_delivery) {
      L.geoJSON(s.zone, { style: { color: "#1f6feb", weight: 1, fillOpacity: 0.12 } }).addTo(state.layers);
    }
    storePoint(s.location.lon, s.location.lat).bindTooltip(label(s.name)).addTo(state.layers);
    const cats = s.categories.map((c) => labels.categories[c] || c).join("、");
    list.append(el("li", {}, el("strong", { text: s.name }), ` ${s.address} · ${cats} · `,
      s.home_delivery ? `送货上门（${s.radius_m ? `半径 ${s.radius_m} 米` : "绘制区域"}，每日 ${s.daily_capacity} 单）` : "不送货"));
  }
  if (stores.length) fitTo(state.map, [state.layers]);
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
    return;
  }
  list.replaceChildren(
    ...(r.data.length ? r.data.map((rv) =>
      el("li", { class: "review" },
        el("strong", { text: rv.reviewer }),
        el("span", { text: "：" + Object.entries(rv.scores).map(([c, v]) => `${labels.criteria[c] || c} ${fmt(v, 0)}`).join("，") }),
        rv.comment ? el("p", { text: rv.comment }) : null)) : [el("li", { class: "hint", text: "尚无评审意见。" })]),
  );
}

function scoreFields(kind) {
  const box = document.getElementById("score-fields");
  if (box.dataset.kind === kind) return;
  box.dataset.kind = kind;
  box.replaceChildren(
    ...CRITERIA[kind].map((c) =>
      el("div", { class: "field", "data-pointer": `/scores/${c}` },
        el("label", { for: `score-${c}`, text: labels.criteria[c] || c }),
        el("input", { id: `score-${c}`, "data-criterion": c, inputmode: "decimal" }))),
  );
}

document.getElementById("review-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const scores = {};
  form.querySelectorAll("[data-criterion]").forEach((input) => {
    const v = input.value.trim();
    if (v !== "") scores[input.dataset.criterion] = Number.isFinite(Number(v)) ? Number(v) : v;
  });
  const comment = document.getElementById("review-comment").value;
  const r = await api("POST", `/api/v1/applications/${id}/reviews`, { token: state.token, body: { scores, comment } });
  const saved = document.getElementById("review-saved");
  if (!r.ok) {
    say(saved, "");
    showProblem(form, document.getElementById("review-problem"), r);
    return;
  }
  clearErrors(form);
  document.getElementById("review-problem").hidden = true;
  say(saved, "评分已保存。");
  await loadReviews();
});

document.getElementById("decision-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const body = { decision: document.getElementById("decision").value, reason: document.getElementById("decision-reason").value };
  const headers = state.etag ? { "If-Match": state.etag } : {};
  const r = await api("POST", `/api/v1/applications/${id}/decision`, { token: state.token, body, headers });
  const done = document.getElementById("decision-done");
  const problem = document.getElementById("decision-problem");
  if (!r.ok) {
    say(done, "");
    if (r.status === 412 || r.status === 409) {
      clearErrors(form);
      problem.replaceChildren(el("strong", { text: "已被他人修改，请刷新" }), el("p", { text: problemText(r) }));
      problem.hidden = false;
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
