// DOM helpers: elements built with text set as text (never parsed as
// HTML), and errors shown in plain words.

import { explain } from "./api.js";

// h makes an element: attributes (class, id, for, data-*, aria-*, …) and
// children, strings becoming text nodes.
export function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === undefined || v === null) continue;
    e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return e;
}

export function clear(e) {
  while (e.firstChild) e.removeChild(e.firstChild);
}

// showError appends an error in plain words, the API's own message kept
// as its details.
export function showError(root, err) {
  const p = h("p", { class: "error", role: "alert" }, explain(err));
  if (err && err.message && err.code) p.appendChild(h("span", { class: "detail-msg" }, " (" + err.message + ")"));
  root.appendChild(p);
  return p;
}
