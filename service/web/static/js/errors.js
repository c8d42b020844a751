// Problem details from the API, shown next to the fields their JSON pointers name.

import { el, problemText } from "./common.js";

let errorSeq = 0;

function visible(node) {
  return !node.closest("[hidden]");
}

function byPointer(root, pointer) {
  return root.querySelector(`[data-pointer="${CSS.escape(pointer)}"]`);
}

// The element for a pointer: itself, else its nearest ancestor pointer that is on the page.
function target(root, pointer) {
  let p = pointer === "/" ? "" : pointer;
  for (;;) {
    const node = byPointer(root, p);
    if (node && visible(node)) return node;
    if (node) {
      let up = node.parentElement && node.parentElement.closest("[data-pointer]");
      while (up && !visible(up)) up = up.parentElement && up.parentElement.closest("[data-pointer]");
      if (up) return up;
    }
    if (!p) return null;
    p = p.slice(0, p.lastIndexOf("/"));
  }
}

export function clearErrors(root) {
  root.querySelectorAll(".field-error").forEach((n) => n.remove());
  root.querySelectorAll(".has-error").forEach((n) => n.classList.remove("has-error"));
  root.querySelectorAll("[aria-invalid]").forEach((n) => {
    n.removeAttribute("aria-invalid");
    const ids = (n.getAttribute("aria-describedby") || "").split(" ").filter((i) => i && !i.startsWith("err-"));
    if (ids.length) n.setAttribute("aria-describedby", ids.join(" "));
    else n.removeAttribute("aria-describedby");
  });
}

function addError(node, message) {
  let box = node.querySelector(":scope > .field-error");
  if (!box) {
    box = el("p", { class: "field-error", id: `err-${++errorSeq}` });
    node.append(box);
  }
  box.append(el("span", { text: message }));
  node.classList.add("has-error");
  const input = node.querySelector("input:not([type=hidden]), select, textarea");
  if (input) {
    input.setAttribute("aria-invalid", "true");
    const ids = new Set((input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
    ids.add(box.id);
    input.setAttribute("aria-describedby", [...ids].join(" "));
  }
}

const summaries = new WeakMap();

// An error leaves its field as soon as the field is edited; the summary goes with the last.
// (Whether the new value is right, the next submission says: the rules live in the API.)
function clearOnEdit(root) {
  if (summaries.has(root)) return;
  const clear = (event) => {
    const holder = event.target.closest && event.target.closest(".has-error");
    if (!holder || !root.contains(holder)) return;
    holder.querySelectorAll(":scope > .field-error").forEach((n) => n.remove());
    holder.classList.remove("has-error");
    holder.querySelectorAll("[aria-invalid]").forEach((n) => {
      if (n.closest(".has-error") !== null && n.closest(".has-error") !== holder) return;
      n.removeAttribute("aria-invalid");
      const ids = (n.getAttribute("aria-describedby") || "").split(" ").filter((i) => i && !i.startsWith("err-"));
      if (ids.length) n.setAttribute("aria-describedby", ids.join(" "));
      else n.removeAttribute("aria-describedby");
    });
    const summary = summaries.get(root);
    if (summary && !root.querySelector(".has-error")) summary.hidden = true;
  };
  root.addEventListener("input", clear);
  root.addEventListener("change", clear);
}

// Shows every error of a problem at once; returns the number placed next to fields.
export function showProblem(root, summary, result) {
  clearOnEdit(root);
  summaries.set(root, summary);
  clearErrors(root);
  const errors = (result.data && result.data.errors) || [];
  const loose = [];
  let placed = 0;
  for (const err of errors) {
    const message = err.detail_zh || err.detail_en || err.code;
    const node = target(root, err.pointer || "");
    if (node) {
      addError(node, message);
      placed += 1;
    } else {
      loose.push(`${err.pointer}：${message}`);
    }
  }
  const title = errors.length
    ? `有 ${errors.length} 个字段需要修改：请按各字段旁的红色提示修改后重新提交。`
    : problemText(result);
  summary.replaceChildren(
    ...[
      el("strong", { text: title }),
      loose.length ? el("ul", {}, loose.map((t) => el("li", { text: t }))) : null,
    ].filter(Boolean),
  );
  summary.hidden = false;
  const first = root.querySelector(".has-error");
  if (first) {
    first.scrollIntoView({ block: "center" });
    const input = first.querySelector("input, select, textarea");
    if (input) input.focus({ preventScroll: true });
  } else {
    summary.scrollIntoView({ block: "center" });
  }
  return placed;
}
