// Shared helpers: the API client, labels rendered by the server, a tiny DOM builder.

export const labels = JSON.parse(document.getElementById("boai-labels").textContent);

export const tiles = {
  url: document.body.dataset.tileUrl || "",
  crs: document.body.dataset.tileCrs || "wgs84",
  attribution: document.body.dataset.tileAttribution || "",
};

export function statusZh(status) {
  return labels.status[status] || status;
}

export const UNAVAILABLE = "服务暂时不可用，请稍后再试。您填写的内容仍保留在本页，不会丢失。";
const OFFLINE = "您的设备当前没有连接网络，请连接网络后重试。";

// Calls the API; never throws. Problem details come back as `data` with ok=false.
// `raw` sends a Blob or File as it is (an upload) instead of JSON.
export async function api(method, path, { token, body, raw, headers = {}, contentType } = {}) {
  const h = { Accept: "application/json, application/problem+json", ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    h["Content-Type"] = contentType || "application/json";
    payload = JSON.stringify(body);
  } else if (raw !== undefined) {
    h["Content-Type"] = contentType || raw.type || "application/octet-stream";
    payload = raw;
  }
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: payload, credentials: "omit", cache: "no-store" });
  } catch {
    // The browser knows when the device itself is offline; otherwise the service is down.
    const offline = navigator.onLine === false;
    return { ok: false, status: 0, data: { detail_zh: offline ? OFFLINE : UNAVAILABLE } };
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail_zh: `服务返回了无法识别的内容（HTTP ${res.status}）。` };
    }
  }
  if ([502, 503, 504].includes(res.status)) data = { ...(data || {}), detail_zh: UNAVAILABLE };
  return { ok: res.ok, status: res.status, data, etag: res.headers.get("ETag") };
}

export function problemText(result) {
  const d = result.data || {};
  if (result.status === 401) return d.detail_zh || "令牌无效或已失效，请重新登录。";
  return d.detail_zh || d.title_zh || d.detail || `请求失败（HTTP ${result.status}）。`;
}

// el("p", {class: "x", text: "..."}, child, ...): text only, never HTML.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function show(node, visible = true) {
  node.hidden = !visible;
}

export function say(node, text) {
  node.textContent = text || "";
  node.hidden = !text;
}

// Parameters carried in the URL fragment (#id=...&token=...): never sent to the server.
export function fragmentParams() {
  return new URLSearchParams(window.location.hash.replace(/^#/, ""));
}

export function fmt(n, digits = 1) {
  return typeof n === "number" && Number.isFinite(n) ? n.toFixed(digits) : "—";
}
