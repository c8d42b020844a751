// /apply: submit the application; errors next to their fields; on success the token, once.

import { api, statusZh } from "./common.js";
import { ApplicationForm } from "./appform.js";
import { clearErrors, showProblem } from "./errors.js";
import { dueLabel } from "./checklist.js";
import { el } from "./common.js";

const formNode = document.getElementById("application-form");
const summary = document.getElementById("problem");
const form = new ApplicationForm(formNode);
const round = new URLSearchParams(window.location.search).get("round");
if (round) form.setValue("round", round);

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
