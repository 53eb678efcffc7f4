// The home page's inbox (待办): what waits for the signed-in user, by the
// role the ledger gives its organisation (GET /v1/me), read from the same
// /v1 list routes anyone with a token uses, and the actions on it as
// forms, each showing the contract's answer.

import { get, post, list } from "./api.js";
import { t, label, beijingTime } from "./i18n.js";
import { barChart, gauge, stackedChart, legend } from "./charts.js";
import { h, clear, showError } from "./dom.js";

const enc = encodeURIComponent;

// inboxContext is what every section needs: who is signed in, where the
// answer of an action goes, how to read the inbox again and how to open
// a product's provenance.
// { me: {org, user, caller}, answer(ok, text), refresh(), openProvenance(id) }

// section adds a titled section with a body that fill fills; an error
// while filling shows in plain words in the section.
function section(root, id, titleKey, fill, wide) {
  const body = h("div", { class: "body" }, h("p", { class: "muted" }, t("common.loading")));
  const sec = h("section", { id, class: wide ? "card wide" : "card", "aria-labelledby": id + "-title" }, h("h2", { id: id + "-title" }, t(titleKey)), body);
  root.appendChild(sec);
  Promise.resolve()
    .then(() => fill(body))
    .catch((err) => { clear(body); showError(body, err); });
  return sec;
}

// table fills body with a table of items, or says there are none;
// rowAttrs gives each row's attributes (data-grant, …).
function table(body, cols, items, rowAttrs) {
  clear(body);
  if (!items.length) {
    body.appendChild(h("p", { class: "muted empty" }, t("common.none")));
    return;
  }
  const head = h("tr", {}, ...cols.map((c) => h("th", { scope: "col" }, t(c.key))));
  const rows = items.map((it) => h("tr", rowAttrs ? rowAttrs(it) : {}, ...cols.map((c) => {
    const v = c.cell(it);
    return h("td", { class: c.cls || "", "data-label": t(c.key) }, v === undefined || v === null || v === "" ? "—" : v);
  })));
  body.appendChild(h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, head), h("tbody", {}, ...rows))));
}

let formSeq = 0;

// actionForm is a form for one action on one object: an optional reason
// (required when reason is "required"), extra inputs, and a submit button;
// run(values) calls the API, whose answer ctx.answer shows. The inbox is
// read again after a success.
function actionForm(ctx, { submitKey, reason, cls, extra, run, done }) {
  const n = ++formSeq;
  const form = h("form", { class: "action " + (cls || ""), novalidate: false });
  const fields = [];
  for (const x of extra || []) {
    const fid = "f" + n + "-" + x.name;
    form.appendChild(h("label", { for: fid }, t(x.labelKey)));
    const input = x.options
      ? h("select", { id: fid, name: x.name }, ...x.options.map((o) => h("option", { value: o.value }, t(o.labelKey))))
      : h("input", { id: fid, name: x.name, type: "text", required: x.required || false, maxlength: 128 });
    form.appendChild(input);
    fields.push([x.name, input]);
  }
  let reasonInput = null;
  if (reason) {
    const fid = "f" + n + "-reason";
    form.appendChild(h("label", { for: fid }, t(reason === "required" ? "form.reason" : "form.reasonOptional")));
    reasonInput = h("input", { id: fid, name: "reason", type: "text", maxlength: 2000, required: reason === "required" });
    form.appendChild(reasonInput);
  }
  const btn = h("button", { type: "submit", class: cls || "" }, t(submitKey));
  form.appendChild(btn);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    const values = Object.fromEntries(fields.map(([k, i]) => [k, i.value.trim()]));
    if (reasonInput) values.reason = reasonInput.value.trim();
    btn.disabled = true;
    ctx.answer(null, t("common.sending"));
    try {
      const res = await run(values);
      ctx.answer(true, done(res));
      ctx.refresh();
    } catch (err) {
      ctx.answer(false, err);
      btn.disabled = false;
    }
  });
  return form;
}

// done is the message of a change the contract accepted.
function done(kindKey) {
  return (o) => t("answer.done", {
    kind: t(kindKey), id: o.id || o.address || "", status: label("status", o.status), tx: (o.updated && o.updated.txId) || (o.created && o.created.txId) || "",
  });
}

function termText(term) {
  if (!term) return "—";
  return beijingTime(term.validFrom) + " – " + beijingTime(term.validTo);
}

function ids(xs) {
  return (xs || []).join("、") || "—";
}

// waitingFor are the providers of a grant that have not yet approved it.
function waitingFor(g) {
  const decided = new Set((g.approvals || []).filter((a) => a.decision && a.decision !== "pending").map((a) => a.provider));
  return (g.providers || []).filter((p) => !decided.has(p));
}

// ---- the data authority (公共数据主管部门)

function authority(root, ctx) {
  section(root, "applications", "inbox.applications", async (body) => {
    const items = await list("/v1/applications?status=submitted");
    table(body, [
      { key: "col.id", cell: (a) => a.id, cls: "id" },
      { key: "col.operator", cell: (a) => a.operator },
      { key: "col.scenario", cell: (a) => a.scenario && a.scenario.name },
      { key: "col.submitted", cell: (a) => beijingTime(a.created && a.created.time) },
    ], items);
  });
  section(root, "waiting-grants", "inbox.waitingGrants", async (body) => {
    const items = await list("/v1/grants?status=proposed");
    table(body, [
      { key: "col.id", cell: (g) => g.id, cls: "id" },
      { key: "col.holder", cell: (g) => g.holder },
      { key: "col.scenario", cell: (g) => g.scenario },
      { key: "col.waitingFor", cell: (g) => h("span", { class: "waiting" }, ids(waitingFor(g))) },
      { key: "col.issued", cell: (g) => beijingTime(g.created && g.created.time) },
    ], items, (g) => ({ "data-grant": g.id }));
  }, true);
  section(root, "active-grants", "inbox.activeGrants", async (body) => {
    const items = [...await list("/v1/grants?status=active"), ...await list("/v1/grants?status=suspended")];
    table(body, [
      { key: "col.id", cell: (g) => g.id, cls: "id" },
      { key: "col.holder", cell: (g) => g.holder },
      { key: "col.status", cell: (g) => label("status", g.status) },
      { key: "col.term", cell: (g) => termText(g.term) },
      { key: "col.actions", cell: (g) => g.status === "active"
        ? h("div", { class: "actions" },
          actionForm(ctx, { submitKey: "action.suspend", reason: "required", cls: "suspend", run: (v) => post("/v1/grants/" + enc(g.id) + "/suspend", { reason: v.reason }), done: done("kind.grant") }),
          actionForm(ctx, { submitKey: "action.revoke", reason: "required", cls: "revoke danger", run: (v) => post("/v1/grants/" + enc(g.id) + "/revoke", { reason: v.reason }), done: done("kind.grant") }))
        : actionForm(ctx, { submitKey: "action.resume", cls: "resume", run: () => post("/v1/grants/" + enc(g.id) + "/resume"), done: done("kind.grant") }) },
    ], items, (g) => ({ "data-grant": g.id }));
  }, true);
  section(root, "agreements-to-sign", "inbox.agreementsToSign", async (body) => {
    const items = (await list("/v1/agreements?status=proposed")).filter((a) => !(a.authoritySigned && a.authoritySigned.txId));
    agreementsTable(ctx, body, items);
  });
  section(root, "products-to-decide", "inbox.productsToDecide", async (body) => {
    const items = await list("/v1/products?status=in-review");
    table(body, [
      { key: "col.id", cell: (p) => p.id, cls: "id" },
      { key: "col.name", cell: (p) => p.name },
      { key: "col.owner", cell: (p) => p.owner },
      { key: "col.submitted", cell: (p) => beijingTime(p.submitted) },
      { key: "col.actions", cell: (p) => actionForm(ctx, {
        submitKey: "action.decide", reason: "optional", cls: "decide",
        extra: [{ name: "decision", labelKey: "form.decision", options: [{ value: "approve", labelKey: "decision.approve" }, { value: "reject", labelKey: "decision.reject" }] }],
        run: (v) => post("/v1/products/" + enc(p.id) + "/review", { approve: v.decision === "approve", reason: v.reason }),
        done: done("kind.product"),
      }) },
    ], items, (p) => ({ "data-product": p.id }));
  }, true);
}

function agreementsTable(ctx, body, items) {
  table(body, [
    { key: "col.id", cell: (a) => a.id, cls: "id" },
    { key: "col.grant", cell: (a) => a.grantId },
    { key: "col.operator", cell: (a) => a.operator },
    { key: "col.term", cell: (a) => termText(a.term) },
    { key: "col.actions", cell: (a) => actionForm(ctx, { submitKey: "action.sign", cls: "sign", run: () => post("/v1/agreements/" + enc(a.id) + "/sign"), done: done("kind.agreement") }) },
  ], items, (a) => ({ "data-agreement": a.id }));
}

// ---- a data provider (数据提供单位)

function provider(root, ctx) {
  const me = ctx.me.caller.msp;
  section(root, "consent", "inbox.consent", async (body) => {
    const mine = new Set((await list("/v1/datasets?owner=" + enc(me))).map((d) => d.id));
    const items = (await list("/v1/grants?status=proposed")).filter((g) => (g.providers || []).includes(me) && waitingFor(g).includes(me));
    table(body, [
      { key: "col.id", cell: (g) => g.id, cls: "id" },
      { key: "col.holder", cell: (g) => g.holder },
      { key: "col.scenario", cell: (g) => g.scenario },
      { key: "col.myScope", cell: (g) => h("ul", { class: "scope" }, ...((g.scope && g.scope.datasets) || [])
        .filter((d) => d.owner === me || mine.has(d.id))
        .map((d) => h("li", {}, h("code", {}, d.id), "：" + (d.fields || []).join("、")))) },
      { key: "col.purposes", cell: (g) => ids(g.scope && g.scope.purposes.map((p) => label("purpose", p))) },
      { key: "col.term", cell: (g) => termText(g.term) },
      { key: "col.actions", cell: (g) => h("div", { class: "actions" },
        actionForm(ctx, { submitKey: "action.approve", cls: "approve", run: () => post("/v1/grants/" + enc(g.id) + "/approve"), done: done("kind.grant") }),
        actionForm(ctx, { submitKey: "action.reject", reason: "required", cls: "reject danger", run: (v) => post("/v1/grants/" + enc(g.id) + "/reject", { reason: v.reason }), done: done("kind.grant") })) },
    ], items, (g) => ({ "data-grant": g.id }));
  }, true);
  section(root, "usage", "inbox.usage", async (body) => {
    // Statements count days in UTC; the last 30 of them.
    const day = (d) => d.toISOString().slice(0, 10);
    const to = new Date();
    const from = new Date(to.getTime() - 29 * 86400000);
    const st = await get("/v1/usage/statements?by=provider&period=day&from=" + day(from) + "&to=" + day(to) + "&id=" + enc(me));
    const byDay = new Map((st.rows || []).map((r) => [r.period, r]));
    const rows = [];
    for (let d = new Date(from); d <= to; d = new Date(d.getTime() + 86400000)) {
      const r = byDay.get(day(d));
      rows.push({ label: day(d).slice(5), value: r ? r.records : 0 });
    }
    // The same use by grant and by operator: only the receipts that used
    // this provider's datasets (provider=…), which it reads of every grant.
    const range = "&period=day&from=" + day(from) + "&to=" + day(to) + "&provider=" + enc(me);
    const [byGrant, byOperator] = await Promise.all([
      get("/v1/usage/statements?by=grant" + range), get("/v1/usage/statements?by=operator" + range)]);
    const grants = new Map();
    for (const r of byGrant.rows || []) {
      const g = grants.get(r.key) || { id: r.key, records: 0, calls: 0, receipts: 0, days: new Map() };
      g.records += r.records; g.calls += r.calls; g.receipts += r.receipts;
      g.days.set(r.period, r.records);
      grants.set(r.key, g);
    }
    // Each grant's holder, read from the grant (a provider reads the grants
    // over its datasets).
    await Promise.all([...grants.values()].map(async (g) => {
      try { g.holder = (await get("/v1/grants/" + enc(g.id))).holder; } catch { g.holder = ""; }
    }));
    const labels = rows.map((r) => r.label);
    const dayKeys = [];
    for (let d = new Date(from); d <= to; d = new Date(d.getTime() + 86400000)) dayKeys.push(day(d));
    const series = [...grants.values()].map((g) => ({
      label: g.id + (g.holder ? "（" + g.holder + "）" : ""), values: dayKeys.map((k) => g.days.get(k) || 0) }));
    clear(body);
    body.appendChild(barChart(rows, t("usage.chart", { org: me })));
    const tot = st.totals || {};
    body.appendChild(h("p", { class: "totals" }, t("usage.totals", { records: tot.records || 0, calls: tot.calls || 0, receipts: tot.receipts || 0 })));
    body.appendChild(h("h3", {}, t("usage.byGrant")));
    if (series.length === 0) {
      body.appendChild(h("p", { class: "muted empty" }, t("common.none")));
      return;
    }
    body.appendChild(h("div", { class: "by-grant" },
      stackedChart(labels, series, t("usage.chartByGrant", { org: me })), legend(series)));
    const sub = h("div", { class: "usage-by-grant" });
    body.appendChild(sub);
    table(sub, [
      { key: "col.grant", cell: (g) => g.id, cls: "id" },
      { key: "col.holder", cell: (g) => g.holder },
      { key: "col.records", cell: (g) => String(g.records) },
      { key: "col.calls", cell: (g) => String(g.calls) },
      { key: "col.receipts", cell: (g) => String(g.receipts) },
    ], [...grants.values()], (g) => ({ "data-grant": g.id }));
    const ops = new Map();
    for (const r of byOperator.rows || []) {
      const o = ops.get(r.key) || { id: r.key, records: 0, calls: 0, receipts: 0 };
      o.records += r.records; o.calls += r.calls; o.receipts += r.receipts;
      ops.set(r.key, o);
    }
    body.appendChild(h("h3", {}, t("usage.byOperator")));
    const opsBox = h("div", { class: "usage-by-operator" });
    body.appendChild(opsBox);
    table(opsBox, [
      { key: "col.operator", cell: (o) => o.id, cls: "id" },
      { key: "col.records", cell: (o) => String(o.records) },
      { key: "col.calls", cell: (o) => String(o.calls) },
      { key: "col.receipts", cell: (o) => String(o.receipts) },
    ], [...ops.values()], (o) => ({ "data-operator": o.id }));
  });
  section(root, "my-datasets", "inbox.myDatasets", async (body) => {
    const items = await list("/v1/datasets?owner=" + enc(me));
    table(body, [
      { key: "col.id", cell: (d) => d.id, cls: "id" },
      { key: "col.name", cell: (d) => d.name },
      { key: "col.domain", cell: (d) => d.domain },
      { key: "col.classification", cell: (d) => label("classification", d.classification) },
      { key: "col.status", cell: (d) => label("status", d.status) },
    ], items);
  });
  section(root, "register-dataset", "inbox.registerDataset", (body) => {
    clear(body);
    body.appendChild(actionForm(ctx, {
      submitKey: "action.register", cls: "register",
      extra: [
        { name: "id", labelKey: "form.datasetId", required: true },
        { name: "name", labelKey: "form.datasetName", required: true },
        { name: "domain", labelKey: "form.domain", required: true },
        { name: "fields", labelKey: "form.fields", required: true },
        { name: "classification", labelKey: "form.classification", options: ["general", "important", "core"].map((c) => ({ value: c, labelKey: "classification." + c })) },
      ],
      run: (v) => post("/v1/datasets", {
        id: v.id, name: v.name, domain: v.domain, classification: v.classification,
        fields: v.fields.split(/[,，、\s]+/).filter(Boolean).map((f) => ({ name: f, sensitivity: 2 })),
      }),
      done: done("kind.dataset"),
    }));
  });
}

// ---- an operator (授权运营单位) or a developer (开发利用主体)

// grantsInForce are the holder's grants active or suspended, the newest
// twelve (by when they were created).
async function grantsInForce(me) {
  return (await list("/v1/grants?holder=" + enc(me)))
    .filter((g) => g.status === "active" || g.status === "suspended")
    .sort((a, b) => ((b.created && b.created.time) || "").localeCompare((a.created && a.created.time) || ""))
    .slice(0, 12);
}

function holder(root, ctx) {
  const me = ctx.me.caller.msp;
  section(root, "my-grants", "inbox.myGrants", async (body) => {
    const grants = await grantsInForce(me);
    clear(body);
    if (!grants.length) {
      body.appendChild(h("p", { class: "muted empty" }, t("common.none")));
      return;
    }
    const grid = body.appendChild(h("div", { class: "gauges" }));
    for (const g of grants) {
      const u = await get("/v1/grants/" + enc(g.id) + "/usage");
      const q = g.quota || {};
      grid.appendChild(h("figure", { class: "grant-usage", "data-grant": g.id },
        gauge(u.records, q.records || 0, t("usage.records") + " " + g.id),
        gauge(u.calls, q.calls || 0, t("usage.calls") + " " + g.id),
        h("figcaption", {}, h("code", {}, g.id), " · " + label("status", g.status) + " · " + t("usage.recordsCalls"))));
    }
  }, true);
  section(root, "my-receipts", "inbox.myReceipts", async (body) => {
    // The newest receipts of its grants in force: each grant's last page,
    // newest first across them.
    const grants = await grantsInForce(me);
    const pages = await Promise.all(grants.map((g) => list("/v1/receipts?grant=" + enc(g.id), 100)));
    const items = pages.flat().sort((a, b) => (b.recorded && b.recorded.time || "").localeCompare(a.recorded && a.recorded.time || "")).slice(0, 20);
    table(body, [
      { key: "col.id", cell: (r) => r.id, cls: "id" },
      { key: "col.grant", cell: (r) => r.grantId, cls: "id" },
      { key: "col.datasets", cell: (r) => ids((r.datasets || []).map((d) => d.id)) },
      { key: "col.records", cell: (r) => String(r.records) },
      { key: "col.used", cell: (r) => beijingTime(r.time) },
      { key: "col.batch", cell: (r) => r.batchId },
      { key: "col.recorded", cell: (r) => beijingTime(r.recorded && r.recorded.time) },
    ], items, (r) => ({ "data-receipt": r.id }));
  });
  section(root, "my-agreements", "inbox.agreementsToSign", async (body) => {
    const items = (await list("/v1/agreements?operator=" + enc(me))).filter((a) => a.status === "proposed" && !(a.operatorSigned && a.operatorSigned.txId));
    agreementsTable(ctx, body, items);
  });
  section(root, "my-products", "inbox.myProducts", async (body) => {
    const items = await list("/v1/products?owner=" + enc(me));
    table(body, [
      { key: "col.id", cell: (p) => p.id, cls: "id" },
      { key: "col.name", cell: (p) => p.name },
      { key: "col.status", cell: (p) => label("status", p.status) },
      { key: "col.marks", cell: (p) => (p.marks || []).map((m) => m.grantId + " " + label("status", m.change)).join("；") },
      { key: "col.registrationNo", cell: (p) => p.registrationNo },
      { key: "col.actions", cell: (p) => (p.status === "approved" || p.status === "delisted")
        // The owner offers the product; the exchange lists it and issues
        // its registration number.
        ? actionForm(ctx, { submitKey: "action.requestListing", cls: "request-listing", run: () => post("/v1/products/" + enc(p.id) + "/list"), done: done("kind.product") })
        : "" },
    ], items, (p) => ({ "data-product": p.id }));
  });
}

// ---- the data exchange (数据交易所)

function exchange(root, ctx) {
  section(root, "listing-requests", "inbox.listingRequests", async (body) => {
    const items = await list("/v1/products?status=listing-requested");
    table(body, [
      { key: "col.id", cell: (p) => p.id, cls: "id" },
      { key: "col.name", cell: (p) => p.name },
      { key: "col.owner", cell: (p) => p.owner },
      { key: "col.requested", cell: (p) => beijingTime(p.listingRequested) },
      { key: "col.actions", cell: (p) => h("div", { class: "actions" },
        actionForm(ctx, {
          submitKey: "action.confirmListing", cls: "confirm-listing",
          extra: [{ name: "registrationNo", labelKey: "form.registrationNo", required: true }],
          run: (v) => post("/v1/products/" + enc(p.id) + "/listing/confirm", { registrationNo: v.registrationNo }),
          done: done("kind.product"),
        }),
        actionForm(ctx, { submitKey: "action.rejectListing", reason: "required", cls: "reject-listing danger", run: (v) => post("/v1/products/" + enc(p.id) + "/listing/reject", { reason: v.reason }), done: done("kind.product") })) },
    ], items, (p) => ({ "data-product": p.id }));
  }, true);
  section(root, "listed-products", "inbox.listedProducts", async (body) => {
    const items = await list("/v1/products?status=listed", 50);
    table(body, [
      { key: "col.id", cell: (p) => p.id, cls: "id" },
      { key: "col.name", cell: (p) => p.name },
      { key: "col.owner", cell: (p) => p.owner },
      { key: "col.registrationNo", cell: (p) => p.registrationNo },
      { key: "col.actions", cell: (p) => actionForm(ctx, { submitKey: "action.delist", reason: "required", cls: "delist danger", run: (v) => post("/v1/products/" + enc(p.id) + "/delist", { reason: v.reason }), done: done("kind.product") }) },
    ], items, (p) => ({ "data-product": p.id }));
  }, true);
}

// ---- the platform (平台运营主体)

function platform(root, ctx) {
  const me = ctx.me.caller.msp;
  section(root, "attestors", "inbox.attestors", async (body) => {
    const items = await list("/v1/attestors?platform=" + enc(me));
    table(body, [
      { key: "col.address", cell: (a) => a.address, cls: "id" },
      { key: "col.name", cell: (a) => a.name },
      { key: "col.status", cell: (a) => label("status", a.status) },
      { key: "col.registered", cell: (a) => beijingTime(a.created && a.created.time) },
    ], items);
  });
  section(root, "batches", "inbox.batches", async (body) => {
    const byBatch = new Map();
    for (const r of await list("/v1/receipts")) {
      if (!r.batchId) continue;
      const b = byBatch.get(r.batchId) || { id: r.batchId, receipts: 0, records: 0, time: "" };
      b.receipts++;
      b.records += r.records;
      if (r.recorded && r.recorded.time > b.time) b.time = r.recorded.time;
      byBatch.set(r.batchId, b);
    }
    table(body, [
      { key: "col.batch", cell: (b) => b.id, cls: "id" },
      { key: "col.receipts", cell: (b) => String(b.receipts) },
      { key: "col.records", cell: (b) => String(b.records) },
      { key: "col.recorded", cell: (b) => beijingTime(b.time) },
    ], [...byBatch.values()]);
  });
  section(root, "anchoring", "inbox.anchoring", async (body) => {
    let b;
    try {
      b = await get("/v1/anchoring/backlog");
    } catch (err) {
      // An API started without -anchor-url: no service, nothing waits.
      if (err.status !== 404) throw err;
      clear(body);
      body.appendChild(h("p", { class: "muted empty", "data-anchoring": "none" }, t("anchor.none")));
      return;
    }
    clear(body);
    const f = b.inFlight;
    const dl = h("dl", { class: "facts", "data-pending": String(b.pending) });
    for (const [k, v] of [
      ["anchor.pending", b.pending + " / " + b.maxBacklog],
      ["anchor.waiting", String(b.waiting)],
      ["anchor.oldest", beijingTime(b.oldestPending)],
      ["anchor.inFlight", f ? t("anchor.batch", { id: f.id, size: f.size, since: beijingTime(f.since) }) : "—"],
      ["anchor.anchored", String(b.anchored)],
      ["anchor.refused", String(b.refused)],
    ]) dl.append(h("dt", {}, t(k)), h("dd", {}, v));
    body.append(h("div", { class: "gauges" }, gauge(b.pending, b.maxBacklog, t("anchor.pending") + " " + b.pending + " / " + b.maxBacklog)), dl);
  });
}

// ---- the regulator (监管方)

function regulator(root, ctx) {
  section(root, "search", "inbox.search", (body) => {
    clear(body);
    const result = h("div", { id: "search-result", "aria-live": "polite" });
    const form = h("form", { class: "action search", id: "search-form" },
      h("label", { for: "search-kind" }, t("search.kind")),
      h("select", { id: "search-kind", name: "kind" }, ...[["product", "search.product"], ["grant", "search.grant"], ["dataset", "search.dataset"], ["operator", "search.operator"]].map(([v, k]) => h("option", { value: v }, t(k)))),
      h("label", { for: "search-id" }, t("search.id")),
      h("input", { id: "search-id", name: "id", type: "text", required: true, maxlength: 128, autocomplete: "off" }),
      h("button", { type: "submit" }, t("search.submit")));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const kind = form.elements.kind.value, id = form.elements.id.value.trim();
      if (!id) return;
      if (kind === "product") {
        ctx.openProvenance(id);
        return;
      }
      search(result, kind, id).catch((err) => { clear(result); showError(result, err); });
    });
    body.append(form, result);
  }, true);
  section(root, "recent-products", "inbox.products", async (body) => {
    const items = await list("/v1/products", 20);
    table(body, [
      { key: "col.id", cell: (p) => p.id, cls: "id" },
      { key: "col.name", cell: (p) => p.name },
      { key: "col.owner", cell: (p) => p.owner },
      { key: "col.status", cell: (p) => label("status", p.status) },
      { key: "col.actions", cell: (p) => {
        const b = h("button", { type: "button", class: "provenance" }, t("action.provenance"));
        b.addEventListener("click", () => ctx.openProvenance(p.id));
        return b;
      } },
    ], items, (p) => ({ "data-product": p.id }));
  }, true);
}

async function search(root, kind, id) {
  clear(root);
  const rows = [];
  if (kind === "grant") {
    const g = await get("/v1/grants/" + enc(id));
    rows.push(["col.id", g.id], ["col.holder", g.holder], ["col.status", label("status", g.status)], ["col.scenario", g.scenario],
      ["col.datasets", ids((g.scope.datasets || []).map((d) => d.id))], ["col.term", termText(g.term)], ["prov.tx", g.updated.txId]);
  } else if (kind === "dataset") {
    const d = await get("/v1/datasets/" + enc(id));
    rows.push(["col.id", d.id], ["col.name", d.name], ["col.owner", d.owner], ["col.status", label("status", d.status)], ["prov.tx", d.updated.txId]);
    const grants = await list("/v1/grants?status=active");
    rows.push(["inbox.activeGrants", ids(grants.filter((g) => (g.scope.datasets || []).some((x) => x.id === id)).map((g) => g.id))]);
  } else {
    const p = await get("/v1/participants/" + enc(id));
    rows.push(["col.id", p.msp], ["col.name", p.name], ["col.role", label("role", p.role)], ["col.status", label("status", p.status)]);
    rows.push(["inbox.myGrants", ids((await list("/v1/grants?holder=" + enc(id))).map((g) => g.id + " (" + label("status", g.status) + ")"))]);
  }
  const dl = h("dl", { class: "facts" });
  for (const [k, v] of rows) dl.append(h("dt", {}, t(k)), h("dd", {}, v || "—"));
  root.appendChild(dl);
}

// ---- an expert (专家咨询委员会成员)

function expert(root) {
  section(root, "products-in-review", "inbox.productsToDecide", async (body) => {
    const items = await list("/v1/products?status=in-review");
    table(body, [
      { key: "col.id", cell: (p) => p.id, cls: "id" },
      { key: "col.name", cell: (p) => p.name },
      { key: "col.owner", cell: (p) => p.owner },
    ], items);
  });
}

const byRole = { authority, provider, operator: holder, developer: holder, platform, regulator, expert, exchange };

// renderInbox fills root with the inbox of the caller's role.
export function renderInbox(root, ctx) {
  clear(root);
  const role = ctx.me.caller && ctx.me.caller.role;
  const fill = byRole[role];
  if (!fill) {
    root.appendChild(h("p", { class: "muted" }, t("inbox.noRole")));
    return;
  }
  notices(root);
  fill(root, ctx);
}

// notices lists what waits on the caller and by when (期限与提醒), as the
// contract answers at its transaction time: terms ending, renewal
// cut-offs, reviews lapsing, calls closing, approvals and signatures.
function notices(root) {
  section(root, "notices", "inbox.notices", async (body) => {
    const answer = await get("/v1/notices?within=90d");
    table(body, [
      { key: "col.notice", cell: (n) => t("notice." + n.kind) },
      { key: "col.object", cell: (n) => t("kind." + n.objectType) + " " + n.objectId, cls: "id" },
      { key: "col.due", cell: (n) => beijingTime(n.due) },
      { key: "col.daysLeft", cell: (n) => String(n.daysLeft) },
    ], answer.items || [], (n) => ({ "data-notice": n.kind + "/" + n.objectId }));
  }, true);
}
