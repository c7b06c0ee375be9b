// The published page's panel (index.html, layers/publish.py): beside the map, the reported
// figures nearest the date on screen set against the map's own km², the area over time
// with those figures on it, the method and the sources, and the data as files. Everything
// comes from the site's manifest and data files; every string from the data reaches the
// page through textContent.

import { dayNumber, formatKm2 } from "./days.js";
import { sideName, t } from "./strings.js";

const SVG = "http://www.w3.org/2000/svg";
const SHOWN_FIGURES = 6;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/**
 * The figures to show on ``iso``: for each scope, those dated nearest to it (ties kept),
 * nearest first, then oldest first, at most ``limit`` rows: as ``layers.figures.nearest``.
 */
export function nearestFigures(rows, iso, limit = SHOWN_FIGURES) {
  const day = dayNumber(iso);
  const distances = rows.map((row) => Math.abs(dayNumber(row.date) - day));
  const best = new Map();
  rows.forEach((row, i) => best.set(row.scope, Math.min(distances[i], best.get(row.scope) ?? Infinity)));
  return rows
    .map((row, i) => [distances[i], row])
    .filter(([distance, row]) => distance === best.get(row.scope))
    .sort((a, b) => a[0] - b[0] || (a[1].date < b[1].date ? -1 : a[1].date > b[1].date ? 1 : 0))
    .map(([, row]) => row)
    .slice(0, limit);
}

/** "−501 km² (−50.1 %)": computed minus reported, signed, with the share of the reported. */
export function formatDifference(row) {
  if (row.difference_km2 === null || row.difference_km2 === undefined) return "";
  const sign = row.difference_km2 > 0 ? "+" : row.difference_km2 < 0 ? "−" : "±";
  const km2 = `${sign}${formatKm2(Math.abs(row.difference_km2))}`;
  if (row.difference_pct === null || row.difference_pct === undefined) return km2;
  return `${km2} (${sign}${Math.abs(row.difference_pct).toFixed(0)} %)`;
}

/** The km² held per side of a layer at each snapshot, anywhere (what the header shows). */
export function heldSeries(layer) {
  const areas = layer.areas ?? { keys: [], rows: [] };
  const sides = {};
  areas.keys.forEach((key, column) => {
    const [side, status, within] = key.split("|");
    if (status !== "held" || within !== "") return;
    sides[side] = layer.dates.map((date, i) => [dayNumber(date), areas.rows[i][column] ?? 0]);
  });
  return sides;
}

class Panel {
  constructor(aside, manifest, reader, base) {
    this.aside = aside;
    this.manifest = manifest;
    this.reader = reader;
    this.base = base;
    this.figures = [];
    this.compare = element("section", "frontline-compare");
    this.chart = element("section", "frontline-chart");
    this.about = element("section", "frontline-about");
    this.files = element("section", "frontline-files");
    aside.replaceChildren(this.compare, this.chart, this.about, this.files);
    this.writeAbout();
    this.writeFiles();
  }

  async load() {
    const data = this.manifest.data ?? {};
    if (data.figures) {
      const response = await fetch(new URL(data.figures, this.base));
      if (response.ok) this.figures = (await response.json()).rows ?? [];
    }
  }

  update(iso) {
    this.iso = iso;
    this.writeCompare(iso);
    this.writeChart(iso);
  }

  writeCompare(iso) {
    const heading = element("h2", null, t("panel.compare"));
    const intro = element("p", "frontline-note");
    const shown = nearestFigures(this.figures, iso);
    if (!shown.length) {
      intro.textContent = t("panel.noFigures");
      this.compare.replaceChildren(heading, intro);
      return;
    }
    intro.textContent = t("panel.compareIntro", { date: iso });
    const list = element("ol", "frontline-figure-list");
    for (const row of shown) {
      const item = element("li", "frontline-figure");
      const title = element("div", "scope", row.scope);
      const measured = row.measure && row.measure !== "at date";
      const meta = element("div", "meta", t(measured ? "panel.figureMetaMeasure" : "panel.figureMeta", row));
      const values = element("div", "values");
      values.append(element("span", "reported", t("panel.reported", { area: formatKm2(row.reported_km2) })));
      if (row.comparison === "compared") {
        values.append(
          element("span", "computed", t("panel.computed", { area: formatKm2(row.computed_km2), date: row.computed_as_of })),
          element("span", `difference ${row.difference_km2 < 0 ? "below" : "above"}`, formatDifference(row)),
        );
      } else {
        values.append(element("span", "missing", row.comparison));
      }
      item.append(title, meta, values);
      if (row.note) item.append(element("div", "note", row.note));
      list.append(item);
    }
    this.compare.replaceChildren(heading, intro, list);
  }

  writeChart(iso) {
    const pack = this.reader.pack;
    if (!pack) return;
    const heading = element("h2", null, t("panel.chart"));
    const charts = [heading];
    const day = dayNumber(iso);
    for (const layer of pack.layers) {
      const series = heldSeries(layer);
      const sides = Object.keys(series).sort();
      if (!sides.length || layer.dates.length < 2) continue;
      const first = dayNumber(layer.dates[0]);
      const last = dayNumber(layer.dates[layer.dates.length - 1]);
      const figures = this.figures.filter((row) => row.layer === layer.name && row.measure === "at date"
        && row.status === "held" && sides.includes(row.held_by) && row.reported_km2 !== null);
      const top = Math.max(1, ...sides.flatMap((side) => series[side].map(([, km2]) => km2)),
        ...figures.filter((f) => dayNumber(f.date) >= first && dayNumber(f.date) <= last).map((f) => f.reported_km2));
      const width = 300;
      const height = 120;
      const x = (d) => (4 + ((d - first) / Math.max(1, last - first)) * (width - 8)).toFixed(1);
      const y = (km2) => (height - 14 - (km2 / top) * (height - 24)).toFixed(1);
      const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "frontline-sparkline", role: "img" });
      const label = svg("title");
      label.textContent = t("panel.chartTitle", {
        layer: layer.name, first: layer.dates[0], last: layer.dates[layer.dates.length - 1], date: iso,
      });
      chart.append(label);
      for (const side of sides) {
        const points = series[side].map(([d, km2]) => `${x(d)},${y(km2)}`).join(" ");
        chart.append(svg("polyline", { points, class: `line side-${side}` }));
      }
      for (const figure of figures) {
        const d = dayNumber(figure.date);
        if (d < first || d > last) continue;
        const dot = svg("circle", { cx: x(d), cy: y(figure.reported_km2), r: 2.6, class: `dot side-${figure.held_by}` });
        const tip = svg("title");
        tip.textContent = t("panel.chartDot", { date: figure.date, source: figure.source, area: formatKm2(figure.reported_km2) });
        dot.append(tip);
        chart.append(dot);
      }
      if (day >= first && day <= last) {
        chart.append(svg("line", { x1: x(day), x2: x(day), y1: 2, y2: height - 12, class: "cursor" }));
      }
      const axis = svg("text", { x: 4, y: height - 1, class: "axis" });
      axis.textContent = t("panel.chartAxis", { first: layer.dates[0], last: layer.dates[layer.dates.length - 1], area: formatKm2(top) });
      chart.append(axis);
      const caption = element("p", "frontline-legend-line");
      for (const side of sides) {
        const key = element("span", `side-${side}`, t("panel.chartSide", { side: sideName(side) }));
        caption.append(key, " ");
      }
      caption.append(element("span", "dots", t("panel.chartDots")));
      charts.push(element("h3", null, layer.name), chart, caption);
    }
    this.chart.replaceChildren(...(charts.length > 1 ? charts : []));
  }

  writeAbout() {
    const about = this.manifest.about ?? {};
    const parts = [element("h2", null, t("panel.about"))];
    const method = element("p");
    method.append(element("strong", null, t("panel.areas")), t("panel.method", { method: about.method ?? "" }),
      element("strong", null, t("panel.borders")), t("panel.bordersText", { borders: about.borders ?? "" }));
    parts.push(method);
    if (about.from || about.to) {
      parts.push(element("p", "frontline-note", t("panel.span", {
        from: about.from ?? t("panel.spanFirst"), to: about.to ?? t("panel.spanLast"),
      })));
    }
    for (const layer of about.layers ?? []) {
      const block = element("div", "frontline-layer-about");
      block.append(element("h3", null, layer.name));
      const span = layer.snapshots
        ? t("panel.snapshots", { count: layer.snapshots, first: layer.first, last: layer.last }) : t("panel.noSnapshots");
      block.append(element("p", "frontline-note", span));
      if (layer.illustrative) block.append(element("p", "frontline-illustrative", t("panel.illustrative")));
      if (layer.description) block.append(element("p", "description", layer.description));
      if (layer.sources?.length) {
        const details = element("details");
        details.append(element("summary", null, t("panel.layerSources", { count: layer.sources.length })));
        const list = element("ul");
        for (const entry of layer.sources) {
          list.append(element("li", null, entry.first === entry.last
            ? t("panel.sourceDay", { date: entry.first, source: entry.source }) : t("panel.sourceDays", entry)));
        }
        details.append(list);
        block.append(details);
      }
      parts.push(block);
    }
    for (const events of about.events ?? []) {
      const block = element("div", "frontline-layer-about");
      block.append(element("h3", null, events.name), element("p", "frontline-note", t("panel.events", { count: events.count })));
      if (events.sources?.length) {
        const details = element("details");
        details.append(element("summary", null, t("panel.eventSources", { count: events.sources.length })));
        const list = element("ul");
        for (const source of events.sources) list.append(element("li", null, source));
        details.append(list);
        block.append(details);
      }
      parts.push(block);
    }
    if (about.milestones?.length) parts.push(element("p", "frontline-note", t("panel.milestones", { sources: about.milestones.join("; ") })));
    this.about.replaceChildren(...parts);
  }

  writeFiles() {
    const data = this.manifest.data ?? {};
    const names = [["areas", t("panel.dataAreas")], ["figures_csv", t("panel.dataFigures")], ["events", t("panel.dataEvents")]];
    const list = element("ul");
    for (const [key, label] of names) {
      if (!data[key]) continue;
      const item = element("li");
      const link = element("a", null, label);
      link.href = data[key];
      link.setAttribute("download", "");
      item.append(link);
      list.append(item);
    }
    this.files.replaceChildren(element("h2", null, t("panel.data")), list);
  }
}

/** The panel in ``aside`` for the reader ``reader`` (its pack open); call ``update(iso)`` on pauses. */
export async function createPanel(aside, manifest, reader, base = window.location.href) {
  const panel = new Panel(aside, manifest, reader, base);
  try {
    await panel.load();
  } catch (error) {
    panel.compare.replaceChildren(element("p", "frontline-note", t("panel.figuresFailed", { error: error.message })));
  }
  return panel;
}

/** The embed's credit line: the layers, and a link to the full page at the same place. */
export function writeCredit(footer, manifest, search) {
  const names = (manifest.about?.layers ?? [])
    .map((layer) => (layer.illustrative ? t("credit.illustrative", { layer: layer.name }) : layer.name));
  const link = element("a", null, t("credit.link"));
  link.href = `index.html${search}`;
  link.target = "_blank";
  link.rel = "noopener";
  footer.replaceChildren(t("credit.text", { layers: names.join(", ") }), link);
}
