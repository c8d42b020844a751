// The applicant's evidence on /status: upload (the file itself as the body), list, download;
// and each reviewer question with its answer box and upload controls beside it.

import { api, el, labels, problemText } from "./common.js";

export function kindZh(kind) {
  return (labels.documents && labels.documents[kind]) || kind;
}

function sizeText(bytes) {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

export class Documents {
  constructor(section, state) {
    this.section = section;
    this.state = state; // { id, token }
    this.maxBytes = Number(section.dataset.maxBytes) || 5242880;
    this.items = [];
    this.list = section.querySelector("#doc-list");
    this.onChange = () => {};
    uploadControl(this, section.querySelector("#doc-upload"), () => section.querySelector("#doc-kind").value);
  }

  async load() {
    const r = await api("GET", `/api/v1/applications/${this.state.id}/documents`, { token: this.state.token });
    this.items = r.ok ? r.data : [];
    this.render();
    this.onChange();
  }

  render() {
    this.list.replaceChildren(
      ...(this.items.length
        ? this.items.map((d) => documentItem(d, (doc) => this.download(doc)))
        : [el("li", { class: "hint", text: "尚未上传材料。" })]),
    );
  }

  ofKind(kind) {
    return this.items.filter((d) => d.kind === kind);
  }

  // Checked here for size only (a phone should not send 20 MB to be told no); the service
  // decides the type from the content.
  async upload(kind, file) {
    if (!file) return { ok: false, message: "请先选择要上传的文件。" };
    if (file.size > this.maxBytes) {
      return { ok: false, message: `文件过大：每个文件不能超过 ${this.maxBytes / 1048576} MB，请压缩后重试。` };
    }
    const query = new URLSearchParams({ kind, filename: file.name });
    const r = await api("POST", `/api/v1/applications/${this.state.id}/documents?${query}`, {
      token: this.state.token, raw: file,
    });
    if (!r.ok) return { ok: false, message: problemText(r) };
    await this.load();
    return { ok: true, message: `已上传：${r.data.filename}（${kindZh(r.data.kind)}）` };
  }

  async download(doc) {
    await downloadDocument(doc, this.state.token);
  }
}

// The file through fetch (the token travels in a header, never in a link), saved by the browser.
export async function downloadDocument(doc, token) {
  const res = await fetch(doc.download_url, {
    headers: { Authorization: `Bearer ${token}` }, credentials: "omit", cache: "no-store",
  });
  if (!res.ok) return;
  const url = URL.createObjectURL(await res.blob());
  const a = el("a", { href: url, download: doc.filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// One line per document: kind, file name, size and time, a download button.
export function documentItem(d, onDownload) {
  return el("li", { class: "doc" },
    el("span", { class: "badge", text: kindZh(d.kind) }), " ",
    el("span", { class: "doc-name", text: d.filename }), " ",
    el("span", { class: "hint", text: `${sizeText(d.size_bytes)} · ${d.uploaded_at.slice(0, 16).replace("T", " ")}` }), " ",
    el("button", { type: "button", class: "link", text: "下载", "aria-label": `下载 ${d.filename}`, onclick: () => onDownload(d) }));
}

// Wires a block holding a file input, a button, an error line and a done line.
function uploadControl(docs, box, kindOf) {
  const input = box.querySelector('input[type="file"]');
  const button = box.querySelector("button");
  const error = box.querySelector(".field-error");
  const done = box.querySelector(".success");
  const clear = () => {
    error.hidden = true;
    done.hidden = true;
    input.removeAttribute("aria-invalid");
  };
  input.addEventListener("change", clear);
  button.addEventListener("click", async () => {
    clear();
    button.disabled = true;
    const before = button.textContent;
    button.textContent = "正在上传……";
    const result = await docs.upload(kindOf(), input.files[0]);
    button.disabled = false;
    button.textContent = before;
    if (!result.ok) {
      error.textContent = result.message;
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
      return;
    }
    input.value = "";
    done.textContent = result.message;
    done.hidden = false;
  });
}

let controlSeq = 0;

// An upload row: "上传营业执照" (a requested kind) or a kind to choose.
function uploadRow(docs, kind) {
  const n = ++controlSeq;
  const chooser = kind ? null : el("select", { id: `rq-kind-${n}`, "aria-label": "材料类型" },
    Object.entries(labels.documents || {}).map(([code, zh]) => el("option", { value: code, text: zh })));
  const uploaded = kind ? docs.ofKind(kind) : [];
  const box = el("div", { class: "upload" },
    el("label", { for: `rq-file-${n}`, text: kind ? `上传${kindZh(kind)}` : "附上材料（可选）" }),
    uploaded.length ? el("p", { class: "done", text: `已上传：${uploaded.map((d) => d.filename).join("、")}` }) : null,
    chooser,
    el("input", { id: `rq-file-${n}`, type: "file", accept: ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png" }),
    el("button", { type: "button", class: "secondary", text: "上传" }),
    el("p", { class: "field-error", role: "alert", hidden: true }),
    el("p", { class: "success", role: "status", hidden: true }),
  );
  uploadControl(docs, box, () => kind || chooser.value);
  return box;
}

// The reviewers' questions; an open one has its answer box and upload controls beside it.
export function renderRequests(list, requests, { open, docs, answer }) {
  if (!requests.length) {
    list.replaceChildren(el("li", { class: "done", text: "无" }));
    return;
  }
  list.replaceChildren(...requests.map((r) => {
    const question = el("div", { class: "question" },
      el("p", {}, el("strong", { text: "提问：" }), r.question),
      el("p", { class: "hint", text: `${r.requested_by || "评审"} · ${(r.requested_at || "").slice(0, 16).replace("T", " ")}` }),
      (r.requested_documents || []).length
        ? el("p", { class: "due", text: `需要提供：${r.requested_documents.map(kindZh).join("、")}` }) : null,
      r.answer ? el("p", {}, el("strong", { text: "已回复：" }), r.answer) : null);
    if (r.answer || !open) return el("li", { class: "request" }, question);
    const n = ++controlSeq;
    const text = el("textarea", { id: `rq-answer-${n}`, rows: 3 });
    const error = el("p", { class: "field-error", role: "alert", hidden: true });
    const send = el("button", { type: "button", text: "发送回复" });
    send.addEventListener("click", async () => {
      error.hidden = true;
      if (!text.value.trim()) {
        error.textContent = "请填写回复内容";
        error.hidden = false;
        text.focus();
        return;
      }
      send.disabled = true;
      const message = await answer(text.value);
      send.disabled = false;
      if (message) {
        error.textContent = message;
        error.hidden = false;
      }
    });
    text.addEventListener("input", () => { error.hidden = true; });
    const kinds = r.requested_documents || [];
    const reply = el("div", { class: "reply" },
      el("div", { class: "field" }, el("label", { for: `rq-answer-${n}`, text: "回复此提问" }), text, error, send),
      ...(kinds.length ? kinds.map((k) => uploadRow(docs, k)) : [uploadRow(docs, null)]));
    return el("li", { class: "request open" }, question, reply);
  }));
}
