// Drawing on the Leaflet map: each snapshot's zones prepared once as a layer group and
// swapped in on each step (an LRU keeps the recent ones); events are drawn by events.js.
// Text from the data goes into tooltips as textContent, never as markup; the interface's
// own words come from strings.js.

import { sideName, t, zoneLabel } from "./strings.js";

const CACHE_GROUPS = 24;
const FADED = 0.35;
let uid = 0;

/** A tooltip element from [label, value] lines (the first line bold); text only. */
export function tipElement(title, lines) {
  const box = document.createElement("div");
  box.className = "frontline-tip";
  const head = document.createElement("b");
  head.textContent = title;
  box.append(head);
  for (const [label, value] of lines) {
    if (!value) continue;
    const line = document.createElement("div");
    line.textContent = label ? `${label}: ${value}` : value;
    box.append(line);
  }
  return box;
}

/** The SVG hatch for contested ground, in the renderer's <svg>; returns its fill value. */
function addHatch(renderer, colour, lineColour = "#4a4a4a") {
  const svg = renderer._container;
  const ns = "http://www.w3.org/2000/svg";
  const id = `frontline-hatch-${++uid}`;
  const defs = document.createElementNS(ns, "defs");
  const pattern = document.createElementNS(ns, "pattern");
  pattern.setAttribute("id", id);
  pattern.setAttribute("patternUnits", "userSpaceOnUse");
  pattern.setAttribute("width", "7");
  pattern.setAttribute("height", "7");
  pattern.setAttribute("patternTransform", "rotate(45)");
  const back = document.createElementNS(ns, "rect");
  back.setAttribute("width", "7");
  back.setAttribute("height", "7");
  back.setAttribute("fill", colour);
  back.setAttribute("fill-opacity", "0.25");
  const line = document.createElementNS(ns, "rect");
  line.setAttribute("width", "2.2");
  line.setAttribute("height", "7");
  line.setAttribute("fill", lineColour);
  line.setAttribute("fill-opacity", "0.7");
  pattern.append(back, line);
  defs.append(pattern);
  svg.insertBefore(defs, svg.firstChild);
  return `url(#${id})`;
}

export class Territory {
  /** ``categoryLabels``: category code -> label, from the pack (``layers.categories``): a
   * zone with a category is named by it ("Retaken (DeepStateMap 'liberated')"). */
  constructor(L, map, styles, pane = "territory", categoryLabels = {}) {
    this.L = L;
    this.map = map;
    this.styles = styles;
    this.categoryLabels = categoryLabels;
    map.createPane(pane).style.zIndex = 400;
    this.renderer = L.svg({ pane, padding: 0.5 });
    this.renderer.addTo(map);
    this.hatch = addHatch(this.renderer, styles["UA|contested"]?.style.fillColor ?? "#7a7a7a");
    this.cache = new Map(); // key -> {group, faded}
    this.shown = new Map(); // layer number -> key
  }

  style(key, faded) {
    const entry = this.styles[key] ?? this.styles["?|held"];
    const style = { ...entry.style };
    if (entry.status === "contested") {
      style.fillColor = this.hatch;
      style.fillOpacity = 1;
    }
    if (faded) {
      style.opacity = (style.opacity ?? 1) * FADED;
      style.fillOpacity = (style.fillOpacity ?? 0.2) * FADED;
    }
    return style;
  }

  group(key, layerName, snapshotIso, zones, faded) {
    const { L } = this;
    const names = {}; // style key -> what its zones are called here (category labels, or null: plain)
    const layers = zones.map(([styleKey, source, note, latlngs, category]) => {
      const entry = this.styles[styleKey] ?? this.styles["?|held"];
      const [side, status] = (this.styles[styleKey] ? styleKey : "?|held").split("|");
      const polygon = L.polygon(latlngs, { ...this.style(styleKey, faded), renderer: this.renderer });
      const named = Object.hasOwn(this.categoryLabels, category ?? "") ? this.categoryLabels[category] : null;
      (names[styleKey] ??= new Set()).add(named);
      const heading = named ? named[0].toUpperCase() + named.slice(1) : zoneLabel(side, status, entry.label);
      polygon.bindTooltip(
        () => tipElement(heading, [
          [t("tip.layer"), layerName], [t("tip.snapshot"), snapshotIso], [t("tip.source"), source], [t("tip.note"), note],
        ]),
        { sticky: true, className: "frontline-tooltip" },
      );
      polygon.frontlineStyle = styleKey;
      return polygon;
    });
    const group = L.featureGroup(layers);
    group.frontlineNames = names;
    return group;
  }

  /** Name the legend's zone rows as the shown zones are named: a row whose zones carry a
   * mapping project's categories reads by them ("Retaken (DeepStateMap 'liberated')"), with
   * the plain label kept first when other zones of that side and status are shown too. */
  relabelLegend() {
    const names = {};
    for (const key of this.shown.values()) {
      for (const [styleKey, labels] of Object.entries(this.cache.get(key)?.group.frontlineNames ?? {})) {
        for (const label of labels) (names[styleKey] ??= new Set()).add(label);
      }
    }
    for (const row of this.map.getContainer().querySelectorAll(".frontline-legend [data-zone]")) {
      const label = row.querySelector("[data-plain]");
      if (!label) continue;
      const order = Object.values(this.categoryLabels);
      const found = [...(names[row.dataset.zone] ?? [])].sort((a, b) => order.indexOf(a) - order.indexOf(b));
      const text = found.some((name) => name) ? found.map((name) => (name ? name[0].toUpperCase() + name.slice(1)
        : label.dataset.plain)).join(" · ") : label.dataset.plain;
      if (label.textContent !== text) label.textContent = text;
    }
  }

  /** Show a layer's snapshot (``key`` names it uniquely; ``zones`` from ``Chunk.zones``, only
   * read when it is not prepared yet), faded or not; hides the layer's previous one. */
  show(layerNumber, key, layerName, snapshotIso, zonesFn, faded) {
    let entry = this.cache.get(key);
    if (entry) {
      this.cache.delete(key);
    } else {
      entry = { group: this.group(key, layerName, snapshotIso, zonesFn(), faded), faded };
    }
    this.cache.set(key, entry);
    if (entry.faded !== faded) {
      entry.group.eachLayer((polygon) => polygon.setStyle(this.style(polygon.frontlineStyle, faded)));
      entry.faded = faded;
    }
    const before = this.shown.get(layerNumber);
    if (before !== key) {
      if (before !== undefined) this.cache.get(before)?.group.remove();
      entry.group.addTo(this.map);
      this.shown.set(layerNumber, key);
      this.relabelLegend();
    }
    this.evict();
  }

  /** Draw with ``styles`` from now on (a theme's colours, the hatch's lines in
   * ``hatchLine``), the prepared snapshots too. */
  setStyles(styles, hatchLine) {
    this.styles = styles;
    this.hatch = addHatch(this.renderer, styles["UA|contested"]?.style.fillColor ?? "#7a7a7a", hatchLine);
    for (const entry of this.cache.values()) {
      entry.group.eachLayer((polygon) => polygon.setStyle(this.style(polygon.frontlineStyle, entry.faded)));
    }
  }

  hide(layerNumber) {
    const before = this.shown.get(layerNumber);
    if (before !== undefined) this.cache.get(before)?.group.remove();
    this.shown.delete(layerNumber);
    this.relabelLegend();
  }

  evict() {
    const visible = new Set(this.shown.values());
    for (const key of this.cache.keys()) {
      if (this.cache.size <= CACHE_GROUPS) break;
      if (!visible.has(key)) {
        this.cache.get(key).group.off();
        this.cache.delete(key);
      }
    }
  }
}

/** Ground gained and lost between the panel's two dates, drawn over the territory. */
export class Change {
  constructor(L, map, styles, pane = "change") {
    this.L = L;
    this.map = map;
    this.styles = styles ?? {};
    map.createPane(pane).style.zIndex = 450;
    this.pane = pane;
    this.layer = null;
    this.source = null;
  }

  /** Draw with ``styles`` from now on (a theme's colours). */
  setStyles(styles) {
    this.styles = styles ?? {};
    this.layer?.setStyle((f) => this.style(f));
  }

  style(f) {
    return this.styles[`${f.properties.side}|${f.properties.change}`] ?? this.styles[`?|${f.properties.change}`] ?? {};
  }

  /** Show ``features`` (GeoJSON features with layer, side, change, km2, since, until), or none. */
  show(features) {
    if (features === this.source) return;
    this.source = features;
    this.layer?.remove();
    this.layer = null;
    if (!features || !features.length) return;
    this.layer = this.L.geoJSON({ type: "FeatureCollection", features }, {
      pane: this.pane,
      style: (f) => this.style(f),
      onEachFeature: (f, layer) => {
        const p = f.properties;
        const title = ["gained", "lost"].includes(p.change)
          ? t(`change.${p.change}`, { side: sideName(p.side) }) : `${p.change} ${sideName(p.side)}`;
        layer.bindTooltip(() => tipElement(title, [
          [t("tip.layer"), p.layer], [t("tip.area"), t("area.km2", { value: p.km2 })],
          [t("tip.between"), t("tip.betweenDates", { since: p.since, until: p.until })],
        ]), { sticky: true, className: "frontline-tooltip" });
      },
    }).addTo(this.map);
  }
}
