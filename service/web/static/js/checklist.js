// The requirements checklist (currently_due, errors, info_requests) in Chinese.

import { el } from "./common.js";

const FIELD_ZH = {
  wechat_pay_mch_id: "微信支付直连商户号",
  settlement_contact: "结算对账联系人",
  data_feedback: "数据反馈承诺",
  trained_staff: "已参加培训的员工人数",
  stores: "至少一家门店",
  contact: "联系人",
  communities_served: "服务的试点社区或服务区域",
  disaster_experience_years: "救灾工作年限",
  staff: "专职人员或志愿者人数",
  capabilities: "服务能力",
};

export function dueLabel(item) {
  if (item.startsWith("info_requests/")) return "回复评审提问";
  return FIELD_ZH[item] || item;
}

export function renderDue(list, due) {
  list.replaceChildren(
    ...(due.length ? due.map((d) => el("li", { class: "due", text: dueLabel(d) })) : [el("li", { class: "done", text: "无" })]),
  );
}

export function renderErrors(list, errors) {
  list.replaceChildren(
    ...(errors.length ? errors.map((e) => el("li", { class: "bad", text: e.reason_zh || e.reason_en })) : [el("li", { class: "done", text: "无" })]),
  );
}

export function renderRequests(list, requests) {
  list.replaceChildren(
    ...(requests.length
      ? requests.map((r) =>
        el("li", { class: "request" },
          el("p", {}, el("strong", { text: "提问：" }), r.question),
          el("p", { class: "hint", text: `${r.requested_by || "评审"} · ${(r.requested_at || "").slice(0, 16).replace("T", " ")}` }),
          r.answer ? el("p", {}, el("strong", { text: "已回复：" }), r.answer) : el("p", { class: "due", text: "待回复：请在下方“回复评审提问”中作答并保存。" })))
      : [el("li", { class: "done", text: "无" })]),
  );
}
