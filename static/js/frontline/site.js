// The published site's entry (layers/publish.py): the same reader as the app's map, given
// its settings by the site's manifest instead of by Streamlit. The address is the
// permalink, read as the app reads it (?date=&layers=&center=&zoom=) and kept up to date
// as the reader pauses, pans and zooms; ?event_kind=, ?event_confidence=, ?event_source=
// (once per value) and ?event_view= filter and draw the events as the app's sidebar does.
// Values from the address are checked before use and never become markup. The embed options ?theme=light|dark|auto,
// ?gestures=cooperative|greedy (cooperative by default on embed.html) and ?lang= are the
// reader's options of the same names (docs/reader.md, "Embed options").

import { isoDay } from "./days.js";
import { createReader } from "./reader.js";
import { createPanel, writeCredit } from "./sitepanel.js";

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const THEMES = ["light", "dark", "auto"];
const GESTURES = ["cooperative", "greedy"];
// A BCP 47 tag as far as a catalogue needs one: language, then up to three subtags.
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;
const EVENT_VIEWS = ["auto", "clusters", "density", "symbols"];
// The events filter's parameters, as the app writes them (once per value).
const EVENT_FILTERS = [["event_kind", "kinds"], ["event_confidence", "confidences"], ["event_source", "sources"]];
const MAX_FILTER_VALUES = 200;
const MAX_FILTER_CHARS = 500;

/** The view and choices the address asks for, each part only if it is well formed. */
export function linkedOptions(search, known) {
  const params = new URLSearchParams(search);
  const single = (name) => (params.getAll(name).length === 1 ? params.get(name) : null);
  const options = {};
  const date = single("date");
  if (date && DAY.test(date)) options.date = date;
  if (params.has("layers") && params.getAll("layers").length === 1) {
    const wanted = params.get("layers").split(",").filter((name) => known.includes(name));
    if (wanted.length || params.get("layers") === "") options.layers = wanted;
  }
  const center = (single("center") ?? "").split(",").map(Number);
  const zoom = Number(single("zoom"));
  if (center.length === 2 && center.every(Number.isFinite) && Math.abs(center[0]) <= 90
      && Math.abs(center[1]) <= 180 && Number.isInteger(zoom) && zoom >= 1 && zoom <= 18) {
    options.view = { center, zoom };
  }
  const theme = single("theme");
  if (THEMES.includes(theme)) options.theme = theme;
  const gestures = single("gestures");
  if (GESTURES.includes(gestures)) options.gestures = gestures;
  const lang = single("lang");
  if (lang && LANGUAGE.test(lang)) options.lang = lang;
  const filter = {};
  for (const [param, field] of EVENT_FILTERS) {
    const values = params.getAll(param).filter((value) => value.length <= MAX_FILTER_CHARS);
    if (values.length) filter[field] = values.slice(0, MAX_FILTER_VALUES);
  }
  if (Object.keys(filter).length) options.event_filter = filter;
  const eventView = single("event_view");
  if (EVENT_VIEWS.includes(eventView)) options.event_view = eventView;
  return options;
}

function rewrite(changes) {
  const url = new URL(window.location.href);
  for (const [name, value] of Object.entries(changes)) {
    if (!Array.isArray(value)) {
      url.searchParams.set(name, value);
      continue;
    }
    url.searchParams.delete(name);
    for (const each of value) url.searchParams.append(name, each);
  }
  window.history.replaceState(null, "", url);
}

/** The address's events parameters for the events control's choice (as the app writes them). */
export function eventParams({ filter, mode }) {
  const params = {};
  for (const [param, field] of EVENT_FILTERS) params[param] = filter?.[field] ?? [];
  params.event_view = mode === "auto" ? [] : [mode];
  return params;
}

/**
 * Mount the reader in ``root`` from the manifest at ``manifestUrl``; the reader. On the full
 * page (an ``#panel`` element), the panel of figures, method and sources follows the date;
 * in the embed (a ``.frontline-credit`` footer), the credit links to the full page there.
 */
export async function start(root, manifestUrl = "manifest.json") {
  const response = await fetch(manifestUrl, { cache: "no-cache" });
  if (!response.ok) throw new Error(`manifest: HTTP ${response.status}`);
  const manifest = await response.json();
  const settings = manifest.reader;
  const linked = linkedOptions(window.location.search, settings.layers);
  const aside = document.getElementById("panel");
  const credit = document.querySelector(".frontline-credit");
  let panel = null;
  const paused = (iso) => {
    rewrite({ date: iso });
    panel?.update(iso);
    if (credit) writeCredit(credit, manifest, window.location.search);
  };
  const reader = createReader(root, {
    ...settings,
    gestures: root.closest(".frontline-embed") ? "cooperative" : "greedy",
    ...linked,
    event_controls: true,
    onEvents: (choice) => {
      rewrite(eventParams(choice));
      if (credit) writeCredit(credit, manifest, window.location.search);
    },
    onPause: paused,
    onView: (view) => {
      rewrite({ center: view.center.join(","), zoom: String(view.zoom) });
      if (credit) writeCredit(credit, manifest, window.location.search);
    },
    onDrawn: () => root.setAttribute("data-ready", "true"),
  });
  document.documentElement.lang = reader.language;
  if (credit) writeCredit(credit, manifest, window.location.search);
  await reader.ready;
  if (aside && reader.pack) {
    panel = await createPanel(aside, manifest, reader, new URL(manifestUrl, window.location.href));
    panel.update(isoDay(reader.day));
  }
  return reader;
}
