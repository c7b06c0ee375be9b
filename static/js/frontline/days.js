// Days, snapshots and figures: pure functions, no DOM (tested with Node's test runner).
// A day is a whole number: days since 1970-01-01 (UTC); ISO dates are YYYY-MM-DD.
// Dates in words and figures follow the language of strings.js (Intl, its locale).

import { language, locale, t } from "./strings.js";

export const DAY_MS = 86400000;

/** The day number of an ISO date. */
export function dayNumber(iso) {
  const ms = Date.parse(`${iso}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${iso}`);
  return Math.round(ms / DAY_MS);
}

/** The ISO date of a day number. */
export function isoDay(day) {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** "25 November 2024": the date in words, in the language of strings.js (English by
 * default, whatever the browser's locale; other languages through Intl). */
export function longDate(day) {
  if (language() !== "en") {
    return new Intl.DateTimeFormat(locale(), { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" })
      .format(new Date(day * DAY_MS));
  }
  const months = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  const date = new Date(day * DAY_MS);
  return `${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/** Position of the last value <= day in an ascending array, or -1. */
export function latestOnOrBefore(sorted, day) {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid] <= day) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}

/** Position of the first value >= day in an ascending array (length if none). */
export function firstOnOrAfter(sorted, day) {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid] < day) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The next snapshot day after ``day`` among several layers' ascending days (null if none). */
export function nextSnapshot(layersDays, day) {
  let best = null;
  for (const days of layersDays) {
    const i = firstOnOrAfter(days, day + 1);
    if (i < days.length && (best === null || days[i] < best)) best = days[i];
  }
  return best;
}

/** The previous snapshot day before ``day`` among several layers' ascending days (null if none). */
export function previousSnapshot(layersDays, day) {
  let best = null;
  for (const days of layersDays) {
    const i = latestOnOrBefore(days, day - 1);
    if (i >= 0 && (best === null || days[i] > best)) best = days[i];
  }
  return best;
}

/**
 * What a layer shows on ``day``: its snapshot position (-1: none yet), the snapshot's day,
 * its age in days, and whether it is stale (older than ``staleDays``).
 */
export function layerState(days, staleDays, day) {
  const index = latestOnOrBefore(days, day);
  if (index < 0) return { index, snapshotDay: null, age: null, stale: false };
  const age = day - days[index];
  return { index, snapshotDay: days[index], age, stale: age > staleDays };
}

/** The level of detail for a zoom: the first whose max_zoom is at least the zoom. */
export function levelForZoom(levels, zoom) {
  for (const level of levels) if (zoom <= level.max_zoom) return level.level;
  return levels[levels.length - 1].level;
}

/** "1,234 km²" (whole km² from 100 up, one decimal below), grouped as the language's
 * locale groups digits. */
export function formatKm2(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return t("area.notAvailable");
  const digits = Math.abs(value) >= 100 ? 0 : 1;
  return t("area.km2", { value: value.toLocaleString(locale(), { maximumFractionDigits: digits, minimumFractionDigits: digits }) });
}

/** "+12 km²" / "−3.5 km²" / "no change". */
export function formatChange(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return t("area.notAvailable");
  if (Math.abs(value) < 0.05) return t("area.noChange");
  const sign = value > 0 ? "+" : "−";
  return `${sign}${formatKm2(Math.abs(value))}`;
}

/**
 * Headline km² of one snapshot from a layer's stored areas (``areas.keys`` like
 * "UA|held|" or "UA|held|RUS", ``areas.rows[index]`` the values): per side the held ground, and the
 * contested ground, over the whole drawn area (border "", as stored, else the first border).
 */
export function headline(areas, index) {
  const out = { held: {}, contested: 0, within: null };
  if (!areas || index < 0 || !areas.rows[index]) return out;
  const withins = [...new Set(areas.keys.map((key) => key.split("|")[2]))];
  const within = withins.includes("") ? "" : withins[0];
  out.within = within ?? null;
  areas.keys.forEach((key, i) => {
    const [side, status, where] = key.split("|");
    const value = areas.rows[index][i];
    if (where !== within || value === null || value === undefined) return;
    if (status === "held") out.held[side] = (out.held[side] ?? 0) + value;
    else if (status === "contested") out.contested += value;
  });
  return out;
}

/** Decode one encoded-polyline ring (x then y, as ``layers/mapview/encoding.py`` writes
 * it) into Leaflet's [lat, lng] pairs. */
export function decodeRing(text, decimals) {
  const scale = 10 ** decimals;
  const out = [];
  let index = 0;
  let x = 0;
  let y = 0;
  let axis = 0;
  while (index < text.length) {
    let result = 0;
    let shift = 0;
    let byte;
    do {
      byte = text.charCodeAt(index++) - 63;
      result += (byte & 0x1f) * 2 ** shift;
      shift += 5;
    } while (byte >= 0x20);
    const delta = result % 2 === 1 ? -(result + 1) / 2 : result / 2;
    if (axis === 0) {
      x += delta;
      axis = 1;
    } else {
      y += delta;
      axis = 0;
      out.push([y / scale, x / scale]);
    }
  }
  return out;
}

/** A function that calls ``fn`` once, ``ms`` after the last of a burst of calls. */
export function debounce(fn, ms) {
  let timer = null;
  const call = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      fn(...args);
    }, ms);
  };
  call.cancel = () => clearTimeout(timer);
  return call;
}
