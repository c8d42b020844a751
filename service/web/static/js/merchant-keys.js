// /admin, 商户数据接口密钥: approved merchants and their data feed keys. Issue or rotate (the
// key is shown once), revoke. Runs once admin.js has shown the admin section.

import { api, el, problemText, say } from "./common.js";
import { staffToken } from "./staff.js";

const section = document.getElementById("admin");
const problem = document.getElementById("keys-problem");

function whenShown(run) {
  if (!section.hidden) return run();
  const watch = new MutationObserver(() => {
    if (!section.hidden) {
      watch.disconnect();
      run();
    }
  });
  watch.observe(section, { attributes: true, attributeFilter: ["hidden"] });
}

whenShown(load);

async function load() {
  const token = staffToken();
  const r = await api("GET", "/api/v1/applications?status=approved&kind=merchant&per_page=100", { token });
  if (!r.ok) {
    say(problem, problemText(r));
    return;
  }
  const rows = await Promise.all(r.data.items.map(async (item) => {
    const info = await api("GET", `/api/v1/merchants/${item.id}/key`, { token });
    return row(item, info.ok ? info.data : null);
  }));
  document.querySelector("#merchant-keys tbody").replaceChildren(...rows);
}

function row(item, info) {
  const name = item.legal_name;
  const active = info && info.active;
  const status = active ? `有效（${new Date(info.created_at).toLocaleString("zh-CN", { hour12: false })} 由 ${info.created_by} 签发）` : "未签发或已撤销";
  return el("tr", { "data-application": item.id },
    el("th", { scope: "row", text: name }),
    el("td", { text: status }),
    el("td", { class: "actions-cell" },
      el("button", { type: "button", class: "secondary", text: active ? "轮换密钥" : "签发密钥",
        onclick: () => issue(item.id, name) }),
      active ? el("button", { type: "button", class: "secondary", text: "撤销",
        onclick: () => revoke(item.id) }) : null));
}

async function issue(id, name) {
  const r = await api("POST", `/api/v1/merchants/${id}/key`, { token: staffToken() });
  if (!r.ok) {
    say(problem, problemText(r));
    return;
  }
  say(problem, "");
  const box = document.getElementById("new-key");
  box.replaceChildren(
    el("strong", { text: `${name} 的新密钥${r.data.revoked_previous ? "（旧密钥已失效）" : ""}，只显示这一次：` }),
    el("code", { id: "new-key-value", text: r.data.key }),
    el("p", { class: "hint", text: "请通过安全渠道交给商户的数据对接负责人；关闭后无法再次查看，遗失只能轮换。" }),
    el("button", { type: "button", text: "我已保存，隐藏密钥", onclick: () => { box.replaceChildren(); box.hidden = true; } }));
  box.hidden = false;
  await load();
}

async function revoke(id) {
  const r = await api("DELETE", `/api/v1/merchants/${id}/key`, { token: staffToken() });
  if (!r.ok) say(problem, problemText(r));
  else await load();
}
