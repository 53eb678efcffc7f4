// The regulator's provenance view (溯源): a product's path read from
// GET /v1/products/{id}/provenance, drawn as an SVG graph — product →
// receipts → batches → grants (→ parent grants) → datasets → providers,
// and the incidents on the path when the answer has them. Each node opens
// its history (GET /v1/<kind>/{id}/history) with the transaction of each
// version; a batched receipt's inclusion proof is checked in the page
// (keccak.js) against the batch's recorded root.

import { get, explain } from "./api.js";
import { t, label, beijingTime } from "./i18n.js";
import { el, text } from "./charts.js";
import { rootOf, selfTest } from "./keccak.js";
import { h, clear, showError } from "./dom.js";

// historyPath is where each kind of node's history is read.
const historyPath = {
  product: (id) => "/v1/products/" + enc(id) + "/history",
  receipt: (id) => "/v1/receipts/" + enc(id) + "/history",
  batch: (id) => "/v1/batches/" + enc(id) + "/history",
  grant: (id) => "/v1/grants/" + enc(id) + "/history",
  dataset: (id) => "/v1/datasets/" + enc(id) + "/history",
  participant: (id) => "/v1/participants/" + enc(id) + "/history",
};

function enc(s) {
  return encodeURIComponent(s);
}

// columns lays out the path: one column per kind, nodes top to bottom.
function columns(prov) {
  const cols = [];
  cols.push({ key: "product", nodes: [prov.product] });
  cols.push({ key: "receipts", nodes: prov.receipts || [] });
  const batches = [...new Set((prov.receipts || []).map((r) => r.status).filter(Boolean))].map((id) => ({ type: "batch", id, from: [] }));
  if (batches.length) cols.push({ key: "batches", nodes: batches });
  const grants = prov.grants || [];
  const parents = new Set(grants.flatMap((g) => (g.from || []).filter((f) => grants.some((o) => o.id === f))));
  cols.push({ key: "grants", nodes: grants.filter((g) => !parents.has(g.id)) });
  if (parents.size) cols.push({ key: "parentGrants", nodes: grants.filter((g) => parents.has(g.id)) });
  cols.push({ key: "datasets", nodes: prov.datasets || [] });
  cols.push({ key: "providers", nodes: prov.providers || [] });
  if (Array.isArray(prov.incidents) && prov.incidents.length) {
    cols.push({ key: "incidents", nodes: prov.incidents.map((i) => ({ ...i, type: i.type || "incident" })) });
  }
  return cols;
}

const nodeW = 176, nodeH = 50, colGap = 56, rowGap = 14, pad = 16, headH = 26;

// drawGraph returns the SVG of the path; select is called with the node
// a reader picks (by click or Enter).
function drawGraph(prov, select) {
  const cols = columns(prov);
  const rows = Math.max(...cols.map((c) => c.nodes.length), 1);
  const w = pad * 2 + cols.length * nodeW + (cols.length - 1) * colGap;
  const hgt = pad * 2 + headH + rows * nodeH + (rows - 1) * rowGap;
  const s = el("svg", { viewBox: `0 0 ${w} ${hgt}`, width: w, height: hgt, class: "graph", role: "group", "aria-label": t("prov.graph") });
  const edges = el("g", { class: "edges" }, s);
  const at = new Map(); // "type:id" and "id" → position
  cols.forEach((c, ci) => {
    const x = pad + ci * (nodeW + colGap);
    text(s, x + nodeW / 2, pad + 14, t("prov.col." + c.key), "colhead middle");
    c.nodes.forEach((n, ri) => {
      const y = pad + headH + ri * (nodeH + rowGap);
      const pos = { x, y, n };
      at.set(n.type + ":" + n.id, pos);
      if (!at.has(n.id)) at.set(n.id, pos);
    });
  });
  const link = (a, b, cls) => {
    const x1 = a.x + nodeW, y1 = a.y + nodeH / 2, x2 = b.x, y2 = b.y + nodeH / 2;
    const back = x2 <= x1;
    const d = back
      ? `M ${a.x + nodeW / 2} ${a.y + nodeH} C ${a.x + nodeW / 2} ${a.y + nodeH + 30}, ${b.x + nodeW / 2} ${b.y + nodeH + 30}, ${b.x + nodeW / 2} ${b.y + nodeH}`
      : `M ${x1} ${y1} C ${(x1 + x2) / 2} ${y1}, ${(x1 + x2) / 2} ${y2}, ${x2} ${y2}`;
    el("path", { d, class: "edge " + (cls || "") }, edges);
  };
  for (const pos of new Set(at.values())) {
    const n = pos.n;
    for (const f of n.from || []) {
      const target = at.get(f);
      if (target && target !== pos) link(pos, target);
    }
    if (n.type === "receipt" && n.status) {
      const b = at.get("batch:" + n.status);
      if (b) link(pos, b, "inbatch");
    }
  }
  for (const pos of new Set(at.values())) {
    const n = pos.n;
    const g = el("g", {
      class: "node " + n.type, tabindex: 0, role: "button", "data-type": n.type, "data-id": n.id,
      "aria-label": label("kind", n.type) + " " + n.id, transform: `translate(${pos.x} ${pos.y})`,
    }, s);
    if (n.type === "receipt" && n.status) g.setAttribute("data-batch", n.status);
    el("title", {}, g).textContent = label("kind", n.type) + " " + n.id + (n.txId ? "\n" + t("prov.tx") + " " + n.txId : "");
    el("rect", { width: nodeW, height: nodeH, rx: 6 }, g);
    text(g, 8, 19, short(n.id, 24), "nid");
    // A receipt's status is its batch, a participant's its role.
    const sub = n.type === "receipt" ? label("kind", "receipt") + (n.status ? " · " + t("prov.inBatch") : "")
      : n.type === "participant" ? label("role", n.status)
        : label("kind", n.type) + (n.status ? " · " + label("status", n.status) : "");
    text(g, 8, 38, short(sub, 28), "nsub");
    const pick = () => {
      s.querySelectorAll(".node.selected").forEach((o) => o.classList.remove("selected"));
      g.classList.add("selected");
      select(n);
    };
    g.addEventListener("click", pick);
    g.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        pick();
      }
    });
  }
  return s;
}

function short(s, n) {
  s = String(s || "");
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

// showProvenance reads a product's provenance and draws it in root.
export async function showProvenance(root, productId) {
  clear(root);
  root.appendChild(h("h2", {}, t("prov.title", { id: productId })));
  const status = root.appendChild(h("p", { class: "muted" }, t("common.loading")));
  let prov;
  try {
    prov = await get("/v1/products/" + enc(productId) + "/provenance");
  } catch (err) {
    status.remove();
    showError(root, err);
    return;
  }
  status.textContent = t("prov.help");
  const wrap = root.appendChild(h("div", { class: "graph-wrap", id: "graph" }));
  const detail = h("div", { class: "detail", id: "node-detail", "aria-live": "polite" });
  wrap.appendChild(drawGraph(prov, (n) => showNode(detail, n)));
  root.appendChild(detail);
}

// showNode shows a node: what it is, its transactions, its history and,
// for a batched receipt, the check of its inclusion proof.
async function showNode(root, n) {
  clear(root);
  root.appendChild(h("h3", {}, label("kind", n.type) + " " + n.id));
  const dl = root.appendChild(h("dl", { class: "facts" }));
  const fact = (k, v, cls) => {
    dl.appendChild(h("dt", {}, t(k)));
    dl.appendChild(h("dd", { class: cls || "" }, v || "—"));
  };
  if (n.party) fact(n.type === "receipt" ? "prov.signer" : "prov.party", n.party, "id");
  if (n.status) fact(n.type === "receipt" ? "prov.batch" : "prov.status", n.type === "receipt" ? n.status : label("status", n.status));
  if (n.txId) fact("prov.created", beijingTime(n.time) + " · " + t("prov.tx") + " " + n.txId, "id");
  if (n.lastTxId && n.lastTxId !== n.txId) fact("prov.changed", beijingTime(n.lastTime) + " · " + t("prov.tx") + " " + n.lastTxId, "id");
  if (n.type === "receipt" && n.status) {
    const out = h("output", { id: "proof-result", class: "proof" });
    const btn = h("button", { type: "button", id: "proof-check" }, t("prov.checkProof"));
    btn.addEventListener("click", () => checkProof(n.id, out));
    root.appendChild(h("p", {}, btn, " ", out));
  }
  const hist = historyPath[n.type];
  if (!hist) return;
  root.appendChild(h("h4", {}, t("prov.history")));
  const list = root.appendChild(h("ol", { class: "timeline", id: "timeline" }));
  try {
    const page = await get(hist(n.id) + "?pageSize=50");
    for (const v of page.items || []) {
      const st = v.value && v.value.status ? " · " + label("status", v.value.status) : "";
      list.appendChild(h("li", {},
        h("time", {}, beijingTime(v.time)), st + (v.deleted ? " · " + t("prov.deleted") : "") + (v.record ? " · " + v.record : ""),
        h("br"), h("span", { class: "muted" }, t("prov.tx") + " "), h("code", {}, v.txId)));
    }
    if (!page.items || page.items.length === 0) list.appendChild(h("li", { class: "muted" }, t("common.none")));
  } catch (err) {
    showError(root, err);
  }
}

// checkProof reads the receipt's recorded digest, its proof and its
// batch's recorded root, and recomputes the root from the digest along
// the proof in the page.
async function checkProof(id, out) {
  out.className = "proof";
  out.textContent = t("common.loading");
  try {
    if (!selfTest()) throw new Error(t("prov.hashBroken"));
    const receipt = await get("/v1/receipts/" + enc(id));
    const proof = await get("/v1/receipts/" + enc(id) + "/proof");
    const batch = await get("/v1/batches/" + enc(proof.batchId));
    if (proof.leaf.toLowerCase() !== receipt.digest.toLowerCase()) {
      out.className = "proof invalid";
      out.textContent = t("prov.proofLeafDiffers");
      return;
    }
    const root = rootOf(receipt.digest, proof.proof || []);
    const ok = root === batch.root.toLowerCase();
    out.className = "proof " + (ok ? "valid" : "invalid");
    out.textContent = t(ok ? "prov.proofValid" : "prov.proofInvalid", { batch: batch.id, index: proof.index, steps: (proof.proof || []).length, root });
  } catch (err) {
    out.className = "proof invalid";
    out.textContent = err.code ? explain(err) : String(err.message || err);
  }
}
