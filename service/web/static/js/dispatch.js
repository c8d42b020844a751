// /dispatch: communities coloured by coverage, stores and zones, who serves a point, routing a
// household, and a drawn disaster area's effect on the network.

import { api, el, fmt, labels, problemText, say, tiles } from "./common.js";
import { clearErrors, showProblem } from "./errors.js";
import { PolygonDrawer, baseMap, fitTo, label, round, storePoint } from "./map.js";
import { requireStaff } from "./staff.js";

const L = window.L;
const state = { token: "", map: null, coverage: null, stores: null, household: null, drawer: null };
const STATUS_ZH = { active: "营业", suspended: "暂停", closed: "关闭", affected: "受灾" };
const STATUS_COLOR = { active: "#c0262d", suspended: "#888", closed: "#444", affected: "#7b3294" };

requireStaff((me, token) => {
  state.token = token;
  document.getElementById("desk").hidden = false;
  state.map = baseMap(document.getElementById("dispatch-map"), { zoom: 11 });
  state.drawer = new PolygonDrawer(state.map, (v) => {
    document.getElementById("area-status").textContent = v.length
      ? `灾区已有 ${v.length} 个顶点${v.length < 3 ? "（至少 3 个）" : ""}。` : "选择“添加灾区顶点”后依次点击地图。";
  });
  state.drawer.layer.setStyle({ color: "#7b3294", fillOpacity: 0.2 });
  state.map.on("click", (e) => clicked(e.latlng));
  document.getElementById("p-crs").value = tiles.crs;
  refresh(true);
});

function k() {
  const n = Number(document.getElementById("min-stores").value);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

async function refresh(fit = false) {
  const error = document.getElementById("map-error");
  const [cov, stores] = await Promise.all([
    api("GET", `/api/v1/coverage?min_stores=${k()}&list_limit=${Math.max(10, k())}&format=geojson&crs=${tiles.crs}`, { token: state.token }),
    api("GET", `/api/v1/stores.geojson?crs=${tiles.crs}`, { token: state.token }),
  ]);
  if (!cov.ok || !stores.ok) {
    say(error, problemText(cov.ok ? stores : cov));
    return;
  }
  say(error, "");
  if (state.coverage) state.coverage.remove();
  if (state.stores) state.stores.remove();
  state.coverage = L.geoJSON(cov.data, {
    style: (f) => ({ color: colour(f.properties), weight: 1.5, fillColor: colour(f.properties), fillOpacity: 0.35 }),
    onEachFeature: (f, lyr) => lyr.bindTooltip(label(`${f.properties.name}：${f.properties.store_count} 家门店${f.properties.gap ? "（缺口）" : ""}`), { sticky: true }),
  }).addTo(state.map);
  state.stores = L.geoJSON(stores.data, {
    pointToLayer: (f, latlng) => storePoint(latlng.lng, latlng.lat, { fillColor: STATUS_COLOR[f.properties.status] || "#c0262d" }),
    style: (f) => ({ color: STATUS_COLOR[f.properties.status] || "#1f6feb", weight: 1, fillOpacity: 0.06, dashArray: f.properties.status === "active" ? null : "4 4" }),
    onEachFeature: (f, lyr) => {
      if (f.properties.feature_kind === "store") {
        lyr.bindTooltip(label(`${f.properties.name}（${f.properties.merchant_name}）· ${STATUS_ZH[f.properties.status] || f.properties.status}`));
      }
    },
  }).addTo(state.map);
  coverageList(cov.data.features);
  if (fit) fitTo(state.map, [state.coverage]);
}

function colour(p) {
  if (p.gap) return "#d73027";
  return p.store_count < 2 * (k()) ? "#fdae61" : "#1a9850";
}

function coverageList(features) {
  const gaps = features.filter((f) => f.properties.gap);
  document.getElementById("coverage-summary").textContent = `共 ${features.length} 个试点社区，${gaps.length} 个缺口（少于 ${k()} 家门店）。`;
  document.getElementById("coverage-list").replaceChildren(
    ...features
      .slice()
      .sort((a, b) => Number(b.properties.gap) - Number(a.properties.gap) || a.properties.store_count - b.properties.store_count)
      .map((f) => el("li", {
        class: f.properties.gap ? "bad" : "done",
        "data-community": f.properties.code,
        "data-gap": String(f.properties.gap),
        text: `${f.properties.name}（${f.properties.street || f.properties.district}）：${f.properties.store_count} 家${f.properties.gap ? " · 缺口" : ""} · 老人 ${f.properties.elderly}`,
      })),
  );
}

function clicked(latlng) {
  const mode = document.querySelector('[name="map-mode"]:checked').value;
  if (mode === "area") {
    state.drawer.add(round(latlng.lng), round(latlng.lat));
    return;
  }
  document.getElementById("p-lon").value = String(round(latlng.lng));
  document.getElementById("p-lat").value = String(round(latlng.lat));
  document.getElementById("p-crs").value = tiles.crs;
  serving();
}

function point() {
  const num = (v) => (v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v);
  return {
    lon: num(document.getElementById("p-lon").value),
    lat: num(document.getElementById("p-lat").value),
    crs: document.getElementById("p-crs").value,
  };
}

function markHousehold(lon, lat) {
  if (state.household) state.household.remove();
  state.household = L.circleMarker([lat, lon], { radius: 8, color: "#1f6feb", weight: 3, fillOpacity: 0.3 }).addTo(state.map);
}

function storeItem(s) {
  const cats = s.categories.map((c) => labels.categories[c] || c).join("、");
  return el("li", { class: "store-option", "data-store-id": s.id },
    el("strong", { text: s.name }), ` ${s.merchant_name} · ${fmt(s.distance_m, 0)} 米 · 今日余量 ${s.capacity_left}`,
    s.emergency_24h ? " · 24 小时应急" : "", s.mobility_assist ? " · 助行动不便者" : "",
    el("p", { class: "hint", text: cats }));
}

async function serving() {
  const p = point();
  const form = document.getElementById("point-form");
  const problem = document.getElementById("point-problem");
  clearErrors(form);
  problem.hidden = true;
  const q = new URLSearchParams({ lon: p.lon, lat: p.lat, crs: p.crs });
  const r = await api("GET", `/api/v1/stores/serving?${q}`, { token: state.token });
  const list = document.getElementById("serving-list");
  if (!r.ok) {
    showProblem(form, problem, r);
    list.replaceChildren();
    return;
  }
  if (p.crs === tiles.crs) markHousehold(r.data.point.lon, r.data.point.lat);
  const where = r.data.point.community ? `此处属于${r.data.point.community.name}。` : "此处不在试点社区内。";
  list.replaceChildren(
    el("li", { class: "hint", text: `${where}能送货到此处的门店：${r.data.stores.length} 家。` }),
    ...r.data.stores.map(storeItem),
  );
}

document.getElementById("serving").addEventListener("click", serving);
document.getElementById("coverage-form").addEventListener("submit", (event) => {
  event.preventDefault();
  refresh();
});

document.getElementById("point-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const problem = document.getElementById("point-problem");
  const ref = document.getElementById("household-ref").value.trim();
  const body = {
    household: { ...point(), ...(ref ? { ref } : {}) },
    home_delivery: document.getElementById("home-delivery").checked,
    mobility_assist: document.getElementById("mobility").checked,
    phase: document.getElementById("phase").value,
    categories: [...form.querySelectorAll('[name="route-category"]:checked')].map((c) => c.value),
  };
  const r = await api("POST", `/api/v1/dispatch/route?crs=${tiles.crs}`, { token: state.token, body });
  const result = document.getElementById("route-result");
  if (!r.ok) {
    showProblem(form, problem, r);
    result.replaceChildren();
    return;
  }
  clearErrors(form);
  problem.hidden = true;
  const a = r.data;
  result.replaceChildren(...[
    a.reserved
      ? el("p", { class: "success routed", text: `已派单：${a.reserved.name}，预留今日（${a.reserved.day}）配送 1 单，余量 ${a.reserved.capacity_left}。` })
      : el("p", { class: "due", text: "未能预留本地门店。" }),
    a.fallback ? el("p", { class: "warning", text: `${a.fallback.detail_zh} ${a.fallback.name}` }) : null,
    el("p", { class: "hint", text: a.ranking ? a.ranking.zh : "" }),
    el("ol", {}, a.options.map(storeItem)),
  ].filter(Boolean));
  if (a.crs === tiles.crs) markHousehold(a.household.lon, a.household.lat);
  refresh();
});

document.getElementById("area-clear").addEventListener("click", () => state.drawer.clear());

document.getElementById("area-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const problem = document.getElementById("area-problem");
  const area = state.drawer.geojson() || { type: "Polygon", coordinates: [] };
  const body = {
    name: document.getElementById("area-name").value,
    area,
    crs: tiles.crs,
    mark_affected: document.getElementById("mark-affected").checked,
  };
  const r = await api("POST", "/api/v1/disaster-areas", { token: state.token, body });
  const result = document.getElementById("area-result");
  if (!r.ok) {
    showProblem(form, problem, r);
    result.replaceChildren();
    return;
  }
  clearErrors(form);
  problem.hidden = true;
  const d = r.data;
  const loss = (c) => el("li", { text: `${c.name}：${c.stores_before} → ${c.stores_after} 家（老人 ${c.elderly}，独居老人 ${c.elderly_alone}）` });
  result.replaceChildren(
    el("p", { text: `${d.marked_affected ? "已标记受灾" : "模拟"}：区内营业门店 ${d.stores_in_area.length} 家。` }),
    el("ul", { class: "plain" }, d.stores_in_area.map((s) => el("li", { text: `${s.name}（${s.merchant_name}）` }))),
    el("h3", { text: "失去全部覆盖的社区" }),
    el("ul", { class: "checklist" }, d.communities_losing_coverage.length ? d.communities_losing_coverage.map(loss) : [el("li", { class: "done", text: "无" })]),
    el("h3", { text: "覆盖减少的社区" }),
    el("ul", { class: "checklist" }, d.communities_with_reduced_coverage.length ? d.communities_with_reduced_coverage.map(loss) : [el("li", { class: "done", text: "无" })]),
  );
  if (d.marked_affected) refresh();
});
