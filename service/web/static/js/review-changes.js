// /review: change requests of approved merchants waiting for the panel (GET /api/v1/change-requests),
// each decided here with a reason and the version it was read at (If-Match), so two reviewers
// cannot both decide one; a conflict reloads the list and says so.

import { api, el, problemText, say } from "./common.js";
import { changeText, reservationsText } from "./changes.js";

const KIND_ZH = { add_stores: "新增分店", close_store: "关闭门店", update_store: "修改门店" };

function nowText(c) {
  const n = c.store_now;
  if (!n || c.kind !== "update_store") return "";
  return `现为：每日配送 ${n.daily_capacity} 单${n.radius_m ? ` · 配送半径 ${n.radius_m} 米` : ""}${n.opening_hours ? ` · 营业时间 ${n.opening_hours}` : ""}`;
}

export function wireChangeReview(token, me) {
  const section = document.getElementById("change-requests");
  const list = document.getElementById("change-requests-list");
  const error = document.getElementById("change-requests-error");
  const done = document.getElementById("change-requests-done");
  let seq = 0;

  async function load(note = "") {
    const r = await api("GET", "/api/v1/change-requests", { token });
    if (r.status === 403) return;  // dispatchers: not theirs to decide
    section.hidden = false;
    if (!r.ok) {
      say(error, problemText(r));
      return;
    }
    say(error, "");
    say(done, note);
    list.replaceChildren(...(r.data.length ? r.data.map(item) : [el("li", { class: "hint", text: "暂无" })]));
  }

  function item(c) {
    const id = `cr-${++seq}`;
    const names = { [c.store_id]: c.store_name };
    const reason = el("textarea", { id: `${id}-reason`, rows: 2 });
    const result = el("p", { class: "alert", role: "alert", hidden: true });
    const decide = async (decision, buttons) => {
      if (!reason.value.trim()) {
        say(result, "请填写决定理由。");
        reason.focus();
        return;
      }
      buttons.forEach((b) => { b.disabled = true; });
      const r = await api("POST", `/api/v1/change-requests/${c.id}/decision`, {
        token, body: { decision, reason: reason.value.trim() }, headers: { "If-Match": `"${c.version}"` },
      });
      buttons.forEach((b) => { b.disabled = false; });
      if (r.status === 409 || r.status === 412) {
        await load();
        say(error, "该变更申请刚由他人处理或已有更新，列表已刷新，请重新查看。");
        return;
      }
      if (!r.ok) {
        say(result, problemText(r));
        return;
      }
      const verdict = decision === "approved" ? "已通过" : "已驳回";
      const reroute = decision === "approved" ? reservationsText(r.data.reservations_today) : "";
      await load(`${c.legal_name}：${changeText(c, names)}（${verdict}）。${reroute}`);
    };
    const approve = el("button", { type: "button", text: "通过" });
    const reject = el("button", { type: "button", class: "danger", text: "驳回" });
    approve.addEventListener("click", () => decide("approved", [approve, reject]));
    reject.addEventListener("click", () => decide("rejected", [approve, reject]));
    const mayDecide = me.can_decide;
    return el("li", { class: "change-request", "data-kind": c.kind, "data-id": c.id },
      el("p", {}, el("span", { class: "badge", text: KIND_ZH[c.kind] || c.kind }), " ",
        el("strong", { text: c.legal_name }), "：", changeText(c, names)),
      nowText(c) ? el("p", { class: "hint", text: nowText(c) }) : null,
      c.reason ? el("p", { class: "hint", text: `商家说明：${c.reason}` }) : null,
      c.reservations_today && c.reservations_today.length
        ? el("p", { class: "warning", text: reservationsText(c.reservations_today) }) : null,
      mayDecide ? el("div", { class: "field" }, el("label", { for: `${id}-reason`, text: "决定理由" }), reason) : null,
      mayDecide ? el("div", { class: "decide-actions" }, approve, " ", reject)
        : el("p", { class: "hint", text: "您没有作出决定的权限。" }),
      result);
  }

  load();
}
