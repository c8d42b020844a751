// /dispatch: a console for a dispatcher on the phone. Find a community (name or code) or a
// household (its ref); communities coloured by coverage, stores above their delivery zones;
// who serves a point and routing a household; disaster areas: what-if, declare, list, lift.

import { api, el, fmt, labels, problemText, say, tiles } from "./common.js";
import { clearErrors, showProblem } from "./errors.js";
import { noEnterSubmit } from "./forms.js";
import { PolygonDrawer, baseMap, fitTo, label, round, storePoint } from "./map.js";
import { requireStaff } from "./staff.js";

const L = window.L;
const state = {
  token: "", map: null, coverage: null, zones: null, stores: null, areas: null, household: null,
  chosen: null, drawer: null, features: [], byCode: new Map(), storeLayers: new Map(),
};
const STATUS_ZH = { active: "营业", suspended: "暂停", closed: "关闭", affected: "受灾" };
const STATUS_COLOR = { active: "#c0262d", suspended: "#888", closed: "#444", affected: "#7b3294" };
// One table for the map, the list and the legend (CSS .swatch.gap/.thin/.ok use these).
const BAND_COLOR = { gap: "#d73027", thin: "#fdae61", ok: "#1a9850" };
const BAND_ZH = { gap: "缺口", thin: "刚达标", ok: "覆盖充足" };

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
  loadAreas();
});

function k() {
  const n = Number(document.getElementById("min-stores").value);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

function band(p) {
  if (p.gap) return "gap";
  return p.store_count < 2 * k() ? "thin" : "ok";
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
  for (const layer of [state.coverage, state.zones, state.stores]) if (layer) layer.remove();
  state.byCode.clear();
  state.coverage = L.geoJSON(cov.data, {
    style: (f) => communityStyle(f.properties),
    onEachFeature: (f, lyr) => {
      state.byCode.set(f.properties.code, lyr);
      lyr.bindTooltip(label(`${f.properties.name}：${f.properties.store_count} 家门店（${BAND_ZH[band(f.properties)]}）`), { sticky: true });
      // The click also reaches the map (a point query, or a vertex in "area" mode).
      lyr.on("click", () => {
        if (mode() === "point") chooseCommunity(f.properties.code, { fit: false });
      });
    },
  }).addTo(state.map);
  const zones = { ...stores.data, features: stores.data.features.filter((f) => f.properties.feature_kind !== "store") };
  const points = { ...stores.data, features: stores.data.features.filter((f) => f.properties.feature_kind === "store") };
  // Zones below everything interactive: they carry no tooltip and never catch the mouse.
  state.zones = L.geoJSON(zones, {
    pane: "zones",
    interactive: false,
    style: (f) => ({ color: STATUS_COLOR[f.properties.status] || "#1f6feb", weight: 1, fillOpacity: 0.06, dashArray: f.properties.status === "active" ? null : "4 4" }),
  }).addTo(state.map);
  state.storeLayers.clear();
  state.stores = L.geoJSON(points, {
    pointToLayer: (f, latlng) => storePoint(latlng.lng, latlng.lat, { pane: "stores", className: `store-marker status-${f.properties.status}`, fillColor: STATUS_COLOR[f.properties.status] || "#c0262d" }),
    onEachFeature: (f, lyr) => {
      state.storeLayers.set(String(f.properties.store_id), lyr);
      lyr.bindTooltip(label(`${f.properties.name}（${f.properties.merchant_name}）· ${STATUS_ZH[f.properties.status] || f.properties.status}`));
    },
  }).addTo(state.map);
  state.features = cov.data.features;
  coverageList(cov.data.features);
  if (state.chosen) highlightStore(state.chosen.id, state.chosen.text, false);
  if (fit) fitTo(state.map, [state.coverage]);
}

function communityStyle(p, chosen = false) {
  const colour = BAND_COLOR[band(p)];
  return { color: chosen ? "#1f6feb" : colour, weight: chosen ? 3.5 : 1.5, fillColor: colour, fillOpacity: 0.35 };
}

function coverageList(features) {
  const gaps = features.filter((f) => f.properties.gap);
  document.getElementById("coverage-summary").textContent = `共 ${features.length} 个试点社区，${gaps.length} 个缺口（少于 ${k()} 家门店）。点击社区可在地图上查看。`;
  document.getElementById("coverage-list").replaceChildren(
    ...features
      .slice()
      .sort((a, b) => Number(b.properties.gap) - Number(a.properties.gap) || a.properties.store_count - b.properties.store_count)
      .map((f) => {
        const b = band(f.properties);
        return el("li", {
          class: `${f.properties.gap ? "bad" : "done"} pick`,
          "data-community": f.properties.code,
          "data-gap": String(f.properties.gap),
          "data-band": b,
          tabindex: "0",
          role: "button",
          onclick: () => chooseCommunity(f.properties.code),
          onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); chooseCommunity(f.properties.code); } },
        },
        el("span", { class: `list-swatch ${b}`, "aria-hidden": "true" }),
        `${f.properties.name}（${f.properties.street || f.properties.district}）：${f.properties.store_count} 家 · ${BAND_ZH[b]} · 老人 ${f.properties.elderly}`);
      }),
  );
}

// Shows a community: the map zooms to it, outlines it and opens its tooltip; the list marks it.
function chooseCommunity(code, { fit = true } = {}) {
  const layer = state.byCode.get(code);
  if (!layer) return;
  state.coverage.eachLayer((lyr) => lyr.setStyle(communityStyle(lyr.feature.properties, lyr === layer)));
  layer.bringToFront();
  if (fit) state.map.fitBounds(layer.getBounds(), { padding: [30, 30], maxZoom: 15, animate: false });
  layer.openTooltip(layer.getBounds().getCenter());
  for (const li of document.querySelectorAll("#coverage-list li")) {
    li.classList.toggle("chosen", li.dataset.community === code);
    if (li.dataset.community === code) li.setAttribute("aria-current", "true");
    else li.removeAttribute("aria-current");
  }
}

// From the search (on a phone the map may be off screen): bring the map into view too.
function showOnMap(code) {
  chooseCommunity(code);
  document.getElementById("dispatch-map").scrollIntoView({ block: "nearest" });
}

// NFKC folds full-width digits and letters typed on Chinese keyboards (codes only).
function searchCommunities(query) {
  const q = query.trim();
  const code = q.normalize("NFKC").replace(/\s+/g, "");
  if (!q) return [];
  return state.features.filter((f) => {
    const p = f.properties;
    return (/^\d+$/.test(code) && p.code.includes(code))
      || p.name.includes(q) || (p.name_full || "").includes(q) || (p.street || "").includes(q);
  });
}

document.getElementById("community-search").addEventListener("submit", (event) => {
  event.preventDefault();
  const matches = searchCommunities(document.getElementById("community-query").value);
  const list = document.getElementById("community-matches");
  if (!matches.length) {
    list.replaceChildren(el("li", { class: "hint", text: "没有找到匹配的试点社区。" }));
    return;
  }
  list.replaceChildren(...matches.slice(0, 20).map((f) => el("li", {},
    el("button", { type: "button", class: "link", "data-community": f.properties.code, onclick: () => showOnMap(f.properties.code) },
      `${f.properties.name}（${f.properties.code}）`),
    ` ${f.properties.street || f.properties.district} · ${f.properties.store_count} 家门店`)));
  if (matches.length === 1) showOnMap(matches[0].properties.code);
});

function mode() {
  return document.querySelector('[name="map-mode"]:checked').value;
}

function clicked(latlng) {
  if (mode() === "area") {
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

// The queried point: marked, and the map pans there (zooming in when far out).
function markHousehold(lon, lat, pan = true) {
  if (state.household) state.household.remove();
  state.household = L.circleMarker([lat, lon], { pane: "stores", radius: 9, color: "#1f6feb", weight: 3, fillOpacity: 0.3 })
    .bindTooltip(label("住户位置"))
    .addTo(state.map);
  // No animation: a click right after (a vertex, a point) lands where it was aimed.
  if (pan) state.map.setView([lat, lon], Math.max(state.map.getZoom(), 14), { animate: false });
}

// The chosen store: a ring around its marker, its tooltip open.
function highlightStore(id, text, pan = false) {
  if (state.ring) state.ring.remove();
  state.chosen = { id, text };
  const marker = state.storeLayers.get(String(id));
  if (!marker) return;
  const at = marker.getLatLng();
  state.ring = L.circleMarker(at, { pane: "stores", radius: 13, color: "#1f6feb", weight: 3, fill: false, interactive: false, className: "chosen-store" }).addTo(state.map);
  marker.bringToFront();
  if (text) marker.setTooltipContent(label(text));
  marker.openTooltip();
  if (pan) state.map.panTo(at, { animate: false });
}

function storeItem(s) {
  const cats = s.categories.map((c) => labels.categories[c] || c).join("、");
  return el("li", { class: "store-option", "data-store-id": s.id },
    el("strong", { text: s.name }), ` ${s.merchant_name} · ${fmt(s.distance_m, 0)} 米 · 今日余量 ${s.capacity_left}`,
    s.emergency_24h ? " · 24 小时应急" : "", s.mobility_assist ? " · 助行动不便者" : "",
    el("p", { class: "hint", text: s.opening_hours ? `营业时间 ${s.opening_hours} · ${cats}` : cats }));
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
    el("li", { class: "hint", text: `${where}能送货到此处的门店：${r.data.total} 家` +
      (r.data.total > r.data.stores.length ? `，列出最近的 ${r.data.stores.length} 家。` : "。") }),
    ...r.data.stores.map(storeItem),
  );
  if (r.data.stores.length) highlightStore(r.data.stores[0].id, `最近：${r.data.stores[0].name}`);
}

document.getElementById("serving").addEventListener("click", serving);
document.getElementById("coverage-form").addEventListener("submit", (event) => {
  event.preventDefault();
  refresh();
});

// Enter after typing a household number or an area's name must not reserve a delivery or
// declare a disaster: those take their button. (The one-field searches keep Enter.)
noEnterSubmit(document.getElementById("point-form"));
noEnterSubmit(document.getElementById("area-form"));

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
  // The map first (the household, the ring on the reserved store), then the answer: when the
  // answer shows, the map already agrees with it.
  if (a.crs === tiles.crs) markHousehold(a.household.lon, a.household.lat);
  if (a.reserved) state.chosen = { id: a.reserved.store_id, text: `已派单：${a.reserved.name}` };
  await refresh();
  result.replaceChildren(...[
    a.reserved
      ? el("p", { class: "success routed", text: `已派单：${a.reserved.name}，预留今日（${a.reserved.day}）配送 1 单，余量 ${a.reserved.capacity_left}。` })
      : el("p", { class: "due", text: "未能预留本地门店。" }),
    a.fallback ? el("p", { class: "warning", text: `${a.fallback.detail_zh} ${a.fallback.name}` }) : null,
    el("p", { class: "hint", text: a.ranking ? a.ranking.zh : "" }),
    el("ol", {}, a.options.map(storeItem)),
  ].filter(Boolean));
});

// A household found by its ref: today's reservations, the map on its point and its store.
document.getElementById("household-search").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const problem = document.getElementById("household-problem");
  const result = document.getElementById("household-result");
  const ref = document.getElementById("household-query").value.trim();
  clearErrors(form);
  problem.hidden = true;
  if (!ref) {
    result.replaceChildren(el("p", { class: "hint", text: "请输入住户编号。" }));
    return;
  }
  const q = new URLSearchParams({ household_ref: ref, crs: tiles.crs });
  const r = await api("GET", `/api/v1/dispatch/reservations?${q}`, { token: state.token });
  if (!r.ok) {
    showProblem(form, problem, r);
    result.replaceChildren();
    return;
  }
  const found = r.data.reservations;
  if (!found.length) {
    result.replaceChildren(el("p", { class: "hint household-none", text: `住户 ${ref} 今日（${r.data.day}）没有预约。` }));
    return;
  }
  result.replaceChildren(el("ul", { class: "plain household-found" }, found.map((v) => el("li", { "data-reservation": v.id },
    el("strong", { text: v.store_name }),
    ` ${v.merchant_name} · 门店${STATUS_ZH[v.store_status] || v.store_status}`,
    v.released_at ? " · 已取消" : " · 今日配送 1 单",
    v.store_status !== "active" && !v.released_at ? el("span", { class: "warning", text: " · 需改派" }) : null))));
  const first = found.find((v) => !v.released_at) || found[0];
  if (first.household_lon !== null) markHousehold(first.household_lon, first.household_lat);
  else state.map.setView([first.store_lat, first.store_lon], Math.max(state.map.getZoom(), 14), { animate: false });
  highlightStore(first.store_id, `住户 ${ref} 的门店：${first.store_name}`);
});

document.getElementById("area-clear").addEventListener("click", () => state.drawer.clear());

function rerouteList(items) {
  if (!items.length) return el("p", { class: "hint", text: "区内门店今日没有待配送的预约。" });
  return el("ul", { class: "checklist reroute" }, items.map((v) => el("li", { class: "bad", "data-reservation": v.id },
    `住户 ${v.household_ref || "（无编号）"} · ${v.store_name} · 下单 ${new Date(v.created_at).toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" })}`)));
}

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
    el("p", { class: d.marked_affected ? "success declared" : "hint what-if", text: `${d.marked_affected ? "已宣布灾区，区内门店标记受灾" : "模拟（未保存）"}：区内营业门店 ${d.stores_in_area.length} 家。` }),
    el("ul", { class: "plain" }, d.stores_in_area.map((s) => el("li", { text: `${s.name}（${s.merchant_name}）` }))),
    el("h3", { text: d.marked_affected ? "需改派的今日预约" : "若宣布，需改派的今日预约" }),
    rerouteList(d.reservations_to_reroute),
    el("h3", { text: "失去全部覆盖的社区" }),
    el("ul", { class: "checklist" }, d.communities_losing_coverage.length ? d.communities_losing_coverage.map(loss) : [el("li", { class: "done", text: "无" })]),
    el("h3", { text: "覆盖减少的社区" }),
    el("ul", { class: "checklist" }, d.communities_with_reduced_coverage.length ? d.communities_with_reduced_coverage.map(loss) : [el("li", { class: "done", text: "无" })]),
  );
  if (d.marked_affected) {
    state.drawer.clear();
    await Promise.all([refresh(), loadAreas()]);
  }
});

async function loadAreas() {
  const r = await api("GET", `/api/v1/disaster-areas?crs=${tiles.crs}`, { token: state.token });
  const problem = document.getElementById("areas-problem");
  const list = document.getElementById("area-list");
  if (!r.ok) {
    say(problem, problemText(r));
    return;
  }
  say(problem, "");
  if (state.areas) state.areas.remove();
  state.areas = L.layerGroup().addTo(state.map);
  for (const a of r.data.areas) {
    L.geoJSON(a.area, { pane: "zones", interactive: false, style: () => ({ color: "#7b3294", weight: 2, dashArray: "6 4", fillOpacity: 0.08 }) }).addTo(state.areas);
  }
  list.replaceChildren(...(r.data.areas.length ? r.data.areas.map((a) => el("li", { class: "area-item", "data-area": a.id },
    el("span", {}, el("strong", { text: a.name }), ` · ${new Date(a.created_at).toLocaleString("zh-CN")} · ${a.created_by} · 受灾门店 ${a.stores_held} 家`),
    liftButton(a))) : [el("li", { class: "hint", text: "当前没有已宣布的灾区。" })]));
}

// Two taps (a mistaken tap on a phone must not lift an area): 解除, then 确认解除.
function liftButton(a) {
  const button = el("button", { type: "button", class: "secondary", "aria-label": `解除灾区 ${a.name}` }, "解除");
  button.addEventListener("click", () => {
    if (button.dataset.armed) {
      button.disabled = true;
      liftArea(a);
      return;
    }
    button.dataset.armed = "1";
    button.textContent = "确认解除";
    button.setAttribute("aria-label", `确认解除灾区 ${a.name}`);
  });
  return button;
}

async function liftArea(a) {
  const out = document.getElementById("lift-result");
  const r = await api("POST", `/api/v1/disaster-areas/${a.id}/lift`, { token: state.token, body: {} });
  if (!r.ok) {
    out.replaceChildren(el("p", { class: "alert", text: problemText(r) }));
    await loadAreas();
    return;
  }
  const outcome = { restored: "已恢复", still_affected: "仍受灾", changed_since: "状态已另改" };
  out.replaceChildren(
    el("p", { class: "success lifted", text: `灾区“${r.data.name}”已解除。` }),
    el("ul", { class: "plain" }, r.data.stores.map((s) => el("li", { "data-store-id": s.id, "data-outcome": s.outcome },
      `${s.name}：${outcome[s.outcome]}，现为${STATUS_ZH[s.status] || s.status}。${s.detail_zh}`))),
  );
  await Promise.all([refresh(), loadAreas()]);
}
