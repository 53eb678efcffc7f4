// The reference page of the grantledger API: reads the OpenAPI document
// this server serves (/v1/openapi.json) and renders its operations by tag.
// Plain DOM, no library and nothing fetched from elsewhere, so that the
// page works where the API has no internet; text is set with textContent
// only, never parsed as HTML.
"use strict";

(function () {
  const methods = ["get", "post", "put", "patch", "delete"];
  const inLabels = { path: "路径 (path)", query: "查询 (query)", header: "请求头 (header)" };
  let doc = null;

  // el makes an element with a class and children (strings become text).
  function el(tag, cls, ...children) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }

  function refName(ref) {
    return ref.slice(ref.lastIndexOf("/") + 1);
  }

  function resolve(schema) {
    if (schema && schema.$ref) return doc.components.schemas[refName(schema.$ref)] || {};
    return schema || {};
  }

  // typeOf describes a schema in one line: its type, format, component
  // name, item type.
  function typeOf(schema) {
    if (!schema) return "any";
    if (schema.$ref) return refName(schema.$ref);
    if (schema.type === "array") return "array<" + typeOf(schema.items) + ">";
    if (schema.type === "object" && schema.additionalProperties) return "map<string, " + typeOf(schema.additionalProperties) + ">";
    let t = schema.type || "any";
    if (schema.format) t += " (" + schema.format + ")";
    return t;
  }

  // schemaTree lists an object schema's fields, nested objects within,
  // each component expanded once per branch (schemas may refer to
  // themselves).
  function schemaTree(schema, seen, depth) {
    let s = resolve(schema);
    if (s.type === "array") return schemaTree(s.items, seen, depth);
    if (s.type === "object" && s.additionalProperties && !s.properties) return schemaTree(s.additionalProperties, seen, depth);
    const props = s.properties || {};
    const names = Object.keys(props);
    if (names.length === 0 || depth > 6) return null;
    const required = new Set(s.required || []);
    const ul = el("ul", "schema");
    for (const name of names) {
      const p = props[name];
      const li = el("li", "", el("code", "", name), " ", el("span", "type", typeOf(p)));
      if (required.has(name)) li.append(" ", el("span", "req", "必填 (required)"));
      const enumValues = p.enum || (p.items && p.items.enum);
      if (enumValues) li.append(" ", el("span", "muted", "取值 (one of): " + enumValues.join(", ")));
      if (p.minimum !== undefined && p.maximum !== undefined) {
        li.append(" ", el("span", "muted", "范围 (range): " + p.minimum + "–" + p.maximum));
      } else if (p.minimum !== undefined) {
        li.append(" ", el("span", "muted", "≥ " + p.minimum));
      } else if (p.maximum !== undefined) {
        li.append(" ", el("span", "muted", "≤ " + p.maximum));
      }
      const ref = p.$ref || (p.items && p.items.$ref) || (p.additionalProperties && p.additionalProperties.$ref);
      if (!ref || !seen.has(ref)) {
        const next = new Set(seen);
        if (ref) next.add(ref);
        const sub = schemaTree(p, next, depth + 1);
        if (sub) li.append(sub);
      }
      ul.append(li);
    }
    return ul;
  }

  function mediaBlock(content) {
    const out = el("div");
    for (const [media, m] of Object.entries(content || {})) {
      out.append(el("div", "muted", el("span", "mono", media), " · ", el("span", "type", typeOf(m.schema))));
      const seen = new Set(m.schema && m.schema.$ref ? [m.schema.$ref] : []);
      const tree = schemaTree(m.schema, seen, 0);
      if (tree) out.append(tree);
    }
    return out;
  }

  function parametersTable(params) {
    const table = el("table", "",
      el("tr", "", el("th", "", "名称 (name)"), el("th", "", "位置 (in)"), el("th", "", "必填 (required)"),
        el("th", "", "类型 (type)"), el("th", "", "说明 (description)")));
    for (const p of params) {
      table.append(el("tr", "", el("td", "", el("code", "", p.name)), el("td", "", inLabels[p.in] || p.in),
        el("td", "", p.required ? "是 (yes)" : "否 (no)"), el("td", "type", typeOf(p.schema)), el("td", "", p.description || "")));
    }
    return table;
  }

  function responsesTable(responses) {
    const codes = Object.keys(responses).sort((a, b) => (a === "default") - (b === "default") || a.localeCompare(b));
    const table = el("table", "", el("tr", "", el("th", "", "状态 (status)"), el("th", "", "说明 (description)"), el("th", "", "内容 (body)")));
    for (const code of codes) {
      // Error answers refer to the document's shared responses.
      let r = responses[code];
      if (r.$ref) r = (doc.components.responses || {})[refName(r.$ref)] || {};
      const media = Object.entries(r.content || {}).map(([m, c]) => m + " · " + typeOf(c.schema)).join("; ");
      table.append(el("tr", "", el("td", "status s" + code[0], code === "default" ? "其他 (default)" : code),
        el("td", "", r.description || ""), el("td", "mono", media)));
    }
    return table;
  }

  function operation(path, method, op) {
    const pub = Array.isArray(op.security) && op.security.length === 0;
    const summary = el("summary", "",
      el("span", "method m-" + method, method.toUpperCase()), el("span", "path", path),
      el("span", "", op.summary || ""), pub ? el("span", "badge", "无需令牌 (no token)") : null);
    const body = el("div", "body", el("p", "muted", "操作 (operation): ", el("code", "", op.operationId || "")));
    if (op.description) body.append(el("p", "", op.description));
    if (op.parameters && op.parameters.length) body.append(el("h4", "", "参数 (Parameters)"), parametersTable(op.parameters));
    if (op.requestBody) {
      body.append(el("h4", "", "请求体 (Request body)" + (op.requestBody.required ? "，必填 (required)" : "")), mediaBlock(op.requestBody.content));
    }
    body.append(el("h4", "", "响应 (Responses)"), responsesTable(op.responses || {}));
    const ok = Object.keys(op.responses || {}).find((c) => c[0] === "2");
    if (ok && op.responses[ok].content) body.append(el("h4", "", "成功响应内容 (" + ok + " body)"), mediaBlock(op.responses[ok].content));
    const d = el("details", "op", summary, body);
    d.id = op.operationId || method + path;
    d.dataset.search = [method, path, op.summary, op.operationId].join(" ").toLowerCase();
    return d;
  }

  function render() {
    document.getElementById("info").textContent =
      doc.info.title + " " + doc.info.version + " · OpenAPI " + doc.openapi + " · " + (doc.info.description || "");
    const tags = (doc.tags || []).map((t) => t.name);
    const byTag = new Map(tags.map((t) => [t, []]));
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of methods) {
        const op = item[method];
        if (!op) continue;
        const tag = (op.tags && op.tags[0]) || "other";
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag).push([path, method, op]);
      }
    }
    const describe = new Map((doc.tags || []).map((t) => [t.name, t.description || ""]));
    const toc = document.getElementById("toc");
    const main = document.getElementById("ops");
    for (const [tag, ops] of byTag) {
      if (ops.length === 0) continue;
      ops.sort((a, b) => a[0].localeCompare(b[0]) || methods.indexOf(a[1]) - methods.indexOf(b[1]));
      const link = el("a", "", (describe.get(tag) || tag).split(" (")[0] + " (" + tag + ")");
      link.href = "#tag-" + tag;
      toc.append(link);
      const section = el("section", "", el("h2", "", tag, " ", el("span", "en", describe.get(tag) || "")));
      section.id = "tag-" + tag;
      for (const [path, method, op] of ops) section.append(operation(path, method, op));
      main.append(section);
    }
    openHash();
  }

  // openHash opens the operation the URL's fragment names (#GetGrant).
  function openHash() {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") {
      target.open = true;
      target.scrollIntoView();
    }
  }

  function filter(text) {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    for (const section of document.querySelectorAll("#ops section")) {
      let shown = 0;
      for (const d of section.querySelectorAll("details.op")) {
        const match = words.every((w) => d.dataset.search.includes(w));
        d.classList.toggle("hidden", !match);
        if (match) shown++;
      }
      section.classList.toggle("hidden", shown === 0);
    }
  }

  document.getElementById("filter").addEventListener("input", (e) => filter(e.target.value));
  window.addEventListener("hashchange", openHash);
  fetch("openapi.json", { headers: { Accept: "application/json" } })
    .then((r) => {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    })
    .then((d) => {
      doc = d;
      render();
    })
    .catch((err) => {
      const info = document.getElementById("info");
      info.className = "error";
      info.textContent = "无法读取 OpenAPI 文档 (cannot read the OpenAPI document): " + err.message;
    });
})();
