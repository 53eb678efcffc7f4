// The portal's words: one message catalogue per language (zh.json,
// en.json, the same keys), 简体中文 by default, English by the switch,
// the choice remembered in localStorage. Every label the page shows comes
// from here: t(key) in the modules, a data-i18n attribute in the page.
// Times are shown in Beijing time (Asia/Shanghai), whatever the reader's
// own time zone.

const storeKey = "grantledger.portal.lang";
export const languages = ["zh", "en"];

let lang = "zh";
let messages = {};

// chosenLanguage is the language the reader chose last, else Chinese.
export function chosenLanguage() {
  const l = localStorage.getItem(storeKey);
  return languages.includes(l) ? l : "zh";
}

// loadLanguage reads the catalogue of l and makes it the page's language.
export async function loadLanguage(l) {
  if (!languages.includes(l)) l = "zh";
  const res = await fetch("portal/" + l + ".json", { cache: "no-cache" });
  if (!res.ok) throw new Error("catalogue " + l + ": " + res.status);
  messages = await res.json();
  lang = l;
  localStorage.setItem(storeKey, l);
  document.documentElement.lang = l === "zh" ? "zh-CN" : "en";
}

export function language() {
  return lang;
}

// t is the message of key in the page's language, its {name} places
// filled from vars; a key the catalogue lacks shows as itself, which the
// catalogue test (api/portal_test.go) keeps from happening.
export function t(key, vars) {
  let s = messages[key];
  if (s === undefined) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

// has tells whether the catalogue has key.
export function has(key) {
  return Object.prototype.hasOwnProperty.call(messages, key);
}

// label is the name of a ledger value (a status, a role, a decision) in
// the page's language: the catalogue's "<kind>.<value>", else the value.
export function label(kind, value) {
  if (!value) return "—";
  const key = kind + "." + value;
  return has(key) ? t(key) : value;
}

// translate sets the text of every element under root that names a key:
// data-i18n (its text), data-i18n-placeholder, data-i18n-label (its
// aria-label) and data-i18n-title.
export function translate(root) {
  const r = root || document;
  r.querySelectorAll("[data-i18n]").forEach((e) => { e.textContent = t(e.dataset.i18n); });
  r.querySelectorAll("[data-i18n-placeholder]").forEach((e) => { e.placeholder = t(e.dataset.i18nPlaceholder); });
  r.querySelectorAll("[data-i18n-label]").forEach((e) => { e.setAttribute("aria-label", t(e.dataset.i18nLabel)); });
  r.querySelectorAll("[data-i18n-title]").forEach((e) => { e.title = t(e.dataset.i18nTitle); });
  document.title = t("app.title");
}

// beijingTime writes an RFC 3339 time in Beijing time, YYYY-MM-DD HH:mm;
// Go's zero time (year 1) and missing times as "—".
export function beijingTime(s) {
  if (!s) return "—";
  const ms = Date.parse(s);
  if (isNaN(ms) || new Date(ms).getUTCFullYear() <= 1) return "—";
  const parts = {};
  new Intl.DateTimeFormat("en-CA", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(ms)).forEach((p) => { parts[p.type] = p.value; });
  return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
}

// beijingDay is the day (YYYY-MM-DD) of a Date in Beijing time.
export function beijingDay(d) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
}
