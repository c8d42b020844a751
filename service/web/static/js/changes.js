// /status, an approved merchant: ask to add branches (a store file), close a branch (today's
// reservations there are listed for re-routing) or change a store's capacity, radius or
// opening hours; and follow those requests. POST/GET /api/v1/applications/{id}/change-requests.

import { api, el, problemText, say } from "./common.js";
import { clearErrors, showProblem } from "./errors.js";
import { localProblem, noEnterSubmit, numberIn } from "./forms.js";

const KIND_ZH = { add_stores: "新增分店", close_store: "关闭门店", update_store: "修改门店" };
const STATUS_ZH = { pending: "待评审", approved: "已通过", rejected: "未通过" };

// What a request asks for, in words (the store named by `names`, id -> name).
export function changeText(c, names) {
  const p = c.payload || {};
  const store = names[c.store_id] || "（门店）";
  if (c.kind === "add_stores") {
    const stores = p.stores || [];
    return `新增 ${stores.length} 家分店：${stores.map((s) => s.name).join("、")}`;
  }
  if (c.kind === "close_store") return `关闭「${store}」`;
  const ch = p.changes || {};
  const parts = [];
  if (ch.daily_capacity != null) parts.push(`每日配送能力 ${ch.daily_capacity} 单`);
  if (ch.radius_m != null) parts.push(`配送半径 ${ch.radius_m} 米`);
  if (ch.opening_hours != null) parts.push(`营业时间 ${ch.opening_hours}`);
  return `修改「${store}」：${parts.join("；")}`;
}

export function reservationsText(list) {
  if (!list || !list.length) return "";
  return `该门店今日有 ${list.length} 单预约需改派：${list.map((r) => r.household_ref).join("、")}。请联系调度人员重新派单。`;
}

export class Changes {
  constructor(section, state) {
    this.section = section;
    this.state = state;
    this.stores = [];
    this.newStores = null;
    this.form = section.querySelector("#change-form");
    this.kind = section.querySelector("#change-kind");
    this.problem = section.querySelector("#change-problem");
    noEnterSubmit(this.form);
    this.kind.addEventListener("change", () => this.showKind());
    section.querySelector("#change-file").addEventListener("change", (e) => this.readFile(e.target));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    this.showKind();
  }

  showKind() {
    const kind = this.kind.value;
    this.section.querySelector("#change-store-field").hidden = kind === "add_stores";
    this.section.querySelector("#change-update").hidden = kind !== "update_store";
    this.section.querySelector("#change-add").hidden = kind !== "add_stores";
  }

  // Shown for an approved merchant only; `stores` are its registry stores.
  async show(view) {
    const stores = (view.decision && view.decision.registry_stores) || null;
    const on = view.status === "approved" && stores !== null;
    this.section.hidden = !on;
    if (!on) return;
    this.stores = stores;
    const select = this.section.querySelector("#change-store");
    const was = select.value;
    select.replaceChildren(...stores.filter((s) => s.status !== "closed").map((s) =>
      el("option", { value: s.id, text: s.name })));
    if (stores.some((s) => s.id === was)) select.value = was;
    await this.list();
  }

  async list() {
    const r = await api("GET", `/api/v1/applications/${this.state.id}/change-requests`, { token: this.state.token });
    const node = this.section.querySelector("#change-list");
    if (!r.ok) {
      node.replaceChildren(el("li", { class: "alert", text: problemText(r) }));
      return;
    }
    const names = Object.fromEntries(this.stores.map((s) => [s.id, s.name]));
    node.replaceChildren(...(r.data.length ? [...r.data].reverse().map((c) => el("li", { class: "change", "data-status": c.status },
      el("span", { class: "badge", text: STATUS_ZH[c.status] || c.status }), " ",
      el("strong", { text: KIND_ZH[c.kind] || c.kind }), "：", changeText(c, names),
      c.decision_reason ? el("p", { class: "hint", text: `${c.decided_by === "system" ? "自动决定" : "评审意见"}：${c.decision_reason}` }) : null))
      : [el("li", { class: "hint", text: "暂无" })]));
  }

  async readFile(input) {
    const file = input.files && input.files[0];
    const done = this.section.querySelector("#change-file-done");
    this.newStores = null;
    this.problem.hidden = true;
    if (!file) return;
    say(done, "正在读取……");
    const r = await api("POST", "/api/v1/store-files/check", { raw: file });
    if (!r.ok) {
      say(done, "");
      const errors = (r.data && r.data.errors) || [];
      this.problem.replaceChildren(
        el("strong", { text: `分店表未读取：${(r.data && r.data.detail_zh) || problemText(r)}` }),
        el("ul", { class: "file-errors" }, errors.slice(0, 100).map((e) => el("li", { text: e.detail_zh }))));
      this.problem.hidden = false;
      return;
    }
    this.newStores = r.data.stores;
    say(done, `读取到 ${r.data.stores.length} 家新分店：${r.data.stores.map((s) => s.name).join("、")}`);
  }

  body() {
    const kind = this.kind.value;
    const reason = this.section.querySelector("#change-reason").value.trim();
    if (kind === "add_stores") {
      if (!this.newStores) return localProblem([["/stores", "请先上传新分店表"]]);
      return { kind, stores: this.newStores, reason };
    }
    const storeId = this.section.querySelector("#change-store").value;
    if (!storeId) return localProblem([["/store_id", "请选择门店"]]);
    if (kind === "close_store") return { kind, store_id: storeId, reason };
    const capacity = numberIn(this.section.querySelector("#change-capacity"), { min: 0, max: 100000, integer: true, required: false });
    const radius = numberIn(this.section.querySelector("#change-radius"), { min: 50, max: 50000, integer: true, required: false });
    const errors = [];
    if (capacity.error) errors.push(["/changes/daily_capacity", capacity.error]);
    if (radius.error) errors.push(["/changes/radius_m", radius.error]);
    if (errors.length) return localProblem(errors);
    const changes = {};
    if (capacity.value !== null) changes.daily_capacity = capacity.value;
    if (radius.value !== null) changes.radius_m = radius.value;
    const hours = this.section.querySelector("#change-hours").value.trim();
    if (hours) changes.opening_hours = hours;
    return { kind, store_id: storeId, changes, reason };
  }

  async send() {
    const done = this.section.querySelector("#change-done");
    const reroute = this.section.querySelector("#change-reroute");
    say(done, "");
    say(reroute, "");
    clearErrors(this.form);
    this.problem.hidden = true;
    const body = this.body();
    if (body.ok === false) {
      showProblem(this.form, this.problem, body);
      return;
    }
    const button = this.section.querySelector("#change-send");
    button.disabled = true;
    const r = await api("POST", `/api/v1/applications/${this.state.id}/change-requests`, { token: this.state.token, body });
    button.disabled = false;
    if (!r.ok) {
      showProblem(this.form, this.problem, r);
      return;
    }
    say(done, r.data.status === "approved"
      ? `已按本批次规则自动通过：${r.data.decision_reason}`
      : "变更申请已提交，等待评审组决定。");
    say(reroute, reservationsText(r.data.reservations_today));
    this.form.reset();
    this.newStores = null;
    say(this.section.querySelector("#change-file-done"), "");
    this.showKind();
    await this.onChanged();
  }

  async onChanged() {}
}
