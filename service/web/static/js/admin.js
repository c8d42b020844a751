// /admin: staff users (token shown once, revoke), rounds (open/close, rescore, new round),
// each round's panel and its rubric versions side by side.

import { api, el, labels, problemText, say } from "./common.js";
import { clearErrors, showProblem } from "./errors.js";
import { confirmAction, localProblem, noEnterSubmit, numberIn } from "./forms.js";
import { requireStaff } from "./staff.js";

const state = { token: "", users: [], rounds: [], round: null, rubric: null };
const ROLE_ZH = { admin: "管理员", reviewer: "评审", dispatcher: "调度员" };
const ROUND_ZH = { open: "进行中", closed: "已结束" };
const RUBRIC_ZH = {
  merchant_weights: "商家权重", ngo_weights: "公益伙伴权重", priority_weights: "重点人群权重", gates: "门槛",
  walking_distance_m: "步行距离（米）", target_stores_per_community: "每社区目标门店数",
  coverage_full_marks: "覆盖满分人口", delivery_full_households: "配送满分户数", daily_capacity_full_marks: "日配送满分单数",
  trained_staff_full_marks: "受训员工满分人数",
  track_record_unknown_score: "无履约记录时的中性分", track_record_max_violations: "违规分扣完的违规次数", ngo_population_full_marks: "公益伙伴满分人口", experience_half_years: "经验半分年数",
  people_per_100_households_half: "每百户人员半分数", contested_spread: "意见分歧阈值", panel_auto_weight: "自动得分在评审组中的权重",
  residents: "居民", elderly: "老年人", elderly_alone: "独居老人", disabled: "残障人士", mothers_infants: "母婴", children: "儿童",
  require_wechat_pay: "须有微信支付商户号", require_eligible_category: "须经营可用券品类", max_distance_to_pilot_m: "距试点社区最远（米）",
  change_rules: "门店变更自动通过", auto_add_stores: "新增分店通过门槛且增加覆盖", auto_increases: "配送门店提高配送能力或半径",
  max_increase_factor: "最多提高到原来的倍数",
};
const api_ = (method, path, body) => api(method, path, { token: state.token, body });

requireStaff(async (me, token) => {
  state.token = token;
  const isAdmin = me.role === "admin";
  document.getElementById("admin-only").hidden = isAdmin;
  document.getElementById("admin").hidden = !isAdmin;
  if (!isAdmin) return;
  await Promise.all([loadUsers(), loadRounds()]);
});

// ---- staff users ----

async function loadUsers() {
  const r = await api_("GET", "/api/v1/users");
  if (!r.ok) {
    say(document.getElementById("users-done"), problemText(r));
    return;
  }
  state.users = r.data;
  document.querySelector("#users tbody").replaceChildren(...r.data.map((u) =>
    el("tr", { "data-user": u.name },
      el("td", { class: "name", text: u.name }),
      el("td", { "data-label": "角色", text: ROLE_ZH[u.role] || u.role }),
      el("td", { "data-label": "可作决定", text: u.can_decide ? "是" : "否" }),
      el("td", { class: "num", "data-label": "有效令牌", text: String(u.active_tokens) }),
      el("td", { class: "actions" }, el("div", { class: "actions-cell" },
        el("button", { type: "button", class: "danger", disabled: u.active_tokens === 0,
          "aria-label": `撤销 ${u.name} 的令牌`, text: "撤销令牌", onclick: () => revoke(u.name) }))))));
  if (state.round) await loadPanel();
}

async function revoke(name) {
  const sure = await confirmAction({
    title: `撤销 ${name} 的全部令牌？`,
    text: "撤销后此人立即无法登录，正在使用的页面也会失效。此操作不能撤销；需要时请新建用户。",
    confirm: "撤销令牌",
    danger: true,
  });
  if (!sure) return;
  const r = await api_("DELETE", `/api/v1/users/${encodeURIComponent(name)}/tokens`);
  await loadUsers();
  say(document.getElementById("users-done"), r.ok ? `已撤销 ${name} 的全部令牌。` : problemText(r));
}

const userForm = document.getElementById("user-form");
noEnterSubmit(userForm);
userForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const problem = document.getElementById("user-problem");
  const name = document.getElementById("user-name").value.trim();
  if (!/^[\w.\-@]{1,100}$/.test(name)) {
    showProblem(userForm, problem, localProblem([["/name", "请输入用户名：1 到 100 个字母、数字或 . - _ @，不含空格"]]));
    return;
  }
  const body = { name, role: document.getElementById("user-role").value, can_decide: document.getElementById("user-can-decide").checked };
  const r = await api_("POST", "/api/v1/users", body);
  if (!r.ok) {
    showProblem(userForm, problem, r);
    return;
  }
  clearErrors(userForm);
  problem.hidden = true;
  userForm.reset();
  showToken(r.data);
  await loadUsers();
});

// The token exists only in this answer: shown once, with a copy button, until dismissed.
function showToken(user) {
  const box = document.getElementById("new-token");
  const code = el("code", { id: "new-token-value", text: user.token });
  const copied = el("span", { class: "hint", role: "status" });
  box.replaceChildren(
    el("strong", { text: `已创建 ${user.name}（${ROLE_ZH[user.role]}${user.can_decide ? "，可作决定" : ""}）。令牌只显示这一次：` }),
    code,
    el("p", { class: "hint", text: "请现在复制并当面或通过安全渠道交给本人；关闭后无法再次查看，遗失只能撤销后新建用户。" }),
    el("div", { class: "actions-cell" },
      el("button", { type: "button", class: "secondary", text: "复制令牌", onclick: async () => {
        try {
          await navigator.clipboard.writeText(user.token);
          copied.textContent = "已复制。";
        } catch {
          copied.textContent = "无法自动复制，请长按令牌手动复制。";
        }
      } }),
      el("button", { type: "button", text: "我已保存，隐藏令牌", onclick: () => { box.replaceChildren(); box.hidden = true; } }),
      copied));
  box.hidden = false;
  box.scrollIntoView({ block: "center" });
}

// ---- rounds ----

async function loadRounds() {
  const r = await api_("GET", "/api/v1/rounds");
  const error = document.getElementById("rounds-error");
  if (!r.ok) {
    say(error, problemText(r));
    return;
  }
  say(error, "");
  state.rounds = r.data;
  document.querySelector("#rounds tbody").replaceChildren(...r.data.map((round) =>
    el("tr", { "data-round": round.code },
      el("td", { class: "name" }, el("strong", { text: round.name }), el("br"), el("span", { class: "hint", text: round.code })),
      el("td", { "data-label": "状态", text: ROUND_ZH[round.status] || round.status }),
      el("td", { class: "num", "data-label": "细则版本", text: round.rubric_version == null ? "—" : `第 ${round.rubric_version} 版` }),
      el("td", { class: "num", "data-label": "申请数", text: String(round.applications) }),
      el("td", { class: "actions" }, el("div", { class: "actions-cell" },
        el("button", { type: "button", class: "secondary", text: round.status === "open" ? "关闭批次" : "开启批次",
          onclick: () => setStatus(round, round.status === "open" ? "closed" : "open") }),
        el("button", { type: "button", class: "secondary", text: "重新评分", onclick: () => rescore(round) }),
        el("button", { type: "button", text: "评审组与细则", "aria-controls": "round-detail", onclick: () => openRound(round.code) }))))));
}

async function setStatus(round, status) {
  if (status === "closed") {
    const sure = await confirmAction({
      title: `关闭「${round.name}」？`,
      text: "关闭后不再接受新的申请；已有申请仍可评审。之后可以重新开启。",
      confirm: "关闭批次",
    });
    if (!sure) return;
  }
  const r = await api_("PATCH", `/api/v1/rounds/${encodeURIComponent(round.code)}`, { status });
  await loadRounds();
  say(document.getElementById("rounds-done"), r.ok ? `「${round.name}」已${status === "open" ? "开启" : "关闭"}。` : problemText(r));
}

async function rescore(round) {
  const done = document.getElementById("rounds-done");
  say(done, `正在重新评分「${round.name}」……`);
  const r = await api_("POST", `/api/v1/rounds/${encodeURIComponent(round.code)}/rescore`);
  say(done, r.ok ? `「${round.name}」已按第 ${r.data.rubric_version ?? round.rubric_version} 版细则重新评分 ${r.data.rescored} 份申请。` : problemText(r));
}

const roundForm = document.getElementById("round-form");
noEnterSubmit(roundForm);
roundForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const problem = document.getElementById("round-problem");
  const code = document.getElementById("round-code").value.trim().toLowerCase();
  const name = document.getElementById("round-name").value.trim();
  const wrong = [];
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(code)) wrong.push(["/code", "请输入 2 到 63 个小写字母、数字或连字符，例如 beijing-3"]);
  if (name.length < 2) wrong.push(["/name", "请输入批次名称（至少 2 个字）"]);
  if (wrong.length) {
    showProblem(roundForm, problem, localProblem(wrong));
    return;
  }
  const r = await api_("POST", "/api/v1/rounds", { code, name });
  if (!r.ok) {
    showProblem(roundForm, problem, r);
    return;
  }
  clearErrors(roundForm);
  problem.hidden = true;
  roundForm.reset();
  say(document.getElementById("rounds-done"), `已创建「${name}」。`);
  await loadRounds();
  await openRound(code);
});

// ---- one round: panel and rubric versions ----

async function openRound(code) {
  state.round = state.rounds.find((r) => r.code === code) || { code, name: code };
  const detail = document.getElementById("round-detail");
  document.getElementById("detail-title").textContent = `${state.round.name}（${code}）`;
  detail.hidden = false;
  await Promise.all([loadPanel(), loadRubrics()]);
  detail.scrollIntoView({ block: "start" });
}

async function loadPanel() {
  const code = state.round.code;
  const r = await api_("GET", `/api/v1/rounds/${encodeURIComponent(code)}/reviewers`);
  const members = r.ok ? r.data : [];
  document.getElementById("panel").replaceChildren(...(members.length ? members.map((m) =>
    el("li", { "data-member": m.name },
      el("span", { text: `${m.name}（${ROLE_ZH[m.role] || m.role}${m.can_decide ? "，可作决定" : ""}）` }),
      el("button", { type: "button", class: "link", "aria-label": `把 ${m.name} 移出评审组`, text: "移出", onclick: () => unassign(m.name) })))
    : [el("li", { class: "hint", text: r.ok ? "评审组还没有成员。" : problemText(r) })]));
  const on = new Set(members.map((m) => m.name));
  const candidates = state.users.filter((u) => u.role !== "dispatcher" && !on.has(u.name) && u.active_tokens > 0);
  const select = document.getElementById("panel-user");
  // Rebuilt when the staff list changes too: keep what the admin had already chosen.
  const chosen = select.value;
  select.replaceChildren(...candidates.map((u) => el("option", { value: u.name, text: `${u.name}（${ROLE_ZH[u.role]}）` })));
  if (candidates.some((u) => u.name === chosen)) select.value = chosen;
  document.querySelector("#panel-form button[type=submit]").disabled = !candidates.length;
}

async function unassign(name) {
  const r = await api_("DELETE", `/api/v1/rounds/${encodeURIComponent(state.round.code)}/reviewers/${encodeURIComponent(name)}`);
  if (!r.ok) say(document.getElementById("panel-problem"), problemText(r));
  await loadPanel();
}

const panelForm = document.getElementById("panel-form");
panelForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = document.getElementById("panel-user").value;
  if (!name) return;
  const r = await api_("PUT", `/api/v1/rounds/${encodeURIComponent(state.round.code)}/reviewers/${encodeURIComponent(name)}`);
  say(document.getElementById("panel-problem"), r.ok ? "" : problemText(r));
  await loadPanel();
});

function flatten(obj, prefix = "", out = {}) {
  for (const [k, v] of Object.entries(obj || {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object" && !Array.isArray(v)) flatten(v, key, out);
    else out[key] = v;
  }
  return out;
}

function keyZh(key) {
  return key.split(".").map((p) => RUBRIC_ZH[p] || labels.criteria[p] || p).join(" · ");
}

async function loadRubrics() {
  const table = document.getElementById("rubrics");
  const r = await api_("GET", `/api/v1/rounds/${encodeURIComponent(state.round.code)}/rubrics`);
  if (!r.ok) {
    table.replaceChildren(el("caption", { text: problemText(r) }));
    return;
  }
  const versions = r.data.map((v) => ({ ...v, flat: flatten(v.rubric) }));
  const keys = [...new Set(versions.flatMap((v) => Object.keys(v.flat)))];
  const latest = versions[versions.length - 1];
  state.rubric = latest;
  const show = (v) => (v === undefined ? "—" : typeof v === "boolean" ? (v ? "是" : "否") : String(v));
  // The last column edits a copy of the latest version: saved as the next version.
  const editor = (key) => {
    const v = latest.flat[key];
    const attrs = { "data-key": key, "aria-label": `新版本：${keyZh(key)}` };
    if (typeof v === "boolean") return el("input", { ...attrs, type: "checkbox", checked: v });
    if (typeof v === "number") return el("input", { ...attrs, class: "rubric-value", inputmode: "decimal", autocomplete: "off", value: String(v) });
    return el("span", { text: show(v) });
  };
  table.replaceChildren(
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "项目" }),
      versions.map((v) => el("th", { scope: "col", text: `第 ${v.version} 版`, title: `${v.created_by} · ${v.created_at.slice(0, 10)}` })),
      el("th", { scope: "col", text: `拟定第 ${latest.version + 1} 版` }))),
    el("tbody", {}, keys.map((key) => el("tr", {},
      el("th", { scope: "row", text: keyZh(key) }),
      versions.map((v, i) => el("td", {
        class: i > 0 && JSON.stringify(v.flat[key]) !== JSON.stringify(versions[i - 1].flat[key]) ? "changed num" : "num",
        text: show(v.flat[key]),
      })),
      el("td", { class: "field", "data-pointer": `/rubric/${key.replaceAll(".", "/")}` }, editor(key))))),
  );
  document.getElementById("rubric-save").textContent = `保存为第 ${latest.version + 1} 版`;
}

function unflatten(flat) {
  const out = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split(".");
    let node = out;
    for (const p of parts.slice(0, -1)) node = node[p] ??= {};
    node[parts[parts.length - 1]] = value;
  }
  return out;
}

const rubricForm = document.getElementById("rubric-form");
noEnterSubmit(rubricForm);
rubricForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const problem = document.getElementById("rubric-problem");
  const done = document.getElementById("rubric-done");
  const flat = { ...state.rubric.flat };
  const wrong = [];
  rubricForm.querySelectorAll("[data-key]").forEach((input) => {
    const key = input.dataset.key;
    if (input.type === "checkbox") {
      flat[key] = input.checked;
      return;
    }
    const n = numberIn(input, { min: 0, max: 1000000 });
    if (n.error) wrong.push([`/rubric/${key.replaceAll(".", "/")}`, n.error]);
    else flat[key] = n.value;
  });
  if (wrong.length) {
    say(done, "");
    showProblem(rubricForm, problem, localProblem(wrong));
    return;
  }
  const unchanged = Object.keys(flat).every((k) => JSON.stringify(flat[k]) === JSON.stringify(state.rubric.flat[k]));
  if (unchanged) {
    say(done, "");
    showProblem(rubricForm, problem, { ok: false, status: 422, data: { detail_zh: "与最新版本相同：请先在最后一列修改至少一项。" } });
    return;
  }
  const r = await api_("PUT", `/api/v1/rounds/${encodeURIComponent(state.round.code)}/rubric`, { rubric: unflatten(flat) });
  if (!r.ok) {
    say(done, "");
    showProblem(rubricForm, problem, r);
    return;
  }
  clearErrors(rubricForm);
  problem.hidden = true;
  await Promise.all([loadRubrics(), loadRounds()]);
  say(done, `已保存第 ${r.data.rubric_version} 版。已有评分卡仍按旧版本计算，点「重新评分」后按新版本计算。`);
});
