// The public disclosure page (公开信息) of the grantledger API: reads the
// four public lists this server serves (GET /v1/disclosure/…, no token)
// and shows each as a table, a page at a time. Plain DOM, no library and
// nothing fetched from elsewhere; text is set with textContent only, never
// parsed as HTML. Times are shown in Beijing time (UTC+8, no daylight
// saving), whatever the reader's time zone.
"use strict";

(function () {
  const pageSize = 20;
  const beijing = 8 * 3600 * 1000;

  const labels = {
    active: "有效 (active)",
    admitted: "已准入 (admitted)",
    whole: "整体授权 (whole)",
    domain: "分领域授权 (domain)",
    scenario: "依场景授权 (scenario)",
    dataset: "数据集 (dataset)",
    api: "数据接口 (API)",
    report: "数据报告 (report)",
    model: "模型 (model)",
    query: "查询核验 (query)",
    statistics: "统计分析 (statistics)",
    "model-training": "模型训练 (model training)",
    "joint-modelling": "联合建模 (joint modelling)",
    verification: "比对验证 (verification)",
  };

  function label(v) {
    return labels[v] || v || "—";
  }

  function list(vs, f) {
    if (!vs || vs.length === 0) return "—";
    return vs.map(f || String).join("、");
  }

  // beijingTime writes an RFC 3339 time as YYYY-MM-DD HH:mm in Beijing
  // time; the zero time of Go (year 1) and missing times as "—".
  function beijingTime(s) {
    if (!s) return "—";
    const t = Date.parse(s);
    if (isNaN(t) || new Date(t).getUTCFullYear() <= 1) return "—";
    const d = new Date(t + beijing);
    const two = (n) => String(n).padStart(2, "0");
    return d.getUTCFullYear() + "-" + two(d.getUTCMonth() + 1) + "-" + two(d.getUTCDate()) +
      " " + two(d.getUTCHours()) + ":" + two(d.getUTCMinutes());
  }

  function term(t) {
    if (!t) return "—";
    let s = beijingTime(t.validFrom) + " 至 (to) " + beijingTime(t.validTo);
    if (t.trialEnds) s += "；试运行至 (trial to) " + beijingTime(t.trialEnds);
    return s;
  }

  // columns of each list: header, then the cell of an item (a string) and
  // whether it is an identifier.
  const lists = {
    operators: [
      ["运营单位 (operator)", (o) => o.msp, true],
      ["名称 (name)", (o) => o.name],
      ["状态 (status)", (o) => label(o.status)],
      ["领域 (domains)", (o) => list(o.domains)],
      ["场景 (scenarios)", (o) => list(o.scenarios)],
      ["授权 (grants)", (o) => list(o.grants), true],
    ],
    grants: [
      ["授权编号 (grant)", (g) => g.id + (g.parentId ? " ← " + g.parentId : ""), true],
      ["被授权方 (holder)", (g) => g.holder, true],
      ["方式 (mode)", (g) => label(g.mode)],
      ["场景 (scenario)", (g) => g.scenario || "—"],
      ["领域 (domains)", (g) => list(g.domains)],
      ["数据集 (datasets)", (g) => list(g.datasets), true],
      ["用途 (purposes)", (g) => list(g.purposes)],
      ["处理方式 (operations)", (g) => list(g.operations, label)],
      ["期限 (term, 北京时间)", (g) => term(g.term)],
      ["状态 (status)", (g) => label(g.status)],
    ],
    agreements: [
      ["协议编号 (agreement)", (a) => a.id, true],
      ["授权 (grant)", (a) => a.grantId, true],
      ["运营单位 (operator)", (a) => a.operator, true],
      ["期限 (term, 北京时间)", (a) => term(a.term)],
      ["生效时间 (in force from, 北京时间)", (a) => beijingTime(a.inForceFrom)],
    ],
    products: [
      ["产品编号 (product)", (p) => p.id, true],
      ["名称 (name)", (p) => p.name],
      ["类型 (type)", (p) => label(p.type)],
      ["所有方 (owner)", (p) => p.owner, true],
      ["登记编号 (registration no.)", (p) => p.registrationNo || "—", true],
      ["依据授权 (grants)", (p) => list(p.grants), true],
      ["上架时间 (listed, 北京时间)", (p) => beijingTime(p.listed)],
    ],
  };

  function el(tag, cls, ...children) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }

  // A list's view: its table and its pager. Pages are read with the
  // bookmark of the page before; the bookmarks of the pages seen are kept
  // so that the reader can go back.
  function view(section) {
    const name = section.dataset.list;
    const cols = lists[name];
    const status = el("p", "muted", "正在读取… (loading…)");
    const body = el("div");
    const prev = el("button", "", "上一页 (previous)");
    const next = el("button", "", "下一页 (next)");
    const where = el("span", "muted");
    section.append(status, body, el("div", "pager", prev, where, next));
    const marks = [""]; // bookmark of each page seen; marks[i] reads page i
    let at = 0;
    let nextMark = "";

    async function load(i) {
      prev.disabled = next.disabled = true;
      status.className = "muted";
      status.textContent = "正在读取… (loading…)";
      const q = "pageSize=" + pageSize + (marks[i] ? "&bookmark=" + encodeURIComponent(marks[i]) : "");
      let res, data;
      try {
        res = await fetch("v1/disclosure/" + name + "?" + q, { headers: { Accept: "application/json" } });
        data = await res.json();
      } catch (e) {
        status.className = "error";
        status.textContent = "读取失败 (could not read): " + e;
        prev.disabled = at === 0;
        next.disabled = false;
        return;
      }
      if (!res.ok) {
        status.className = "error";
        let msg = "读取失败 (could not read): " + res.status + " " + (data.code || "") + " " + (data.message || "");
        const wait = res.headers.get("Retry-After");
        if (res.status === 429 && wait) msg = "请求过于频繁，请 " + wait + " 秒后重试 (too many requests; retry in " + wait + " s)";
        status.textContent = msg;
        prev.disabled = at === 0;
        next.disabled = false;
        return;
      }
      at = i;
      nextMark = data.bookmark || "";
      render(data.items || []);
      status.textContent = "";
      where.textContent = "第 " + (at + 1) + " 页 (page " + (at + 1) + ")";
      prev.disabled = at === 0;
      next.disabled = nextMark === "";
    }

    function render(items) {
      body.replaceChildren();
      if (items.length === 0) {
        body.append(el("p", "empty", at === 0 ? "暂无 (none)" : "没有更多 (no more)"));
        return;
      }
      const head = el("tr");
      for (const [h] of cols) head.append(el("th", "", h));
      const rows = el("tbody");
      for (const it of items) {
        const tr = el("tr");
        for (const [, cell, id] of cols) tr.append(el("td", id ? "id" : "", String(cell(it))));
        rows.append(tr);
      }
      body.append(el("table", "", el("thead", "", head), rows));
    }

    prev.addEventListener("click", () => load(Math.max(0, at - 1)));
    next.addEventListener("click", () => {
      if (nextMark === "") return load(at);
      marks.length = at + 1;
      marks.push(nextMark);
      load(at + 1);
    });
    load(0);
  }

  document.querySelectorAll("section[data-list]").forEach(view);
})();
