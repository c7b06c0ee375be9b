// The reader's figures: the km² line under the date (one row per layer) and the text
// alternative announced to screen readers. Text only (textContent).
//
// A layer whose ground carries a mapping project's categories names each side's held
// ground as the project does (``held_names`` from the pack, ``layers.categories``): in
// DeepStateMap's map the blue ground is "retaken (DeepStateMap 'liberated')", ground
// retaken since 24 Feb 2022, not all the ground Ukraine holds, and saying "Ukraine
// 42,529 km²" would be a wrong statement.

import { formatChange, formatKm2, headline, isoDay, layerState, longDate } from "./days.js";
import { sideName, t } from "./strings.js";

function element(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

/** What the layer's snapshot at ``index`` calls ``side``'s held ground when it has its own
 * words for it (``held_names``, one entry per snapshot), else null. */
export function heldName(layer, index, side) {
  const name = layer?.held_names?.[index]?.[side];
  return typeof name === "string" && name ? name : null;
}

/** The figures' rows: per layer its name, km² per side (or per named ground), contested, when mapped. */
export function figureRows(states) {
  return states.map(([layer, s]) => {
    const row = element("div", "frontline-layer-figures");
    const name = element("span", "name");
    name.textContent = layer.name;
    row.append(name);
    if (s.index < 0) {
      const none = element("span", "none");
      none.textContent = t("figures.noSnapshot");
      row.append(none);
      return row;
    }
    const h = headline(layer.areas, s.index);
    for (const side of Object.keys(h.held).sort()) {
      const value = element("span", `km2 side-${side}`);
      value.textContent = t("figures.held", { side: heldName(layer, s.index, side) ?? sideName(side), area: formatKm2(h.held[side]) });
      row.append(value);
    }
    if (h.contested > 0) {
      const value = element("span", "km2 contested");
      value.textContent = t("figures.contested", { area: formatKm2(h.contested) });
      row.append(value);
    }
    const when = element("span", "as-of");
    if (s.stale) {
      row.classList.add("stale");
      when.textContent = t("figures.stale", { date: isoDay(s.snapshotDay), age: s.age, count: s.age });
    } else {
      when.textContent = s.age === 0 ? t("figures.thisDay") : t("figures.snapshot", { date: isoDay(s.snapshotDay) });
    }
    row.append(when);
    return row;
  });
}

/** The areas' method(s) of ``layers``, once each. */
export function layerMethod(layers) {
  return [...new Set(layers.map((layer) => layer.areas?.method).filter(Boolean))].join("; ");
}

/** The text alternative of ``day``: the date, then per layer km² per side and the change
 * since its previous snapshot, then the method. */
export function summaryText(day, layers) {
  const parts = [t("summary.map", { date: longDate(day), iso: isoDay(day) })];
  for (const layer of layers) {
    const s = layerState(layer.days, layer.stale_days, day);
    if (s.index < 0) {
      parts.push(t("summary.noSnapshot", { layer: layer.name }));
      continue;
    }
    const h = headline(layer.areas, s.index);
    const before = s.index > 0 ? headline(layer.areas, s.index - 1) : null;
    const sides = Object.keys(h.held).sort().map((side) => {
      const named = heldName(layer, s.index, side);
      const held = { side: sideName(side), name: named, area: formatKm2(h.held[side]) };
      const [plain, changed] = named ? ["summary.named", "summary.namedChange"] : ["summary.holds", "summary.holdsChange"];
      if (!before || before.held[side] === undefined) return t(plain, held);
      return t(changed, { ...held, change: formatChange(h.held[side] - before.held[side]), date: layer.dates[s.index - 1] });
    });
    if (h.contested > 0) sides.push(t("summary.contested", { area: formatKm2(h.contested) }));
    const when = s.stale ? t("summary.stale", { date: isoDay(s.snapshotDay) }) : t("summary.snapshot", { date: isoDay(s.snapshotDay) });
    parts.push(t("summary.layer", { layer: layer.name, when, sides: sides.join("; ") || t("summary.noAreas") }));
  }
  if (layerMethod(layers)) parts.push(t("summary.method", { method: layerMethod(layers) }));
  return parts.join(" ");
}
