// The map's legend: the zones' rows (side and status, in the theme's colours) and the
// events' rows (kinds shown, how many are in view, how to read clusters or density).
// Every text is set with textContent.

import { DENSITY_STEPS, kindName } from "./events.js";
import { locale, t, zoneLabel } from "./strings.js";

function element(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

function number(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

/** The zones' rows for the pack's ``styles`` (already in the theme's colours). */
export function zoneRows(styles) {
  const rows = [["UA|held", "held"], ["RU|held", "held"], ["UA|contested", "contested"], ["RU|claimed", "claimed"]];
  const out = [];
  for (const [key, kind] of rows) {
    const entry = styles[key];
    if (!entry) continue;
    const row = element("div", "row");
    const swatch = element("span", `sw sw-${kind}`);
    swatch.style.borderColor = entry.style.color;
    if (kind === "held") swatch.style.background = entry.style.fillColor;
    const label = element("span");
    label.textContent = kind === "contested" ? t("legend.contested") : kind === "claimed" ? t("legend.claimed")
      : zoneLabel(key.split("|")[0], kind, entry.label);
    // The map's Territory renames the row when its zones carry categories (draw.js relabelLegend).
    row.dataset.zone = key;
    label.dataset.plain = label.textContent;
    row.append(swatch, label);
    out.push(row);
  }
  return out;
}

/** The legend's events rows for what is drawn (``drawn``: {mode, count}): the kinds shown
 * with their colours, how many events are in view, and how to read the drawing. Text only. */
export function eventRows(drawn, kinds, colours, windowDays) {
  const rows = [];
  if (!drawn || drawn.mode === "none") return rows;
  const head = element("div", "row frontline-legend-events");
  head.textContent = t("legend.events", { count: drawn.count, n: number(drawn.count), days: windowDays });
  rows.push(head);
  if (drawn.mode === "density") {
    const ramp = document.createElement("div");
    ramp.className = "row";
    for (const [least, colour] of DENSITY_STEPS) {
      const step = document.createElement("span");
      step.className = "sw sw-density";
      step.style.background = colour;
      step.title = `≥ ${least}`;
      ramp.append(step);
    }
    const label = document.createElement("span");
    label.textContent = t("legend.density", { low: DENSITY_STEPS[0][0], high: DENSITY_STEPS[DENSITY_STEPS.length - 1][0] });
    ramp.append(label);
    rows.push(ramp);
    return rows;
  }
  for (const kind of kinds) {
    const row = document.createElement("div");
    row.className = "row";
    const dot = document.createElement("span");
    dot.className = "sw sw-event";
    dot.style.background = colours[kind] ?? colours.other ?? "#37474f";
    const label = document.createElement("span");
    label.textContent = kindName(kind);
    row.append(dot, label);
    rows.push(row);
  }
  const note = document.createElement("div");
  note.className = "row frontline-note";
  note.textContent = t(drawn.mode === "clusters" ? "legend.clusters" : "legend.outline");
  rows.push(note);
  return rows;
}
