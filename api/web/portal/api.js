// The portal's calls to this server's /v1 routes, as the signed-in user.
// The bearer token is held here, in memory, and in sessionStorage (so that
// a reload of the tab keeps the session, and closing it ends it): it is
// sent as the Authorization header of each fetch, never in a URL, never
// as a cookie, and nothing else reads it. Sign-out forgets it.

import { t, has } from "./i18n.js";

const storeKey = "grantledger.portal.token";
let token = sessionStorage.getItem(storeKey) || "";

export function signedIn() {
  return token !== "";
}

export function setToken(v) {
  token = v.trim();
  sessionStorage.setItem(storeKey, token);
}

export function forget() {
  token = "";
  sessionStorage.removeItem(storeKey);
}

// APIError is an answer other than 2xx: its status and the API's error
// body {code, message, field}.
export class APIError extends Error {
  constructor(status, body) {
    super(body.message || String(status));
    this.status = status;
    this.code = body.code || "internal";
    this.field = body.field || "";
  }
}

// call sends a request to the API and returns the decoded answer; an
// error answer throws an APIError. POSTs carry an Idempotency-Key, so
// that a request resent after a lost answer runs once.
export async function call(method, path, body) {
  const headers = { Accept: "application/json", Authorization: "Bearer " + token };
  const init = { method, headers, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (method === "POST") headers["Idempotency-Key"] = crypto.randomUUID();
  const res = await fetch(path, init);
  const text = await res.text();
  let data = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = { message: text };
  }
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body);

// list reads up to max items (500 by default) of a list route, a page of
// at most 100 at a time, following the bookmarks.
export async function list(path, max) {
  const limit = max || 500;
  const sep = path.includes("?") ? "&" : "?";
  const items = [];
  let bookmark = "";
  do {
    const size = Math.min(100, limit - items.length);
    const page = await get(path + sep + "pageSize=" + size + (bookmark ? "&bookmark=" + encodeURIComponent(bookmark) : ""));
    items.push(...(page.items || []));
    bookmark = page.bookmark || "";
  } while (bookmark && items.length < limit);
  return items;
}

// Common refusals of the contract, by what their message says, in plain
// words: the first pattern that matches names the catalogue's message.
const refusals = [
  [/quota/i, "refusal.quota"],
  [/expert/i, "refusal.expert"],
  [/revoked/i, "refusal.revoked"],
  [/suspended/i, "refusal.suspended"],
  [/expired|term (has )?ended|not yet valid|outside .*term/i, "refusal.term"],
  [/marked/i, "refusal.marked"],
  [/already (approved|decided|signed|rejected)|has already|twice/i, "refusal.already"],
  [/not (a |the )?provider|not in (its |the )?scope|not .*owner/i, "refusal.notYours"],
  [/role|may not|only the/i, "refusal.role"],
  [/withdrawn/i, "refusal.withdrawn"],
  [/status|is (proposed|active|in-review|draft|listed|delisted)/i, "refusal.status"],
];

// explain is an error in plain words: what the code means, then the
// common refusal its message names, if any. The API's own message (in
// English) is kept for the details.
export function explain(err) {
  if (!(err instanceof APIError)) return t("error.network");
  const key = "error." + err.code;
  let s = has(key) ? t(key) : t("error.internal");
  if (err.code === "refused" || err.code === "forbidden" || err.code === "conflict") {
    for (const [re, k] of refusals) {
      if (re.test(err.message)) {
        s += " " + t(k);
        break;
      }
    }
  }
  if (err.field) s += " " + t("error.field", { field: err.field });
  return s;
}
