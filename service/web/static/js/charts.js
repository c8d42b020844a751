// A scorecard as horizontal SVG bars (0-100), labelled in Chinese.

import { el, fmt } from "./common.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

export function bars(container, criteria) {
  container.replaceChildren(
    ...criteria.map((c) => {
      const chart = svg("svg", { viewBox: "0 0 100 10", preserveAspectRatio: "none", "aria-hidden": "true" });
      chart.append(svg("rect", { class: "track", x: 0, y: 0, width: 100, height: 10 }));
      chart.append(svg("rect", { class: "fill", x: 0, y: 0, width: Math.max(0, Math.min(100, c.score)), height: 10 }));
      return el("div", { class: "bar", title: c.explanation_zh || "" },
        el("span", { text: `${c.label_zh || c.code}（权重 ${fmt(c.weight * 100, 0)}%）` }),
        chart,
        el("strong", { text: fmt(c.score, 0) }),
        c.explanation_zh ? el("p", { class: "hint", text: c.explanation_zh }) : null);
    }),
  );
}
