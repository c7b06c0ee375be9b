// Events on the map: thousands of dated points (strikes, fire detections...) drawn on one
// canvas, so that a week of NASA FIRMS detections (~2,300 points) neither freezes the page
// nor buries the front line.
//
// How it draws (docs/reader.md, "Events"):
// - "auto" (the default): each event as its own symbol when the reader is zoomed in
//   (zoom >= SYMBOL_ZOOM) or when few are in view (<= FEW_EVENTS); otherwise clusters on a
//   CLUSTER_PX screen grid, each a ring split by kind around its count.
// - "clusters", "symbols": always that.
// - "density": hexagonal bins of HEX_PX on screen, coloured by how many events each holds
//   on a fixed scale (DENSITY_STEPS), the same at every date, so that scrubbing compares.
// A symbol's colour says its kind; its outline its confidence (solid: confirmed, dashed:
// claimed, dotted: disputed, as the legend says), dark on the light theme so that light
// colours (fire detections' amber) keep their contrast on the pale basemap.
//
// The reader calls ``show(events, first, last)`` on every step with the window's positions
// in the layer's events (sorted by day): nothing waits for a file, and a step that leaves
// the window, filter and view as they were draws nothing. Hovering a symbol, cluster or
// bin shows its tooltip (kinds and counts; a symbol's own text), built with textContent:
// strings from the data never become markup. Clicking a cluster or bin zooms in on it.

import { tipElement } from "./draw.js";
import { locale, t } from "./strings.js";

export const SYMBOL_ZOOM = 9;
export const FEW_EVENTS = 300;
export const CLUSTER_PX = 56;
export const HEX_PX = 16;
export const MODES = ["auto", "clusters", "density", "symbols"];
/** Lower bounds of the density classes (events in a hexagon) and their colours: the
 * slides' ramp, as layers/style.py EVENT_DENSITY_STEPS (a test checks they agree). */
export const DENSITY_STEPS = [
  [1, "#fcf4b6"], [3, "#fcc27a"], [10, "#f8815f"], [30, "#a3307e"], [100, "#2d1160"],
];
const MARGIN = 24;

/** Which events pass ``filter`` ({kinds, confidences, sources}: a missing or empty list
 * lets every value through): a Uint8Array of 0/1, one per event. */
export function eventMask(columns, filter = {}) {
  const n = columns.date.length;
  const mask = new Uint8Array(n).fill(1);
  for (const [field, wanted] of [["kind", filter.kinds], ["confidence", filter.confidences], ["source", filter.sources]]) {
    if (!Array.isArray(wanted) || !wanted.length) continue;
    const allowed = new Set(wanted.map(String));
    const values = columns[field] ?? [];
    for (let i = 0; i < n; i += 1) if (mask[i] && !allowed.has(values[i] ?? "")) mask[i] = 0;
  }
  return mask;
}

/** How the events are drawn at ``zoom`` with ``count`` of them in view. */
export function drawMode(mode, zoom, count) {
  if (mode === "density" || mode === "clusters" || mode === "symbols") return mode;
  return zoom >= SYMBOL_ZOOM || count <= FEW_EVENTS ? "symbols" : "clusters";
}

/** Group points (screen ``xs``, ``ys`` of ``members``) into CLUSTER_PX grid cells: each
 * cluster's mean position and its members, in the order first met. */
export function gridClusters(xs, ys, members, cell = CLUSTER_PX) {
  const cells = new Map();
  for (const i of members) {
    const key = `${Math.floor(xs[i] / cell)},${Math.floor(ys[i] / cell)}`;
    let cluster = cells.get(key);
    if (!cluster) {
      cluster = { x: 0, y: 0, members: [] };
      cells.set(key, cluster);
    }
    cluster.x += xs[i];
    cluster.y += ys[i];
    cluster.members.push(i);
  }
  const out = [...cells.values()];
  for (const c of out) {
    c.x /= c.members.length;
    c.y /= c.members.length;
  }
  return out;
}

/** Pointy-top hexagons of circumradius ``radius`` px holding the points: each bin's centre
 * and members. */
export function hexBins(xs, ys, members, radius = HEX_PX) {
  const width = Math.sqrt(3) * radius;
  const bins = new Map();
  for (const i of members) {
    // Axial coordinates, rounded in cube coordinates (the nearest hexagon centre).
    const q = (xs[i] * Math.sqrt(3) / 3 - ys[i] / 3) / radius;
    const r = (ys[i] * 2 / 3) / radius;
    let rx = Math.round(q);
    let rz = Math.round(r);
    const ry = Math.round(-q - r);
    const dx = Math.abs(rx - q);
    const dz = Math.abs(rz - r);
    const dy = Math.abs(ry - (-q - r));
    if (dx > dy && dx > dz) rx = -ry - rz;
    else if (dz >= dy) rz = -rx - ry;
    const key = `${rx},${rz}`;
    let bin = bins.get(key);
    if (!bin) {
      bin = { x: width * (rx + rz / 2), y: radius * 1.5 * rz, members: [] };
      bins.set(key, bin);
    }
    bin.members.push(i);
  }
  return [...bins.values()];
}

/** The density class colour of a bin holding ``count`` events. */
export function densityColour(count) {
  let colour = DENSITY_STEPS[0][1];
  for (const [least, value] of DENSITY_STEPS) if (count >= least) colour = value;
  return colour;
}

/** [kind, count] of ``members``, most first (ties by name). */
export function kindCounts(kinds, members) {
  const counts = new Map();
  for (const i of members) counts.set(kinds[i], (counts.get(kinds[i]) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** A kind's name in words ("fire_detection" -> "fire detection"). */
export function kindName(kind) {
  const key = `kind.${kind}`;
  const text = t(key);
  return text === key ? String(kind || "?").replace(/_/g, " ") : text;
}

function number(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

/** The tooltip lines of a group: "2,100 fire detection", one per kind, most first. */
export function groupLines(kinds, members) {
  return kindCounts(kinds, members).map(([kind, count]) => ["", `${number(count)} ${kindName(kind)}`]);
}

const DASHES = { confirmed: [], claimed: [3, 2], disputed: [1, 2] };

/** The events canvas over the territory, under the place names. */
export class EventCanvas {
  constructor(L, map, colours, pane = "events") {
    this.L = L;
    this.map = map;
    this.colours = colours;
    map.createPane(pane).style.zIndex = 610;
    this.canvas = L.DomUtil.create("canvas", "frontline-events leaflet-zoom-hide", map.getPane(pane));
    this.canvas.setAttribute("aria-hidden", "true");
    this.context = this.canvas.getContext("2d");
    this.tooltip = L.tooltip({ className: "frontline-tooltip", direction: "top", offset: [0, -8] });
    this.mode = "auto";
    this.filter = {};
    this.events = null;
    this.first = 0;
    this.last = 0;
    this.key = "";
    this.items = [];
    this.world = new Map(); // events layer -> {x, y}: zoom-0 world pixels, computed once
    this.masks = new Map(); // events layer -> [filter key, mask]
    this.onView = () => { this.key = ""; this.redraw(); };
    map.on("moveend zoomend resize viewreset", this.onView);
    this.onMove = (e) => this.hover(e.containerPoint, e.latlng);
    this.onOut = () => this.hide();
    this.onClick = (e) => this.click(e.containerPoint);
    map.on("mousemove", this.onMove);
    map.on("mouseout", this.onOut);
    map.on("click", this.onClick);
    this.stats = { draws: 0 };
  }

  remove() {
    this.map.off("moveend zoomend resize viewreset", this.onView);
    this.map.off("mousemove", this.onMove);
    this.map.off("mouseout", this.onOut);
    this.map.off("click", this.onClick);
    this.canvas.remove();
  }

  setColours(colours) {
    this.colours = colours;
    this.key = "";
    this.redraw();
  }

  /** ``mode``: one of MODES; ``filter``: {kinds, confidences, sources}. */
  setOptions({ mode, filter }) {
    this.mode = MODES.includes(mode) ? mode : "auto";
    this.filter = filter && typeof filter === "object" ? filter : {};
    this.redraw();
  }

  /** Show events [first, last) of ``events`` (a Pack events layer); nothing if null. */
  show(events, first, last) {
    this.events = events;
    this.first = first;
    this.last = last;
    this.redraw();
  }

  mask(events) {
    const key = JSON.stringify([this.filter.kinds ?? [], this.filter.confidences ?? [], this.filter.sources ?? []]);
    const kept = this.masks.get(events);
    if (kept && kept[0] === key) return kept[1];
    const mask = eventMask(events.columns, this.filter);
    this.masks.set(events, [key, mask]);
    return mask;
  }

  worldPoints(events) {
    let world = this.world.get(events);
    if (!world) {
      const c = events.columns;
      const n = c.date.length;
      world = { x: new Float64Array(n), y: new Float64Array(n), ok: new Uint8Array(n) };
      for (let i = 0; i < n; i += 1) {
        if (typeof c.lat[i] !== "number" || typeof c.lon[i] !== "number") continue;
        const p = this.map.options.crs.latLngToPoint(this.L.latLng(c.lat[i], c.lon[i]), 0);
        world.x[i] = p.x;
        world.y[i] = p.y;
        world.ok[i] = 1;
      }
      this.world.set(events, world);
    }
    return world;
  }

  /** Draw what ``show`` and ``setOptions`` asked for, unless it is drawn already. */
  redraw() {
    const map = this.map;
    const size = map.getSize();
    const zoom = map.getZoom();
    const origin = map.getPixelOrigin();
    const topLeft = map.containerPointToLayerPoint([0, 0]);
    const events = this.events;
    const key = events ? [events.name, this.first, this.last, this.mode, JSON.stringify(this.filter),
      zoom, origin.x, origin.y, topLeft.x, topLeft.y, size.x, size.y].join("|") : "";
    if (key === this.key) return;
    this.key = key;
    this.hide();
    const ratio = window.devicePixelRatio || 1;
    const canvas = this.canvas;
    if (canvas.width !== Math.round(size.x * ratio) || canvas.height !== Math.round(size.y * ratio)) {
      canvas.width = Math.round(size.x * ratio);
      canvas.height = Math.round(size.y * ratio);
      canvas.style.width = `${size.x}px`;
      canvas.style.height = `${size.y}px`;
    }
    this.L.DomUtil.setPosition(canvas, topLeft);
    const ctx = this.context;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, size.x, size.y);
    this.items = [];
    this.stats.draws += 1;
    if (!events || this.last <= this.first) {
      this.describe("none", 0, 0);
      return;
    }
    const world = this.worldPoints(events);
    const mask = this.mask(events);
    const scale = 2 ** zoom;
    const dx = origin.x + topLeft.x;
    const dy = origin.y + topLeft.y;
    const xs = new Float64Array(world.x.length);
    const ys = new Float64Array(world.y.length);
    const inView = [];
    for (let i = this.first; i < this.last; i += 1) {
      if (!mask[i] || !world.ok[i]) continue;
      const x = world.x[i] * scale - dx;
      const y = world.y[i] * scale - dy;
      if (x < -MARGIN || y < -MARGIN || x > size.x + MARGIN || y > size.y + MARGIN) continue;
      xs[i] = x;
      ys[i] = y;
      inView.push(i);
    }
    const mode = drawMode(this.mode, zoom, inView.length);
    if (mode === "symbols") this.drawSymbols(xs, ys, inView);
    else if (mode === "clusters") this.drawClusters(xs, ys, inView);
    else this.drawDensity(xs, ys, inView);
    this.describe(mode, inView.length, this.items.length);
  }

  /** What is drawn, for the legend and for tests: data-events-mode, -count, -items. */
  describe(mode, count, items) {
    this.drawn = { mode, count, items };
    this.canvas.dataset.eventsMode = mode;
    this.canvas.dataset.eventsCount = String(count);
    this.canvas.dataset.eventsItems = String(items);
    this.canvas.frontlineItems = this.items; // what is where, for tests (a property, not markup)
    this.onDrawn?.(this.drawn);
  }

  colour(kind) {
    return this.colours[kind] ?? this.colours.other ?? "#37474f";
  }

  drawSymbols(xs, ys, members, radius = this.map.getZoom() >= 11 ? 6 : 4.5) {
    const ctx = this.context;
    const c = this.events.columns;
    const groups = new Map(); // style -> Path2D
    for (const i of members) {
      const style = `${c.kind[i]}|${DASHES[c.confidence[i]] ? c.confidence[i] : "confirmed"}`;
      let path = groups.get(style);
      if (!path) {
        path = new Path2D();
        groups.set(style, path);
      }
      path.moveTo(xs[i] + radius, ys[i]);
      path.arc(xs[i], ys[i], radius, 0, 2 * Math.PI);
      this.items.push({ x: xs[i], y: ys[i], r: radius + 2, index: i });
    }
    for (const [style, path] of groups) {
      const [kind, confidence] = style.split("|");
      ctx.globalAlpha = confidence === "confirmed" ? 0.95 : 0.7;
      ctx.fillStyle = this.colour(kind);
      ctx.fill(path);
      ctx.globalAlpha = 1;
      ctx.setLineDash(DASHES[confidence]);
      ctx.lineWidth = 1.2;
      ctx.strokeStyle = this.outline ?? "#2b2b2b";
      ctx.stroke(path);
    }
    ctx.setLineDash([]);
  }

  drawClusters(xs, ys, members) {
    const ctx = this.context;
    const kinds = this.events.columns.kind;
    const singles = [];
    for (const cluster of gridClusters(xs, ys, members)) {
      if (cluster.members.length === 1) {
        singles.push(cluster.members[0]);
        continue;
      }
      const n = cluster.members.length;
      const radius = Math.min(22, 9 + 3.5 * Math.log10(n));
      let angle = -Math.PI / 2;
      for (const [kind, count] of kindCounts(kinds, cluster.members)) {
        const sweep = (2 * Math.PI * count) / n;
        ctx.beginPath();
        ctx.arc(cluster.x, cluster.y, radius, angle, angle + sweep);
        ctx.arc(cluster.x, cluster.y, radius - 4, angle + sweep, angle, true);
        ctx.closePath();
        ctx.fillStyle = this.colour(kind);
        ctx.fill();
        angle += sweep;
      }
      ctx.beginPath();
      ctx.arc(cluster.x, cluster.y, radius - 4, 0, 2 * Math.PI);
      ctx.fillStyle = this.halo ?? "#ffffff";
      ctx.globalAlpha = 0.8;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.fillStyle = this.ink ?? "#1d1d1d";
      ctx.font = "bold 11px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(n >= 10000 ? `${Math.round(n / 1000)}k` : String(n), cluster.x, cluster.y);
      this.items.push({ x: cluster.x, y: cluster.y, r: radius, members: cluster.members });
    }
    this.drawSymbols(xs, ys, singles);
  }

  drawDensity(xs, ys, members) {
    const ctx = this.context;
    const corners = [0, 1, 2, 3, 4, 5].map((k) => {
      const a = (Math.PI / 3) * k + Math.PI / 6;
      return [HEX_PX * Math.cos(a), HEX_PX * Math.sin(a)];
    });
    ctx.globalAlpha = 0.72;
    for (const bin of hexBins(xs, ys, members)) {
      ctx.beginPath();
      corners.forEach(([cx, cy], k) => (k ? ctx.lineTo(bin.x + cx, bin.y + cy) : ctx.moveTo(bin.x + cx, bin.y + cy)));
      ctx.closePath();
      ctx.fillStyle = densityColour(bin.members.length);
      ctx.fill();
      this.items.push({ x: bin.x, y: bin.y, r: HEX_PX * 0.87, members: bin.members, bin: true });
    }
    ctx.globalAlpha = 1;
  }

  /** The item drawn at ``point`` (container pixels), topmost first, or null. */
  itemAt(point) {
    for (let k = this.items.length - 1; k >= 0; k -= 1) {
      const item = this.items[k];
      if ((item.x - point.x) ** 2 + (item.y - point.y) ** 2 <= item.r ** 2) return item;
    }
    return null;
  }

  /** The tooltip of an item: a symbol's own text, or a group's count per kind. */
  tip(item) {
    const c = this.events.columns;
    if (item.index !== undefined) {
      const i = item.index;
      return tipElement(c.title[i] || t("tip.event"), [
        ["", `${kindName(c.kind[i])} · ${c.date[i]}`], [t("tip.where"), c.place[i]], [t("tip.weapon"), c.weapon[i]],
        [t("tip.target"), c.target[i]], [t("tip.source"), c.source[i]], [t("tip.confidence"), c.confidence[i]],
      ]);
    }
    const days = item.members.map((i) => c.date[i]).sort();
    const span = days[0] === days[days.length - 1] ? days[0] : `${days[0]} – ${days[days.length - 1]}`;
    return tipElement(t(item.bin ? "events.bin" : "events.cluster", { count: item.members.length, n: number(item.members.length) }), [
      ...groupLines(c.kind, item.members), ["", span], ["", t("events.zoomIn")],
    ]);
  }

  hover(point, latlng) {
    const item = this.events ? this.itemAt(point) : null;
    this.map.getContainer().style.cursor = item ? "pointer" : "";
    if (!item) {
      this.hide();
      return;
    }
    if (item !== this.hovered) {
      this.hovered = item;
      this.tooltip.setContent(this.tip(item));
    }
    this.tooltip.setLatLng(this.map.containerPointToLatLng([item.x, item.y]));
    if (!this.map.hasLayer(this.tooltip)) this.tooltip.addTo(this.map);
    void latlng;
  }

  hide() {
    this.hovered = null;
    if (this.map.hasLayer(this.tooltip)) this.tooltip.remove();
  }

  /** A click on a cluster or bin zooms in on its events; on a symbol, shows its tooltip. */
  click(point) {
    const item = this.events ? this.itemAt(point) : null;
    if (!item) return;
    if (item.index !== undefined) {
      this.hover(point);
      return;
    }
    const c = this.events.columns;
    const bounds = this.L.latLngBounds(item.members.map((i) => [c.lat[i], c.lon[i]]));
    this.map.fitBounds(bounds.pad(0.2), { maxZoom: Math.max(this.map.getZoom() + 2, SYMBOL_ZOOM) });
  }
}

/**
 * The events control of a page without the app's sidebar (the published site): which
 * kinds and confidences are shown and how events are drawn, as a collapsed panel on the
 * map. ``kinds`` and ``confidences`` are the values the layer holds; ``current`` is
 * {filter, mode}; ``onChange({filter, mode})`` is called on every change (the site puts
 * it in its address). Labels are set with textContent.
 */
export function eventControl(L, map, { kinds, confidences, current, onChange }) {
  const control = L.control({ position: "topleft" });
  const box = document.createElement("details");
  box.className = "frontline-event-control leaflet-bar";
  const summary = document.createElement("summary");
  summary.textContent = t("events.control");
  box.append(summary);
  const filter = { kinds: [...(current.filter?.kinds ?? [])], confidences: [...(current.filter?.confidences ?? [])] };
  let mode = MODES.includes(current.mode) ? current.mode : "auto";
  const changed = () => onChange({ filter: { ...current.filter, ...filter }, mode });
  const group = (title, field, values, name) => {
    const set = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = title;
    set.append(legend);
    for (const value of values) {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "checkbox";
      input.value = value;
      input.checked = !filter[field].length || filter[field].includes(value);
      input.addEventListener("change", () => {
        const checked = [...set.querySelectorAll("input:checked")].map((node) => node.value);
        filter[field] = checked.length === values.length ? [] : checked;
        changed();
      });
      label.append(input, document.createTextNode(` ${name(value)}`));
      set.append(label);
    }
    box.append(set);
  };
  group(t("events.kinds"), "kinds", kinds, kindName);
  group(t("tip.confidence"), "confidences", confidences, (value) => value);
  const label = document.createElement("label");
  label.textContent = `${t("events.drawAs")} `;
  const select = document.createElement("select");
  for (const value of MODES) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = t(`events.mode.${value}`);
    option.selected = value === mode;
    select.append(option);
  }
  select.addEventListener("change", () => {
    mode = select.value;
    changed();
  });
  label.append(select);
  box.append(label);
  L.DomEvent.disableClickPropagation(box);
  L.DomEvent.disableScrollPropagation(box);
  control.onAdd = () => box;
  control.addTo(map);
  return control;
}

/** Give ``reader`` the events control once it shows an events layer, if its options ask
 * for one (``event_controls``: the published site); changes go to ``reader.events`` and
 * to the ``onEvents({filter, mode})`` callback. */
export function addEventControl(reader) {
  const o = reader.options;
  if (!o.event_controls || !reader.eventsLayer || reader.eventControl) return;
  const c = reader.eventsLayer.columns;
  const distinct = (values) => [...new Set(values.filter(Boolean))].sort();
  reader.eventControl = eventControl(reader.L, reader.map, {
    kinds: distinct(c.kind),
    confidences: distinct(c.confidence),
    current: { filter: o.event_filter, mode: o.event_view },
    onChange: ({ filter, mode }) => {
      reader.options = { ...reader.options, event_filter: filter, event_view: mode };
      reader.events.setOptions({ mode, filter });
      o.onEvents?.({ filter, mode });
    },
  });
}
