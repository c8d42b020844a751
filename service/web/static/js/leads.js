// /leads: a frontline worker records merchants found in the field, sees which lie near pilot
// communities that lack stores, and sends one a one-use link to the prefilled /apply form.

import { api, el, problemText, say, statusZh, tiles } from "./common.js";
import { convert } from "./crs.js";
import { clearErrors, showProblem } from "./errors.js";
import { baseMap, storePoint } from "./map.js";
import { requireStaff } from "./staff.js";

const state = { token: "", map: null, markers: null, pin: null };
const form = document.getElementById("lead-form");

requireStaff(async (me, token) => {
  state.token = token;
  document.getElementById("desk").hidden = false;
  state.map = baseMap(document.getElementById("lead-map"), { zoom: 12 });
  state.markers = L.layerGroup().addTo(state.map);
  // A click places the lead in the map's own coordinate system.
  document.getElementById("lead-crs").value = tiles.crs === "wgs84" || tiles.crs === "bd09" ? tiles.crs : "gcj02";
  state.map.on("click", (event) => {
    document.getElementById("lead-lon").value = event.latlng.lng.toFixed(6);
    document.getElementById("lead-lat").value = event.latlng.lat.toFixed(6);
    document.getElementById("lead-crs").value = tiles.crs;
    if (state.pin) state.pin.remove();
    state.pin = L.marker(event.latlng).addTo(state.map);
  });
  // The rounds last: once they are listed, the map above answers clicks.
  const rounds = await api("GET", "/api/v1/rounds", { token });
  const open = rounds.ok ? rounds.data.filter((r) => r.status === "open") : [];
  document.getElementById("lead-round").replaceChildren(
    ...open.map((r) => el("option", { value: r.code, text: `${r.name}（${r.code}）` })));
  load();
});

function read() {
  const text = (id) => document.getElementById(id).value.trim();
  const num = (id) => (text(id) === "" ? null : Number(text(id)));
  const body = {
    round: text("lead-round"),
    merchant_name: text("lead-name"),
    address: text("lead-address"),
    location: { lon: num("lead-lon"), lat: num("lead-lat"), crs: text("lead-crs") },
    notes: text("lead-notes"),
  };
  if (text("lead-contact-name") || text("lead-contact-mobile")) {
    body.contact = { name: text("lead-contact-name"), mobile: text("lead-contact-mobile") };
  }
  return body;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const problem = document.getElementById("lead-problem");
  const r = await api("POST", "/api/v1/leads", { token: state.token, body: read() });
  if (!r.ok) {
    showProblem(form, problem, r);
    return;
  }
  clearErrors(form);
  problem.hidden = true;
  if (state.pin) state.pin.remove();
  for (const id of ["lead-name", "lead-address", "lead-contact-name", "lead-contact-mobile", "lead-notes"]) {
    document.getElementById(id).value = "";
  }
  load();
});

async function load() {
  const nearGaps = document.getElementById("near-gaps").checked;
  const r = await api("GET", `/api/v1/leads?near_gaps=${nearGaps}`, { token: state.token });
  const error = document.getElementById("leads-error");
  if (!r.ok) {
    say(error, problemText(r));
    return;
  }
  say(error, "");
  state.markers.clearLayers();
  for (const lead of r.data) {
    const [lon, lat] = convert([lead.lon, lead.lat], "wgs84", tiles.crs);
    storePoint(lon, lat).bindTooltip(lead.merchant_name).addTo(state.markers);
  }
  const body = document.querySelector("#leads tbody");
  body.replaceChildren(...r.data.map(row));
  if (!r.data.length) body.append(el("tr", {}, el("td", { colspan: 4, text: "还没有线索。" })));
}

function row(lead) {
  const gaps = lead.gaps.map((g) => `${g.name}（现有 ${g.stores} 家）`).join("、") || "—";
  const applied = lead.application_id ? statusZh(lead.application_status) : "未申请";
  const invite = lead.application_id
    ? el("span", { text: "—" })
    : el("button", { type: "button", class: "secondary", text: lead.invited_at ? "重新生成邀请" : "生成邀请链接",
      onclick: () => inviteLead(lead) });
  return el("tr", { "data-id": lead.id },
    el("td", { class: "name", text: lead.merchant_name }),
    el("td", { class: "gaps", text: gaps }),
    el("td", { text: applied }),
    el("td", {}, invite));
}

async function inviteLead(lead) {
  const r = await api("POST", `/api/v1/leads/${lead.id}/invitation`, { token: state.token, body: {} });
  const error = document.getElementById("leads-error");
  if (!r.ok) {
    say(error, problemText(r));
    return;
  }
  document.getElementById("invite-url").value = new URL(r.data.url, window.location.origin).href;
  document.getElementById("invite-expires").textContent = new Date(r.data.expires_at).toLocaleDateString("zh-CN");
  document.getElementById("invite-box").hidden = false;
  document.getElementById("invite-url").select();
  load();
}

document.getElementById("near-gaps").addEventListener("change", load);
