// The portal (门户) of the grantledger API: sign-in with a bearer token,
// the inbox of the caller's role, the regulator's provenance view, in
// Chinese or English. Plain ES modules served by this server; no library,
// no build, nothing from another server.

import { signedIn, setToken, forget, get } from "./api.js";
import { t, label, translate, loadLanguage, chosenLanguage, language } from "./i18n.js";
import { renderInbox } from "./inbox.js";
import { showProvenance } from "./provenance.js";
import { h, clear, showError } from "./dom.js";

const $ = (id) => document.getElementById(id);
let me = null;

// answer shows the contract's answer to the last action: ok true (done),
// false (an error, in plain words), null (sent, waiting).
function answer(ok, what) {
  const out = $("answer");
  clear(out);
  out.className = ok === true ? "ok" : ok === false ? "refused" : "pending";
  if (ok === false) showError(out, what);
  else out.textContent = what;
  out.hidden = false;
}

function show(view) {
  for (const id of ["signin", "home", "provenance"]) $(id).hidden = id !== view;
  $("signout").hidden = view === "signin";
  $("nav-home").hidden = view !== "provenance";
}

async function home() {
  show("home");
  whoAmI();
  renderInbox($("inbox"), ctx());
}

function whoAmI() {
  $("who").textContent = t("who", { user: me.user, org: me.org, role: label("role", me.caller.role || "none") });
}

function ctx() {
  return { me, answer, refresh: () => renderInbox($("inbox"), ctx()), openProvenance };
}

function openProvenance(id) {
  show("provenance");
  showProvenance($("provenance-body"), id);
}

// start reads who the token acts as; a token the API refuses is
// forgotten and the sign-in form shown again with the reason.
async function start() {
  if (!signedIn()) {
    show("signin");
    $("token").focus();
    return;
  }
  try {
    me = await get("/v1/me");
  } catch (err) {
    forget();
    show("signin");
    clear($("signin-error"));
    showError($("signin-error"), err);
    $("signin-error").hidden = false;
    return;
  }
  home();
}

function signOut() {
  forget();
  me = null;
  clear($("inbox"));
  clear($("provenance-body"));
  $("answer").hidden = true;
  $("who").textContent = "";
  $("token").value = "";
  show("signin");
}

async function switchLanguage() {
  await loadLanguage(language() === "zh" ? "en" : "zh");
  translate();
  if (me && !$("home").hidden) home();
  else if (me) whoAmI();
}

async function main() {
  await loadLanguage(chosenLanguage());
  translate();
  $("signin-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const v = $("token").value;
    $("token").value = "";
    if (!v.trim()) return;
    setToken(v);
    $("signin-error").hidden = true;
    start();
  });
  $("signout").addEventListener("click", signOut);
  $("lang").addEventListener("click", switchLanguage);
  $("nav-home").addEventListener("click", () => home());
  start();
}

main().catch((err) => {
  document.body.appendChild(h("p", { class: "error", role: "alert" }, String(err)));
});
