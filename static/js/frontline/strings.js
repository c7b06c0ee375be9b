// The reader's words, in one place: every string the interface shows or announces (header,
// timeline, legend, tooltips, the text alternative, hints, errors) is a key here, read with
// t("key", {param: value}). One catalogue per language; a key missing from a catalogue, or
// a language with no catalogue, falls back to English. Pure (no DOM): Node tests it.
//
// Adding a language (docs/reader.md, "Embed options"): copy ENGLISH into CATALOGUES under
// the language's code ("uk", "pt-BR"), translate the values and keep the {names} in braces;
// `locale` is the Intl locale numbers and dates are written in. A value may instead be
// {one: "...", other: "..."} (plural forms, Intl.PluralRules) chosen by the {count} param.

const ENGLISH = {
  locale: "en-GB",
  strings: {
    "status.loading": "Loading the timeline…",
    "status.loadFailed": "The map could not load its data: {error}. Reload the page to try again.",
    "play.label": "Play",
    "play.pause": "Pause",
    "play.title": "Play: one day every 0.1 s (Space)",
    "slider.label": "Date",
    "slider.noSnapshot": "{layer}: no snapshot yet",
    "slider.snapshot": "{layer}: snapshot of {date}",
    "slider.snapshotStale": "{layer}: snapshot of {date}, stale",
    "side.UA": "Ukraine",
    "side.RU": "Russia",
    "figures.noSnapshot": "no snapshot yet",
    "figures.held": "{side} {area}",
    "figures.contested": "contested {area}",
    "figures.stale": "last mapped on {date} (stale: {age} days old)",
    "figures.thisDay": "mapped this day",
    "figures.snapshot": "snapshot of {date}",
    "zone.held": "Held by {side}",
    "zone.contested": "Contested ({side} side)",
    "zone.claimed": "Claimed by {side}, unconfirmed",
    "legend.contested": "Contested",
    "legend.claimed": "Claimed, unconfirmed",
    "summary.map": "Map of {date} ({iso}).",
    "summary.noSnapshot": "{layer}: no snapshot on or before this date.",
    "summary.holds": "{side} holds {area}",
    "summary.holdsChange": "{side} holds {area}, {change} since {date}",
    "summary.named": "{name}: {area}",
    "summary.namedChange": "{name}: {area}, {change} since {date}",
    "summary.contested": "contested {area}",
    "summary.stale": "last mapped on {date}, stale",
    "summary.snapshot": "snapshot of {date}",
    "summary.layer": "{layer} ({when}): {sides}.",
    "summary.noAreas": "no areas stored",
    "summary.method": "Areas: {method}.",
    "area.km2": "{value} km²",
    "area.notAvailable": "n/a",
    "area.noChange": "no change",
    "strip.snapshot": "snapshot of {date}",
    "tip.layer": "Layer",
    "tip.snapshot": "Snapshot",
    "tip.source": "Source",
    "tip.note": "Note",
    "tip.event": "Event",
    "tip.where": "Where",
    "tip.weapon": "Weapon",
    "tip.target": "Target",
    "tip.confidence": "Confidence",
    "kind.strike": "strike",
    "kind.troop_presence": "troop presence",
    "kind.fire_detection": "fire detection",
    "kind.other": "other event",
    "events.cluster": { one: "{n} event", other: "{n} events" },
    "events.bin": { one: "{n} event in this hexagon", other: "{n} events in this hexagon" },
    "events.zoomIn": "Click to zoom in",
    "events.control": "Events",
    "events.kinds": "Kinds",
    "events.drawAs": "Draw as",
    "events.mode.auto": "auto (clusters, symbols when near)",
    "events.mode.clusters": "clusters",
    "events.mode.density": "density",
    "events.mode.symbols": "symbols",
    "legend.events": { one: "{n} event in view ({days} days)", other: "{n} events in view ({days} days)" },
    "legend.density": "events per hexagon: {low} to {high}+",
    "legend.clusters": "Rings: events grouped, split by kind; click to zoom in",
    "legend.outline": "Outline: solid confirmed, dashed claimed, dotted disputed",
    "tip.area": "Area",
    "tip.between": "Between",
    "tip.betweenDates": "{since} and {until}",
    "change.gained": "Gained by {side}",
    "change.lost": "Lost by {side}",
    "gestures.wheel": "Use ctrl + scroll to zoom the map",
    "gestures.wheelMac": "Use ⌘ + scroll to zoom the map",
    "gestures.touch": "Use two fingers to move the map",
    "panel.compare": "Reported figures against the map",
    "panel.noFigures": "No reported figures are stored for these layers.",
    "panel.compareIntro": "The figures dated nearest to {date}, each beside the area the map gives for the same scope on that date (its latest snapshot on or before it).",
    "panel.figureMeta": "{date} · {source} ({kind})",
    "panel.figureMetaMeasure": "{date} · {source} ({kind}, {measure})",
    "panel.reported": "reported {area}",
    "panel.computed": "map {area} (snapshot of {date})",
    "panel.figuresFailed": "The reported figures could not be loaded: {error}.",
    "panel.chart": "Area over time",
    "panel.chartTitle": "{layer}: km² held per side from {first} to {last}; the dots are reported figures; the line marks {date}.",
    "panel.chartDot": "{date}: {source} reported {area}",
    "panel.chartAxis": "{first} – {last} · top {area}",
    "panel.chartSide": "— {side} holds",
    "panel.chartDots": "○ reported figures",
    "panel.about": "Method and sources",
    "panel.areas": "Areas: ",
    "panel.method": "computed from the map's geometry: {method}. ",
    "panel.borders": "Borders: ",
    "panel.bordersText": "{borders}. ",
    "panel.span": "Published span: {from} to {to}.",
    "panel.spanFirst": "the first snapshot",
    "panel.spanLast": "the last",
    "panel.snapshots": { one: "{count} snapshot, {first} to {last}.", other: "{count} snapshots, {first} to {last}." },
    "panel.noSnapshots": "No snapshot.",
    "panel.layerSources": "Sources named by its snapshots ({count})",
    "panel.sourceDay": "{date}: {source}",
    "panel.sourceDays": "{first} to {last}: {source}",
    "panel.events": { one: "{count} event.", other: "{count} events." },
    "panel.eventSources": "Sources ({count})",
    "panel.milestones": "Milestones: {sources}.",
    "panel.data": "Data",
    "panel.dataAreas": "km² per snapshot, side, status and border (CSV)",
    "panel.dataFigures": "reported figures against the map (CSV)",
    "panel.dataEvents": "events (GeoJSON)",
    "header.illustrative": "Illustrative layer: {layer} — hand-drawn, not a source",
    "panel.illustrative": "Illustrative data, not survey data.",
    "credit.text": "{layers} · areas computed from the map · ",
    "credit.illustrative": "{layer} (illustrative)",
    "credit.link": "Full map, method and sources",
  },
};

const CATALOGUES = new Map([["en", ENGLISH]]);
const FALLBACK = "en";
const CODE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;

let current = FALLBACK;

/** The English catalogue's keys and values (what a translation has to cover). */
export const english = Object.freeze({ ...ENGLISH.strings });

/** Register (or replace) the catalogue of ``lang``: ``{locale, strings}``. */
export function addCatalogue(lang, catalogue) {
  if (!CODE.test(lang)) throw new RangeError(`not a language code: ${lang}`);
  CATALOGUES.set(lang.toLowerCase(), { locale: catalogue.locale ?? lang, strings: { ...catalogue.strings } });
}

/** The catalogue code used for ``lang``: itself, else its primary language ("pt-BR" ->
 * "pt"), else English. */
export function resolveLanguage(lang) {
  if (typeof lang !== "string" || !CODE.test(lang)) return FALLBACK;
  const code = lang.toLowerCase();
  if (CATALOGUES.has(code)) return code;
  const primary = code.split("-")[0];
  return CATALOGUES.has(primary) ? primary : FALLBACK;
}

/** Use ``lang`` from now on (see ``resolveLanguage``); returns the code used. */
export function setLanguage(lang) {
  current = resolveLanguage(lang);
  return current;
}

/** The language in use (a catalogue's code, "en" by default). */
export function language() {
  return current;
}

/** The Intl locale that numbers and dates are written in. */
export function locale() {
  return CATALOGUES.get(current).locale;
}

function lookup(key) {
  const own = CATALOGUES.get(current).strings[key];
  if (own !== undefined) return own;
  return ENGLISH.strings[key];
}

/** The text of ``key`` in the language in use, with each {name} replaced by ``params[name]``
 * (a missing key gives the key itself, so that it shows and gets fixed). */
export function t(key, params = {}) {
  let text = lookup(key);
  if (text === undefined) return key;
  if (typeof text === "object") {
    const form = new Intl.PluralRules(locale()).select(Number(params.count));
    text = text[form] ?? text.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** A side's name ("UA" -> "Ukraine"); a code with no name as given. */
export function sideName(side) {
  const key = `side.${side}`;
  return lookup(key) === undefined ? side : t(key);
}

/** What a zone is, in words ("Held by Ukraine"); ``fallback`` (the pack's label) for a
 * status with no words here. */
export function zoneLabel(side, status, fallback) {
  const key = `zone.${status}`;
  return lookup(key) === undefined ? fallback : t(key, { side: sideName(side) });
}
