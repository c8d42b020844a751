// The application form: stores with maps, reading it into the API's JSON and filling it back.
// No validation here: the API names every invalid field and the page shows it.
// Coordinates are typed in any of the three systems and drawn converted to the map's own.

import { api, el, labels, tiles } from "./common.js";
import { CRS_LABEL, CRS_NAMES, convert } from "./crs.js";
import { PolygonDrawer, addCommunities, baseMap, outerRing, round, storePoint } from "./map.js";
import { wireStoreFile } from "./storefile.js";

const L = window.L;
let storeSeq = 0;

// A typed number stays a number; anything else goes to the API as typed, which explains it.
function num(value) {
  const v = value.trim();
  if (v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : v;
}

function text(value) {
  return value.trim() === "" ? undefined : value;
}

function prune(obj) {
  for (const key of Object.keys(obj)) if (obj[key] === undefined) delete obj[key];
  return obj;
}

class StoreCard {
  constructor(form, list, data) {
    this.form = form;
    const n = ++storeSeq;
    const frag = document.getElementById("store-template").content.cloneNode(true);
    this.node = frag.querySelector(".store");
    this.node.querySelectorAll("*").forEach((node) => {
      for (const attr of ["id", "for", "name", "aria-labelledby"]) {
        const v = node.getAttribute(attr);
        if (v && v.includes("__N__")) node.setAttribute(attr, v.replaceAll("__N__", String(n)));
      }
    });
    list.append(this.node);
    this.f = (name) => this.node.querySelector(`[data-f="${name}"]`);
    this.node.querySelector(".remove-store").addEventListener("click", () => form.removeStore(this));
    this.node.querySelectorAll('[data-f="area"]').forEach((r) =>
      r.addEventListener("change", () => this.showArea()),
    );
    for (const name of ["lon", "lat", "crs", "radius_m"]) {
      this.f(name).addEventListener("change", () => this.redraw());
      if (name !== "crs") this.f(name).addEventListener("input", () => this.redraw(false));
    }
    this.node.querySelector(".zone-undo").addEventListener("click", () => this.drawer.undo());
    this.node.querySelector(".zone-clear").addEventListener("click", () => this.drawer.clear());
    this.initMap();
    if (data) this.fill(data);
    this.showArea();
  }

  initMap() {
    this.map = baseMap(this.node.querySelector(".store-map"), { zoom: 12 });
    chineseZoom(this.map);
    addCommunities(this.map);
    this.marker = null;
    this.circle = null;
    this.drawer = new PolygonDrawer(this.map, (v) => this.zoneChanged(v));
    this.map.on("click", (e) => this.clicked(e.latlng));
  }

  mode() {
    return this.node.querySelector('[data-f="mode"]:checked').value;
  }

  area() {
    return this.node.querySelector('[data-f="area"]:checked').value;
  }

  setArea(value) {
    this.node.querySelector(`[data-f="area"][value="${value}"]`).checked = true;
    this.showArea();
  }

  showArea() {
    const zone = this.area() === "zone";
    this.node.querySelector(".area-radius").hidden = zone;
    this.node.querySelector(".area-zone").hidden = !zone;
  }

  clicked(latlng) {
    if (this.mode() === "zone") {
      if (this.area() !== "zone") this.setArea("zone");
      this.drawer.add(round(latlng.lng), round(latlng.lat));
      return;
    }
    // Kept in the system the merchant chose (高德 users type GCJ-02), else the map's own.
    const crs = CRS_NAMES.includes(this.f("crs").value) ? this.f("crs").value : tiles.crs;
    const [lon, lat] = convert([latlng.lng, latlng.lat], tiles.crs, crs);
    this.f("lon").value = String(round(lon));
    this.f("lat").value = String(round(lat));
    this.f("crs").value = crs;
    this.redraw(false);
  }

  zoneChanged(vertices) {
    const status = this.node.querySelector(".zone-status");
    status.textContent = vertices.length
      ? `已添加 ${vertices.length} 个顶点${vertices.length < 3 ? "（至少需要 3 个）" : ""}。`
      : "尚未绘制：在上方选择“添加配送区域顶点”，依次点击地图。";
    this.note();
  }

  // The typed point in the map's system, or null while it is incomplete.
  typedPoint() {
    const lon = Number(this.f("lon").value);
    const lat = Number(this.f("lat").value);
    const crs = this.f("crs").value;
    if (!this.f("lon").value.trim() || !this.f("lat").value.trim()) return null;
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
    return convert([lon, lat], CRS_NAMES.includes(crs) ? crs : tiles.crs, tiles.crs);
  }

  // The marker shows where the typed point is, converted to the map's coordinate system;
  // typed coordinates off the visible map bring the map to them.
  redraw(follow = true) {
    if (this.marker) this.marker.remove();
    if (this.circle) this.circle.remove();
    this.marker = this.circle = null;
    const mapNode = this.node.querySelector(".store-map");
    const point = this.typedPoint();
    if (point) {
      const [lon, lat] = point;
      this.marker = storePoint(lon, lat).addTo(this.map);
      mapNode.dataset.marker = `${round(lon)},${round(lat)}`;
      const r = Number(this.f("radius_m").value);
      if (this.area() === "radius" && r > 0) {
        this.circle = L.circle([lat, lon], { radius: r, color: "#c0262d", weight: 1, fillOpacity: 0.08 }).addTo(this.map);
      }
      if (follow && !this.map.getBounds().contains([lat, lon])) this.map.panTo([lat, lon]);
    } else {
      delete mapNode.dataset.marker;
    }
    this.note();
  }

  note() {
    const crs = this.f("crs").value;
    const msgs = [];
    if (!this.f("lon").value.trim() && !this.f("lat").value.trim()) {
      msgs.push("点击地图即可标出门店位置；再次点击可移动。");
    } else if (CRS_NAMES.includes(crs) && crs !== tiles.crs && this.marker) {
      msgs.push(`所填 ${CRS_LABEL[crs]} 坐标已换算后标在地图上（地图按 ${CRS_LABEL[tiles.crs]} 显示）。`);
    } else if (!CRS_NAMES.includes(crs) && this.marker) {
      msgs.push(`请选择坐标系：地图上暂按 ${CRS_LABEL[tiles.crs]} 标出该点。`);
    }
    this.node.querySelector(".map-note").textContent = msgs.join(" ");
  }

  // The store's coordinate system, in which its zone is sent (drawn in the map's).
  zoneCrs() {
    const crs = this.f("crs").value;
    return CRS_NAMES.includes(crs) ? crs : tiles.crs;
  }

  renumber(i) {
    this.node.dataset.pointer = `/stores/${i}`;
    this.node.querySelector(".store-title").textContent = `门店 ${i + 1}`;
    this.node.querySelectorAll("[data-rel]").forEach((node) => {
      if (node === this.node) return;
      node.dataset.pointer = `/stores/${i}${node.dataset.rel}`;
    });
  }

  read() {
    const checked = (name) => this.f(name).checked;
    const delivery = prune({
      home_delivery: checked("home_delivery"),
      daily_capacity: num(this.f("daily_capacity").value),
      emergency_24h: checked("emergency_24h"),
      mobility_assist: checked("mobility_assist"),
    });
    if (this.area() === "zone") {
      const zone = this.drawer.geojson();
      if (zone) {
        const crs = this.zoneCrs();
        zone.coordinates = zone.coordinates.map((ring) =>
          ring.map((p) => convert(p, tiles.crs, crs).map(round)));
        delivery.zone = zone;
      }
    } else {
      const r = num(this.f("radius_m").value);
      if (r !== undefined) delivery.radius_m = r;
    }
    const location = prune({
      lon: num(this.f("lon").value),
      lat: num(this.f("lat").value),
      crs: text(this.f("crs").value),
    });
    return prune({
      name: text(this.f("name").value),
      address: text(this.f("address").value),
      location,
      categories: [...this.node.querySelectorAll('[data-f="categories"]:checked')].map((c) => c.value),
      opening_hours: text(this.f("opening_hours").value),
      delivery,
    });
  }

  fill(s) {
    this.f("name").value = s.name || "";
    this.f("address").value = s.address || "";
    const loc = s.location || {};
    this.f("lon").value = loc.lon ?? "";
    this.f("lat").value = loc.lat ?? "";
    this.f("crs").value = loc.crs || "";
    this.f("opening_hours").value = s.opening_hours || "";
    const cats = new Set(s.categories || []);
    this.node.querySelectorAll('[data-f="categories"]').forEach((c) => {
      c.checked = cats.has(c.value);
    });
    const d = s.delivery || {};
    this.f("home_delivery").checked = Boolean(d.home_delivery);
    this.f("daily_capacity").value = d.daily_capacity ?? "";
    this.f("emergency_24h").checked = Boolean(d.emergency_24h);
    this.f("mobility_assist").checked = Boolean(d.mobility_assist);
    this.f("radius_m").value = d.radius_m ?? "";
    if (d.zone) {
      this.setArea("zone");
      this.drawer.set(outerRing(d.zone).map((p) => convert(p, this.zoneCrs(), tiles.crs)));
    }
    this.redraw();
    // Not animated: the status page rebuilds these cards on each refresh, and a zoom animation
    // ending on a removed map throws (Leaflet's _leaflet_pos).
    if (this.marker) this.map.setView(this.marker.getLatLng(), 14, { animate: false });
  }
}

// Leaflet's zoom buttons, titled (and so announced) in Chinese.
function chineseZoom(map) {
  if (map.zoomControl) map.zoomControl.remove();
  L.control.zoom({ zoomInTitle: "放大地图", zoomOutTitle: "缩小地图" }).addTo(map);
}

export class ApplicationForm {
  constructor(form) {
    this.form = form;
    this.stores = [];
    // Enter in a one-line field must not send the whole application half-filled.
    form.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || !(event.target instanceof HTMLInputElement)) return;
      if (["submit", "button", "reset"].includes(event.target.type)) return;
      event.preventDefault();
    });
    this.list = form.querySelector("#stores");
    form.querySelector("#add-store").addEventListener("click", () => {
      const card = this.addStore();
      card.node.querySelector("input").focus();
    });
    form.querySelectorAll('[name="kind"]').forEach((r) => r.addEventListener("change", () => this.showKind()));
    this.importedStores = null; // a store list read from a spreadsheet (storefile.js)
    wireStoreFile(this);
    this.loadCommunities();
    this.showKind();
  }

  async loadCommunities() {
    const box = this.form.querySelector("#communities-served");
    const r = await api("GET", "/api/v1/communities");
    if (!r.ok) {
      box.replaceChildren(el("p", { class: "hint", text: "试点社区列表暂时无法载入。" }));
      return;
    }
    box.replaceChildren(
      ...r.data.features.map((f) =>
        el("label", { class: "inline" },
          el("input", { type: "checkbox", name: "communities_served", value: f.properties.code }),
          ` ${f.properties.name}（${f.properties.street || f.properties.district || ""}）`),
      ),
    );
    if (this.pendingCommunities) this.checkAll("communities_served", this.pendingCommunities);
  }

  kind() {
    return this.form.querySelector('[name="kind"]:checked').value;
  }

  showKind() {
    const kind = this.kind();
    this.form.querySelectorAll("[data-kind]").forEach((n) => {
      n.hidden = n.dataset.kind !== kind;
    });
    if (kind === "merchant" && !this.stores.length && !this.importedStores) this.addStore();
  }

  addStore(data) {
    const card = new StoreCard(this, this.list, data);
    this.stores.push(card);
    this.renumber();
    return card;
  }

  removeStore(card) {
    this.stores = this.stores.filter((c) => c !== card);
    card.map.remove();
    card.node.remove();
    this.renumber();
  }

  renumber() {
    this.stores.forEach((c, i) => c.renumber(i));
  }

  value(name) {
    return this.form.querySelector(`[name="${name}"]`).value;
  }

  setValue(name, v) {
    this.form.querySelector(`[name="${name}"]`).value = v ?? "";
  }

  checked(name) {
    return [...this.form.querySelectorAll(`[name="${name}"]:checked`)].map((c) => c.value);
  }

  checkAll(name, values) {
    const set = new Set(values || []);
    this.form.querySelectorAll(`[name="${name}"]`).forEach((c) => {
      c.checked = set.has(c.value);
    });
  }

  contact(prefix) {
    const name = this.value(`${prefix}.name`);
    const mobile = this.value(`${prefix}.mobile`);
    if (!name.trim() && !mobile.trim()) return undefined;
    return { name, mobile };
  }

  // The application as the API's JSON; empty optional fields are left out.
  read() {
    const kind = this.kind();
    const body = {
      kind,
      round: this.value("round").trim(),
      legal_name: this.value("legal_name"),
      credit_code: this.value("credit_code"),
    };
    if (kind === "merchant") {
      const feedback = this.value("data_feedback");
      Object.assign(body, {
        wechat_pay_mch_id: text(this.value("wechat_pay_mch_id")),
        settlement_contact: this.contact("settlement_contact"),
        data_feedback: feedback === "" ? undefined : feedback === "true",
        trained_staff: num(this.value("trained_staff")),
        stores: this.importedStores || this.stores.map((s) => s.read()),
      });
    } else {
      Object.assign(body, {
        contact: this.contact("contact"),
        communities_served: this.checked("communities_served"),
        disaster_experience_years: num(this.value("disaster_experience_years")),
        staff: num(this.value("staff")),
        volunteers: num(this.value("volunteers")),
        capabilities: this.checked("capabilities"),
      });
    }
    return prune(body);
  }

  fill(app) {
    this.form.querySelector(`[name="kind"][value="${app.kind}"]`).checked = true;
    this.form.querySelectorAll('[name="kind"]').forEach((r) => {
      r.disabled = true; // the kind of an application never changes
    });
    this.form.querySelector("#f-round").readOnly = true;
    for (const key of ["round", "legal_name", "credit_code", "wechat_pay_mch_id", "trained_staff",
      "disaster_experience_years", "staff", "volunteers"]) {
      const input = this.form.querySelector(`[name="${key}"]`);
      if (input) input.value = app[key] ?? "";
    }
    for (const prefix of ["settlement_contact", "contact"]) {
      const c = app[prefix] || {};
      this.setValue(`${prefix}.name`, c.name);
      this.setValue(`${prefix}.mobile`, c.mobile);
    }
    this.setValue("data_feedback", app.data_feedback === undefined || app.data_feedback === null ? "" : String(app.data_feedback));
    this.checkAll("capabilities", app.capabilities);
    this.pendingCommunities = app.communities_served || [];
    this.checkAll("communities_served", this.pendingCommunities);
    for (const card of [...this.stores]) this.removeStore(card);
    this.showKind();
    for (const card of [...this.stores]) this.removeStore(card);
    for (const s of app.stores || []) this.addStore(s);
  }
}

export { labels };
