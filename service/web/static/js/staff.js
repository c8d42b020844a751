// Staff sign-in: the token is checked with GET /api/v1/me and kept in sessionStorage only.

import { api, problemText, say } from "./common.js";

const KEY = "boai.staff_token";

export function staffToken() {
  return sessionStorage.getItem(KEY) || "";
}

// Calls onReady(me, token) once signed in (now, or after the form is used).
export function requireStaff(onReady) {
  const form = document.getElementById("signin");
  const error = document.getElementById("signin-error");
  const who = document.getElementById("whoami");

  async function check(token) {
    const r = await api("GET", "/api/v1/me", { token });
    if (!r.ok || r.data.role === "applicant") {
      sessionStorage.removeItem(KEY);
      form.hidden = false;
      who.hidden = true;
      say(error, r.ok ? "请使用工作人员令牌。" : problemText(r));
      return;
    }
    sessionStorage.setItem(KEY, token);
    form.hidden = true;
    say(error, "");
    document.getElementById("whoami-text").textContent = `已登录：${r.data.name}（${roleZh(r.data.role)}${r.data.can_decide ? "，可作决定" : ""}）`;
    who.hidden = false;
    onReady(r.data, token);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const token = document.getElementById("staff-token").value.trim();
    document.getElementById("staff-token").value = "";
    if (token) check(token);
  });
  document.getElementById("signout").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    window.location.reload();
  });
  const saved = staffToken();
  if (saved) check(saved);
  else form.hidden = false;
}

function roleZh(role) {
  return { admin: "管理员", reviewer: "评审", dispatcher: "调度员" }[role] || role;
}
