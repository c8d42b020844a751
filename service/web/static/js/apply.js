// /apply: submit the application; errors next to their fields; on success the token, once.

import { api, fragmentParams, problemText, say, statusZh } from "./common.js";
import { ApplicationForm } from "./appform.js";
import { clearErrors, showProblem } from "./errors.js";
import { dueLabel } from "./checklist.js";
import { el } from "./common.js";

const formNode = document.getElementById("application-form");
const summary = document.getElementById("problem");
const form = new ApplicationForm(formNode);
const round = new URLSearchParams(window.location.search).get("round");
if (round) form.setValue("round", round);
// An invitation from a frontline worker (in the fragment: never sent to the server, so never
// in a log): prefill what the lead knows; the link is used up only by the submission.
const invite = fragmentParams().get("invite");
if (invite) prefill(invite);

async function prefill(token) {
  const note = document.getElementById("invite-note");
  const r = await api("POST", "/api/v1/invitations/open", { body: { token } });
  if (!r.ok) {
    note.className = "alert";
    say(note, `邀请链接不可用：${problemText(r)} 您仍可直接填写申请。`);
    return;
  }
  const lead = r.data;
  form.fill({
    kind: "merchant", round: lead.round, legal_name: lead.legal_name,
    settlement_contact: lead.contact || {},
    stores: [{ name: lead.legal_name, address: lead.address, location: lead.location }],
  });
  // The kind and round are the invitation's, but the merchant may still choose.
  formNode.querySelectorAll('[name="kind"]').forEach((k) => { k.disabled = false; });
  say(note, "已根据工作人员的走访记录预填部分内容，请核对并补充。");
}

let busy = false;
formNode.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (busy) return;
  busy = true;
  const button = document.getElementById("submit");
  button.disabled = true;
  button.textContent = "正在提交……";
  summary.hidden = true;
  const result = await api("POST", "/api/v1/applications", {
    body: form.read(),
    headers: { "Idempotency-Key": crypto.randomUUID() },
  });
  busy = false;
  button.disabled = false;
  button.textContent = "提交申请";
  if (!result.ok) {
    showProblem(formNode, summary, result);
    return;
  }
  clearErrors(formNode);
  summary.hidden = true;
  if (invite) {
    // Tell the field team this application came from their visit (uses the link up).
    await api("POST", `/api/v1/applications/${result.data.id}/invitation`, {
      token: result.data.applicant_token, body: { token: invite },
    });
  }
  created(result.data);
});

function created(data) {
  document.getElementById("apply-section").hidden = true;
  const box = document.getElementById("created");
  document.getElementById("created-id").textContent = data.id;
  document.getElementById("created-status").textContent = statusZh(data.status);
  document.getElementById("created-token").value = data.applicant_token;
  const fragment = new URLSearchParams({ id: data.id, token: data.applicant_token });
  document.getElementById("status-link").href = `/status#${fragment}`;
  const due = data.requirements.currently_due || [];
  const errors = data.requirements.errors || [];
  const dueBox = document.getElementById("created-due");
  dueBox.replaceChildren(
    due.length || errors.length ? el("h3", { text: "还需补充或修正" }) : el("p", { text: "材料齐全，已进入评审。" }),
    el("ul", {}, due.map((d) => el("li", { text: dueLabel(d) })), errors.map((e) => el("li", { text: e.reason_zh }))),
  );
  box.hidden = false;
  box.scrollIntoView({ block: "start" });
  document.getElementById("created-token").select();
}
