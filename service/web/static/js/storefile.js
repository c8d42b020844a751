// The store list from a spreadsheet (CSV or XLSX): the file goes to /api/v1/store-files/check
// as it is; the answer is either the stores as the form would send them, or every bad cell
// named by row and column ("第 37 行「纬度」：…"), listed here before anything is submitted.

import { api, el, problemText, say } from "./common.js";

// Up to this many imported stores become editable cards; more stay a list kept as imported.
const AS_CARDS = 20;
const SHOWN_ERRORS = 300;

export function wireStoreFile(form) {
  const input = form.form.querySelector("#store-file");
  if (!input) return;
  const problem = form.form.querySelector("#store-file-problem");
  const done = form.form.querySelector("#store-file-done");
  const clear = form.form.querySelector("#store-file-clear");
  const cardsUi = [form.form.querySelector("#stores"), form.form.querySelector("#add-store")];

  function imported(stores) {
    form.importedStores = stores;
    cardsUi.forEach((n) => { n.hidden = stores !== null; });
    clear.hidden = stores === null;
  }

  clear.addEventListener("click", () => {
    imported(null);
    input.value = "";
    say(done, "");
    if (!form.stores.length) form.addStore();
  });

  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    problem.hidden = true;
    say(done, "正在读取门店表……");
    const r = await api("POST", "/api/v1/store-files/check", { raw: file });
    if (!r.ok) {
      say(done, "");
      const errors = (r.data && r.data.errors) || [];
      const more = errors.length - SHOWN_ERRORS + ((r.data && r.data.extensions && r.data.extensions.more_errors) || 0);
      problem.replaceChildren(
        el("strong", { text: `门店表未导入：${(r.data && r.data.detail_zh) || problemText(r)}` }),
        el("ul", { class: "file-errors" }, errors.slice(0, SHOWN_ERRORS).map((e) => el("li", { text: e.detail_zh }))),
        more > 0 ? el("p", { text: `……另有 ${more} 处错误未列出。` }) : null,
      );
      problem.hidden = false;
      problem.scrollIntoView({ block: "center" });
      return;
    }
    const { stores, rows } = r.data;
    for (const card of [...form.stores]) form.removeStore(card);
    if (stores.length <= AS_CARDS) {
      imported(null);
      for (const s of stores) form.addStore(s);
    } else {
      imported(stores);
    }
    say(done, `已从「${file.name}」导入 ${stores.length} 家门店（第 ${rows[0]}–${rows[rows.length - 1]} 行）。${stores.length > AS_CARDS ? "提交申请时一并提交；如需修改，请改表格后重新上传。" : "可在下方逐个核对修改。"}`);
  });
}
