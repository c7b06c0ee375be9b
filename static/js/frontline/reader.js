// The reader: a map that draws any date of a timeline pack itself, with its header (date,
// layers, km² per side) and a timeline docked to its bottom edge (strip, slider, Play).
// Used by the app's Streamlit component (streamlit.js) and by a plain page alike.
//
// Contract (tests rely on it): the date control is [role=slider] with aria-valuetext
// starting "YYYY-MM-DD"; ←/→ one day, PageUp/PageDown one snapshot, Home/End the ends;
// .leaflet-container carries data-drawn-date once that date's territory is on the map.
//
// Options beyond the data (docs/reader.md, "Embed options"): theme ("light", the default;
// "dark"; "auto" follows prefers-color-scheme), gestures ("greedy", the default: the map
// takes every wheel and touch; "cooperative": gestures.js) and lang (strings.js).

import {
  debounce, firstOnOrAfter, isoDay, latestOnOrBefore,
  layerState, levelForZoom, longDate, nextSnapshot, previousSnapshot, dayNumber,
} from "./days.js";
import { Change, Territory } from "./draw.js";
import { figureRows, summaryText } from "./figures.js";
import { EventCanvas, addEventControl } from "./events.js";
import { eventRows, zoneRows } from "./legend.js";
import { addBasemap } from "./basemap.js";
import { showAttributions } from "./credits.js";
import { cooperate, usesCommandKey } from "./gestures.js";
import { Pack } from "./pack.js";
import { drawStrip, stripItemAt } from "./strip.js";
import { language, setLanguage, t } from "./strings.js";

const PLAY_STEP_MS = 100;
const PAUSE_MS = 300;
const THEMES = ["light", "dark", "auto"];
const DARK_HATCH_LINE = "#c8c8c8";

let leafletPromise = null;

/** Leaflet, loaded once from the app's own files (its CSS too). */
export function loadLeaflet(staticUrl) {
  if (!leafletPromise) {
    for (const href of [`${staticUrl}/vendor/leaflet/leaflet.css`, `${staticUrl}/js/frontline/reader.css`]) {
      if (document.querySelector(`link[href="${href}"]`)) continue;
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      document.head.append(link);
    }
    leafletPromise = window.L ? Promise.resolve(window.L)
      : import(`${new URL(`${staticUrl}/vendor/leaflet/leaflet.js`, window.location.href)}`).then(() => window.L);
  }
  return leafletPromise;
}

function element(tag, className, attributes = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

export class Reader {
  constructor(root, options) {
    this.root = root;
    this.options = options;
    this.callbacks = {
      onPause: options.onPause ?? (() => {}),
      onView: options.onView ?? (() => {}),
      onDrawn: options.onDrawn ?? (() => {}),
    };
    this.stats = { drawn: 0, steps: 0 };
    this.abort = new AbortController();
    this.day = null;
    this.drawnDay = null;
    this.playing = null;
    this.sentDay = options.date ? dayNumber(options.date) : null;
    this.serverDate = options.date ?? null;
    this.sentDates = new Set();
    if (options.lang) setLanguage(options.lang);
    this.language = language();
    this.build();
    this.applyTheme();
    this.ready = this.start();
  }

  build() {
    const root = this.root;
    root.classList.add("frontline-reader");
    root.dataset.packUrl = this.options.pack;
    root.lang = this.language;
    this.header = element("header", "frontline-header");
    this.dateLabel = element("time", "frontline-date");
    this.figures = element("div", "frontline-figures");
    this.milestone = element("div", "frontline-milestone");
    this.notes = element("div", "frontline-notes");
    this.header.append(this.dateLabel, this.figures, this.milestone, this.notes);
    this.stage = element("div", "frontline-stage");
    this.mapBox = element("div", "frontline-map", { "aria-describedby": "" });
    this.status = element("div", "frontline-status", { role: "status" });
    this.dock = element("div", "frontline-dock");
    this.play = element("button", "frontline-play", { type: "button", "aria-pressed": "false", title: t("play.title") });
    this.play.textContent = "▶";
    this.play.setAttribute("aria-label", t("play.label"));
    this.track = element("div", "frontline-track");
    this.strip = element("canvas", "frontline-strip", { "aria-hidden": "true" });
    this.rail = element("div", "frontline-rail");
    this.slider = element("div", "frontline-slider", { role: "slider", tabindex: "0", "aria-label": t("slider.label") });
    this.thumb = element("div", "frontline-thumb");
    this.rail.append(this.thumb);
    this.track.append(this.strip, this.rail, this.slider);
    this.ends = element("div", "frontline-ends");
    this.dock.append(this.play, this.track);
    this.stage.append(this.mapBox, this.status, this.dock);
    this.summary = element("p", "frontline-summary", { "aria-live": "polite" });
    this.summary.id = `frontline-summary-${Math.random().toString(36).slice(2)}`;
    this.mapBox.setAttribute("aria-describedby", this.summary.id);
    root.replaceChildren(this.header, this.stage, this.summary);
    this.status.textContent = t("status.loading");
  }

  async start() {
    const o = this.options;
    const [L, pack] = await Promise.all([
      loadLeaflet(o.static), Pack.open(o.pack, { signal: this.abort.signal, index: o.pack_index }),
    ]);
    if (this.destroyed) return;
    this.L = L;
    this.pack = pack;
    this.first = pack.first;
    this.last = pack.last;
    const view = o.view ?? o.home;
    const map = L.map(this.mapBox, {
      center: view.center, zoom: view.zoom, minZoom: o.min_zoom, maxZoom: o.max_zoom,
      zoomSnap: 1, preferCanvas: false, keyboard: true,
    });
    this.map = map;
    this.mapBox.classList.add("frontline-map");
    map.attributionControl.setPrefix("Leaflet");
    L.control.scale({ imperial: false, maxWidth: 140, position: "bottomleft" }).addTo(map);
    this.addBasemap(L, map);
    this.territory = new Territory(L, map, pack.styles, "territory", pack.categoryLabels);
    this.events = new EventCanvas(L, map, o.event_colours ?? { other: "#37474f" });
    this.events.onDrawn = (drawn) => this.fillEventLegend(drawn);
    this.change = new Change(L, map, o.change_styles);
    this.addLegend(L, map);
    this.level = levelForZoom(pack.levels, map.getZoom());
    map.on("zoomend", () => {
      const level = levelForZoom(pack.levels, map.getZoom());
      if (level !== this.level) {
        this.level = level;
        this.draw();
        this.backgroundLoad();
      }
    });
    const reportView = debounce(() => {
      const c = map.getCenter();
      const b = map.getBounds();
      const round = (x) => Number(x.toFixed(4));
      this.callbacks.onView({
        center: [round(c.lat), round(c.lng)],
        zoom: map.getZoom(),
        bounds: [round(b.getSouth()), round(b.getWest()), round(b.getNorth()), round(b.getEast())],
      });
    }, 400);
    map.on("moveend", () => { if (this.userMoved) reportView(); });
    map.on("movestart zoomstart", (event) => { if (event && !this.programmatic) this.userMoved = true; });
    this.bindSlider();
    if (o.gestures === "cooperative") {
      this.gestures = cooperate(map, {
        wheel: t(usesCommandKey() ? "gestures.wheelMac" : "gestures.wheel"), touch: t("gestures.touch"),
      });
    }
    this.status.textContent = "";
    this.restyle();
    this.setData(o, true);
    this.resizeObserver = new ResizeObserver(() => { map.invalidateSize(); this.paintStrip(); });
    this.resizeObserver.observe(this.stage);
  }

  addBasemap(L, map) {
    addBasemap(this, L, map);
  }

  addLegend(L, map) {
    const legend = L.control({ position: "topright" });
    this.legend = element("div", "frontline-legend");
    this.zoneLegend = element("div");
    this.eventLegend = element("div");
    this.legend.append(this.zoneLegend, this.eventLegend);
    legend.onAdd = () => this.legend;
    legend.addTo(map);
  }

  /** The legend's rows, in the theme's colours, named as the shown zones are (categories). */
  fillLegend(styles) {
    this.zoneLegend.replaceChildren(...zoneRows(styles));
    this.territory.relabelLegend();
  }

  /** The legend's events part: rebuilt when what it says changes, not on every step. */
  fillEventLegend(drawn) {
    const events = this.eventsLayer;
    const kinds = events && drawn.mode !== "none" ? [...new Set(events.columns.kind)].sort() : [];
    const key = JSON.stringify([drawn.mode, drawn.count, kinds, this.windowDays, this.theme]);
    if (key === this.eventLegendKey) return;
    this.eventLegendKey = key;
    this.eventLegend.replaceChildren(...eventRows(drawn, kinds, this.events.colours, this.windowDays));
  }

  /** Apply the ``theme`` option (data-theme on the root; "auto" follows the system's). */
  applyTheme() {
    const wanted = THEMES.includes(this.options.theme) ? this.options.theme : "light";
    if (wanted === "auto" && !this.darkQuery && window.matchMedia) {
      this.darkQuery = window.matchMedia("(prefers-color-scheme: dark)");
      this.onScheme = () => this.applyTheme();
      this.darkQuery.addEventListener("change", this.onScheme);
    } else if (wanted !== "auto" && this.darkQuery) {
      this.darkQuery.removeEventListener("change", this.onScheme);
      this.darkQuery = null;
    }
    const theme = wanted === "auto" ? (this.darkQuery?.matches ? "dark" : "light") : wanted;
    if (theme === this.theme) return;
    this.theme = theme;
    this.root.dataset.theme = theme;
    this.restyle();
  }

  /** A colour as the theme draws it (the settings' ``dark.colours`` map light to dark). */
  colour(value) {
    if (this.theme !== "dark" || typeof value !== "string") return value;
    return this.options.dark?.colours?.[value.toLowerCase()] ?? value;
  }

  themedStyle(style) {
    return { ...style, color: this.colour(style.color), fillColor: this.colour(style.fillColor) };
  }

  basemapColours() {
    return (this.theme === "dark" ? this.options.dark?.basemap : null) ?? this.options.basemap ?? {};
  }

  countryStyle(feature) {
    const base = this.basemapColours();
    const fill = this.theme === "dark" && base.land
      ? base.land_focus?.[feature.properties.iso3] ?? base.land : feature.properties.fill;
    return { fillColor: fill, fillOpacity: 1, color: base.border ?? "#8a8a8a", weight: 1.2 };
  }

  placeColour() {
    return this.theme === "dark" ? this.basemapColours().label ?? "#c9ccd1" : "#333";
  }

  /** Draw everything in the theme's colours: basemap, territory, change, legend, strip. */
  restyle() {
    if (!this.map) return;
    const sea = this.basemapColours().sea;
    if (sea) this.mapBox.style.setProperty("--frontline-sea", sea);
    this.countries?.setStyle((f) => this.countryStyle(f));
    this.places?.eachLayer((marker) => marker.setStyle({ color: this.placeColour() }));
    const styles = Object.fromEntries(Object.entries(this.pack.styles)
      .map(([key, entry]) => [key, { ...entry, style: this.themedStyle(entry.style) }]));
    this.territory.setStyles(styles, this.theme === "dark" ? DARK_HATCH_LINE : undefined);
    this.change.setStyles(Object.fromEntries(Object.entries(this.options.change_styles ?? {})
      .map(([key, style]) => [key, this.themedStyle(style)])));
    this.events.halo = this.theme === "dark" ? "#111317" : "#ffffff";
    this.events.ink = this.theme === "dark" ? "#f0f0f0" : "#1d1d1d";
    this.events.outline = this.theme === "dark" ? "#0d0f12" : "#2b2b2b";
    this.events.setColours(Object.fromEntries(Object.entries(this.options.event_colours ?? {})
      .map(([kind, colour]) => [kind, this.colour(colour)])));
    this.fillLegend(styles);
    this.paintStrip();
  }

  /** New settings from the server (layers, events, window; a date it moved to). */
  setData(options, initial = false) {
    this.options = { ...this.options, ...options };
    this.applyTheme();
    if (!this.pack) return;
    const pack = this.pack;
    this.visible = (this.options.layers ?? pack.layers.map((l) => l.name)).map((name) => pack.layer(name)).filter(Boolean);
    for (const layer of pack.layers) if (!this.visible.includes(layer)) this.territory.hide(layer.number);
    this.eventsLayer = this.options.events ? pack.eventsLayer(this.options.events) : null;
    this.events.setOptions({ mode: this.options.event_view, filter: this.options.event_filter });
    addEventControl(this);
    this.writeNotes();
    this.attributions = showAttributions(this.map, this.options, this.attributions);
    this.windowDays = Math.max(1, Number(this.options.window_days) || 1);
    // The server echoes the dates this reader sent (an answer may arrive after the reader
    // moved on): only a date it did not send moves the map (a link, another page).
    const serverDate = this.options.date ?? null;
    let day = this.day;
    const echo = serverDate !== null && this.sentDates.has(serverDate);
    if (initial || (serverDate && !echo && serverDate !== this.serverDate && dayNumber(serverDate) !== this.day)) {
      day = serverDate ? dayNumber(serverDate) : this.last;
    }
    this.serverDate = serverDate;
    if (day === null) day = this.last;
    this.setDay(Math.min(this.last, Math.max(this.first, day)), { quiet: true });
    this.paintStrip();
    if (initial) this.writeSummary();
  }

  /** A line in the header for each shown illustrative layer, territory or events
   * (options.illustrative: drawn by the project, not a source); the name is set as text,
   * never as markup. */
  writeNotes() {
    const drawn = new Set(this.options.illustrative ?? []);
    const shown = [...this.visible, ...(this.eventsLayer ? [this.eventsLayer] : [])];
    this.notes.replaceChildren(...shown.filter((layer) => drawn.has(layer.name)).map((layer) => {
      const line = element("p", "frontline-illustrative");
      line.textContent = t("header.illustrative", { layer: layer.name });
      return line;
    }));
  }

  bindSlider() {
    const slider = this.slider;
    slider.addEventListener("keydown", (event) => {
      const day = this.day;
      const days = this.visible.map((layer) => layer.days);
      let target = null;
      switch (event.key) {
        case "ArrowRight": case "ArrowUp": target = day + 1; break;
        case "ArrowLeft": case "ArrowDown": target = day - 1; break;
        case "PageUp": target = nextSnapshot(days, day) ?? this.last; break;
        case "PageDown": target = previousSnapshot(days, day) ?? this.first; break;
        case "Home": target = this.first; break;
        case "End": target = this.last; break;
        case " ": case "Enter": this.togglePlay(); event.preventDefault(); return;
        default: return;
      }
      event.preventDefault();
      this.stop();
      this.userStep(Math.min(this.last, Math.max(this.first, target)));
    });
    const fromPointer = (event) => {
      const box = this.rail.getBoundingClientRect();
      const share = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      return this.first + Math.round(share * (this.last - this.first));
    };
    slider.addEventListener("pointerdown", (event) => {
      slider.setPointerCapture(event.pointerId);
      slider.focus();
      this.stop();
      this.dragging = true;
      this.userStep(fromPointer(event));
    });
    slider.addEventListener("pointermove", (event) => {
      if (this.dragging) this.userStep(fromPointer(event));
      else this.hoverStrip(event);
    });
    const end = () => { this.dragging = false; };
    slider.addEventListener("pointerup", end);
    slider.addEventListener("pointercancel", end);
    slider.addEventListener("pointerleave", () => { slider.title = ""; });
    this.play.addEventListener("click", () => this.togglePlay());
    this.pauseLater = debounce(() => this.paused(), PAUSE_MS);
  }

  hoverStrip(event) {
    const box = this.rail.getBoundingClientRect();
    const item = stripItemAt(this.stripModel, event.clientX - box.left, box.width);
    this.slider.title = item ? item.text : "";
  }

  userStep(day) {
    if (day === this.day) return;
    this.stats.steps += 1;
    this.setDay(day);
    this.pauseLater();
  }

  /** The reader paused: tell the server the date once (it updates the address and panels). */
  paused() {
    this.writeSummary();
    if (this.day !== this.sentDay) {
      this.sentDay = this.day;
      this.serverDate = isoDay(this.day);
      this.sentDates.add(this.serverDate);
      if (this.sentDates.size > 256) this.sentDates.delete(this.sentDates.values().next().value);
      this.callbacks.onPause(isoDay(this.day));
    }
  }

  togglePlay() {
    if (this.playing) {
      this.stop();
      this.pauseLater();
      return;
    }
    if (this.day >= this.last) this.setDay(this.first);
    this.play.setAttribute("aria-pressed", "true");
    this.play.setAttribute("aria-label", t("play.pause"));
    this.play.textContent = "⏸";
    this.playing = setInterval(() => {
      if (this.drawnDay !== this.day) return; // wait for the day on screen: no step dropped
      if (this.day >= this.last) {
        this.stop();
        this.pauseLater();
        return;
      }
      this.stats.steps += 1;
      this.setDay(this.day + 1);
    }, PLAY_STEP_MS);
  }

  stop() {
    if (!this.playing) return;
    clearInterval(this.playing);
    this.playing = null;
    this.play.setAttribute("aria-pressed", "false");
    this.play.setAttribute("aria-label", t("play.label"));
    this.play.textContent = "▶";
  }

  /** Move to ``day``: header and slider now, the map as soon as its data is there. */
  setDay(day, { quiet = false } = {}) {
    this.day = day;
    const iso = isoDay(day);
    const share = this.last > this.first ? (day - this.first) / (this.last - this.first) : 1;
    this.thumb.style.left = `${(share * 100).toFixed(3)}%`;
    const states = this.visible.map((layer) => [layer, layerState(layer.days, layer.stale_days, day)]);
    const described = states.map(([layer, s]) => (s.index < 0 ? t("slider.noSnapshot", { layer: layer.name })
      : t(s.stale ? "slider.snapshotStale" : "slider.snapshot", { layer: layer.name, date: isoDay(s.snapshotDay) }))).join("; ");
    this.slider.setAttribute("aria-valuemin", "0");
    this.slider.setAttribute("aria-valuemax", String(this.last - this.first));
    this.slider.setAttribute("aria-valuenow", String(day - this.first));
    this.slider.setAttribute("aria-valuetext", `${iso}, ${longDate(day)}${described ? ` (${described})` : ""}`);
    this.dateLabel.textContent = longDate(day);
    this.dateLabel.setAttribute("datetime", iso);
    this.writeFigures(states);
    const today = this.pack.milestones.filter((m) => m.day === day);
    this.milestone.textContent = today.length ? `◆ ${today.map((m) => m.title).join("; ")}` : "";
    this.draw(states);
    if (quiet) this.sentDay = this.sentDay ?? day;
  }

  writeFigures(states) {
    this.figures.replaceChildren(...figureRows(states));
  }

  /** Draw the current day; loads what is missing and draws again when it arrives. */
  draw(states) {
    if (!this.map) return;
    const day = this.day;
    const level = this.level;
    states = states ?? this.visible.map((layer) => [layer, layerState(layer.days, layer.stale_days, day)]);
    let missing = [];
    for (const [layer, s] of states) {
      if (s.index < 0) {
        this.territory.hide(layer.number);
        continue;
      }
      const chunk = this.pack.loadedChunk(layer, level, s.index);
      if (!chunk) {
        missing.push(this.pack.load(layer, level, s.index));
        continue;
      }
      const key = `${layer.number}:${level}:${s.index}`;
      this.territory.show(layer.number, key, layer.name, isoDay(s.snapshotDay), () => chunk.zones(s.index), s.stale);
    }
    this.drawEvents(day);
    const change = this.options.change;
    this.change.show(change && change.date === isoDay(day) ? change.features : null);
    if (missing.length) {
      Promise.all(missing).then(() => { if (this.day === day && this.level === level) this.draw(); }, (error) => {
        this.status.textContent = t("status.loadFailed", { error: error.message });
      });
      return;
    }
    this.drawnDay = day;
    this.stats.drawn += 1;
    this.mapBox.dataset.drawnDate = isoDay(day);
    if (!this.backgroundStarted) {
      this.backgroundStarted = true;
      this.callbacks.onDrawn();
      this.backgroundLoad();
    }
  }

  drawEvents(day) {
    const events = this.eventsLayer;
    if (!events) {
      this.events.show(null, 0, 0);
      return;
    }
    const first = firstOnOrAfter(events.days, day - this.windowDays + 1);
    const last = latestOnOrBefore(events.days, day) + 1;
    this.events.show(events, first, Math.max(first, last));
  }

  /** After the first map: every chunk of the current level, nearest first, one at a time. */
  async backgroundLoad() {
    const level = this.level;
    for (const layer of this.visible) {
      const s = layerState(layer.days, layer.stale_days, this.day);
      for (const entry of this.pack.missing(layer, level, Math.max(0, s.index))) {
        if (this.destroyed || level !== this.level) return;
        try {
          await this.pack.load(layer, level, entry.first);
        } catch {
          return;
        }
      }
    }
  }

  /** The text alternative: date, km² per side and change since each layer's previous snapshot. */
  writeSummary() {
    if (this.pack) this.summary.textContent = summaryText(this.day, this.visible);
  }

  paintStrip() {
    if (!this.pack || !this.visible) return;
    const box = this.rail.getBoundingClientRect();
    this.stripModel = drawStrip(this.strip, {
      first: this.first, last: this.last, width: box.width,
      snapshots: this.visible.map((layer) => layer.days),
      events: this.eventsLayer ? this.eventsLayer.days : [],
      milestones: this.pack.milestones,
      colours: Object.fromEntries(Object.entries(this.options.strip_colours ?? {}).map(([k, c]) => [k, this.colour(c)])),
    });
  }

  destroy() {
    this.destroyed = true;
    this.stop();
    this.pauseLater?.cancel();
    this.abort.abort();
    this.resizeObserver?.disconnect();
    this.darkQuery?.removeEventListener("change", this.onScheme);
    this.gestures?.destroy();
    this.map?.remove();
    this.root.replaceChildren();
  }
}

/** Mount a reader in ``root`` (an element the page gives it). */
export function createReader(root, options) {
  const reader = new Reader(root, options);
  window.__frontline = {
    reader,
    stats: () => ({ ...reader.stats, chunksLoaded: reader.pack?.loaded ?? 0, bytesLoaded: reader.pack?.bytes ?? 0 }),
  };
  return reader;
}
