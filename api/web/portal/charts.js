// Small SVG drawings built with the DOM: bar charts of use per day (whole,
// or stacked by grant) and a gauge of a quota. No library; text is set as text, never parsed.

// svgNS is the SVG namespace, as the HTML parser gives it to an <svg>.
export const svgNS = new DOMParser().parseFromString("<svg></svg>", "text/html").body.firstChild.namespaceURI;

// el makes an SVG element with attributes, appended to parent if given.
export function el(tag, attrs, parent) {
  const e = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

export function text(parent, x, y, s, cls) {
  const e = el("text", { x, y, class: cls || "" }, parent);
  e.textContent = s;
  return e;
}

// columnChart draws one column per label, each a stack of parts
// { value, cls, tip } from the axis up with its tip as a tooltip, an axis
// with its top value, and the labels (one in n when there are more than
// twelve); caption names the chart for screen readers.
function columnChart(labels, stacks, caption, cls) {
  const w = Math.max(320, labels.length * 16 + 60), h = 170, left = 44, bottom = 36, top = 12;
  const s = el("svg", { viewBox: `0 0 ${w} ${h}`, class: "chart" + (cls ? " " + cls : ""), role: "img", "aria-label": caption });
  el("title", {}, s).textContent = caption;
  const max = Math.max(1, ...stacks.map((parts) => parts.reduce((n, p) => n + p.value, 0)));
  const plotH = h - top - bottom;
  el("line", { x1: left, y1: top + plotH, x2: w - 8, y2: top + plotH, class: "axis" }, s);
  text(s, left - 6, top + 8, String(max), "tick end");
  text(s, left - 6, top + plotH, "0", "tick end");
  const step = (w - left - 8) / Math.max(labels.length, 1);
  labels.forEach((l, i) => {
    const x = left + i * step + step * 0.15;
    let y = top + plotH;
    for (const p of stacks[i]) {
      const bh = (p.value / max) * plotH;
      y -= bh;
      const part = el("rect", { x, y: Math.min(y, top + plotH - 0.5), width: step * 0.7, height: Math.max(bh, 0.5), class: p.cls }, s);
      el("title", {}, part).textContent = p.tip;
    }
    if (labels.length <= 12 || i % Math.ceil(labels.length / 12) === 0) text(s, x + step * 0.35, h - bottom + 14, l, "tick middle");
  });
  return s;
}

// barChart draws one bar per row (label, value), each with its value as a
// tooltip, a day without use as a sliver.
export function barChart(rows, caption) {
  return columnChart(rows.map((r) => r.label), rows.map((r) => [{ value: r.value, cls: "bar", tip: r.label + ": " + r.value }]), caption);
}

// stackedChart draws one bar per period, stacked by series: series are
// { label, values } with one value per period (labels). Each part has its
// series' label and value as a tooltip; legend lists the series by colour.
// Colours repeat after the six the style sheet gives (s0–s5).
export function stackedChart(labels, series, caption) {
  const stacks = labels.map((l, i) => series
    .map((x, k) => ({ value: x.values[i] || 0, cls: "part s" + (k % 6), tip: l + " · " + x.label + ": " + (x.values[i] || 0) }))
    .filter((p) => p.value > 0));
  return columnChart(labels, stacks, caption, "stacked");
}

// legend lists series labels beside a swatch of their colour in a
// stackedChart.
export function legend(series) {
  const ul = document.createElement("ul");
  ul.className = "legend";
  series.forEach((x, k) => {
    const li = document.createElement("li");
    const sw = el("svg", { viewBox: "0 0 10 10", class: "swatch", "aria-hidden": "true" }, li);
    el("rect", { x: 0, y: 0, width: 10, height: 10, class: "part s" + (k % 6) }, sw);
    li.appendChild(document.createTextNode(" " + x.label));
    ul.appendChild(li);
  });
  return ul;
}

// gauge draws how much of a quota is used: an arc and the share.
export function gauge(used, total, caption) {
  const share = total > 0 ? Math.min(used / total, 1) : 0;
  const s = el("svg", { viewBox: "0 0 120 74", class: "gauge" + (share >= 0.9 ? " high" : ""), role: "img", "aria-label": caption });
  el("title", {}, s).textContent = caption;
  const r = 48, cx = 60, cy = 62;
  const arc = (f) => {
    const a = Math.PI * (1 - f);
    return `${cx + r * Math.cos(a)} ${cy - r * Math.sin(a)}`;
  };
  el("path", { d: `M ${arc(0)} A ${r} ${r} 0 0 1 ${arc(1)}`, class: "track" }, s);
  if (share > 0) el("path", { d: `M ${arc(0)} A ${r} ${r} 0 0 1 ${arc(share)}`, class: "used" }, s);
  text(s, cx, cy - 6, Math.round(share * 100) + "%", "share middle");
  text(s, cx, cy + 10, used + " / " + total, "tick middle");
  return s;
}
