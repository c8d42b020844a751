// Form behaviour of the staff pages: Enter in a one-line field never submits, irreversible
// actions ask first, and numbers are checked next to their field before anything is sent.

import { el } from "./common.js";

// Enter in a text input moves on instead of submitting (phones send Enter on "next").
export function noEnterSubmit(form) {
  form.addEventListener("keydown", (event) => {
    const t = event.target;
    if (event.key !== "Enter" || !(t instanceof HTMLInputElement)) return;
    if (["checkbox", "radio", "submit", "button"].includes(t.type)) return;
    event.preventDefault();
  });
}

// A modal question; resolves true only when the confirm button is pressed.
export function confirmAction({ title, text, confirm = "确认", danger = false }) {
  return new Promise((resolve) => {
    const yes = el("button", { type: "button", class: danger ? "danger" : "", text: confirm });
    const no = el("button", { type: "button", class: "secondary", text: "取消" });
    const dialog = el("dialog", { class: "confirm", "aria-labelledby": "confirm-title" },
      el("h2", { id: "confirm-title", text: title }),
      el("p", { text }),
      el("div", { class: "dialog-actions" }, no, yes));
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    yes.addEventListener("click", () => finish(true));
    no.addEventListener("click", () => finish(false));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}

// The value of a number field, or an error message in Chinese for it.
export function numberIn(input, { min, max, integer = false, required = true }) {
  const raw = input.value.trim().replace(/[０-９．]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  const kind = integer ? "整数" : "数字";
  const message = `请输入 ${min} 到 ${max} 之间的${kind}`;
  if (raw === "") return required ? { error: message } : { value: null };
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) return { error: message };
  return { value: n };
}

// Problem-details shaped errors built in the page, so showProblem places them the same way.
export function localProblem(errors) {
  return { ok: false, status: 422, data: { errors: errors.map(([pointer, message]) => ({ pointer, detail_zh: message })) } };
}
