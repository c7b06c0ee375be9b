// Node's test runner on the reader's pure functions (static/js/frontline/days.js and strip.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  dayNumber, debounce, decodeRing, firstOnOrAfter, formatChange, formatKm2, headline, isoDay,
  latestOnOrBefore, layerState, levelForZoom, longDate, nextSnapshot, previousSnapshot,
} from "../../static/js/frontline/days.js";

test("days and ISO dates round-trip, across leap days and years", () => {
  for (const iso of ["1970-01-01", "2024-02-29", "2024-03-01", "2025-12-31", "2026-08-22"]) {
    assert.equal(isoDay(dayNumber(iso)), iso);
  }
  assert.equal(dayNumber("2024-03-01") - dayNumber("2024-02-28"), 2);
  assert.throws(() => dayNumber("2024-13-01"), RangeError);
  assert.equal(longDate(dayNumber("2024-11-25")), "25 November 2024");
});

test("binary searches find the snapshot shown on a day", () => {
  const days = [10, 20, 30];
  assert.equal(latestOnOrBefore(days, 9), -1);
  assert.equal(latestOnOrBefore(days, 10), 0);
  assert.equal(latestOnOrBefore(days, 29), 1);
  assert.equal(latestOnOrBefore(days, 99), 2);
  assert.equal(firstOnOrAfter(days, 11), 1);
  assert.equal(firstOnOrAfter(days, 31), 3);
  assert.equal(nextSnapshot([days, [15, 40]], 10), 15);
  assert.equal(nextSnapshot([days], 30), null);
  assert.equal(previousSnapshot([days, [15, 40]], 20), 15);
  assert.equal(previousSnapshot([days], 10), null);
});

test("a layer is stale once its latest snapshot is older than its threshold", () => {
  const days = [100, 110];
  assert.deepEqual(layerState(days, 7, 99), { index: -1, snapshotDay: null, age: null, stale: false });
  assert.deepEqual(layerState(days, 7, 117), { index: 1, snapshotDay: 110, age: 7, stale: false });
  assert.deepEqual(layerState(days, 7, 118), { index: 1, snapshotDay: 110, age: 8, stale: true });
});

test("the level of detail follows the zoom", () => {
  const levels = [{ level: 0, max_zoom: 6 }, { level: 1, max_zoom: 8 }, { level: 3, max_zoom: 15 }];
  assert.equal(levelForZoom(levels, 4), 0);
  assert.equal(levelForZoom(levels, 7), 1);
  assert.equal(levelForZoom(levels, 15), 3);
  assert.equal(levelForZoom(levels, 18), 3);
});

test("headline km² per side uses the whole drawn area and adds up a side's zones", () => {
  const areas = {
    keys: ["RU|held|", "RU|held|UKR", "UA|contested|", "UA|held|", "UA|held|RUS"],
    rows: [[100, 90, 5, 20.5, 20.5], [null, null, null, null, null]],
  };
  assert.deepEqual(headline(areas, 0), { held: { RU: 100, UA: 20.5 }, contested: 5, within: "" });
  assert.deepEqual(headline(areas, 1), { held: {}, contested: 0, within: "" });
  assert.deepEqual(headline(areas, -1).held, {});
  const clippedOnly = { keys: ["RU|held|RUS"], rows: [[7]] };
  assert.deepEqual(headline(clippedOnly, 0), { held: { RU: 7 }, contested: 0, within: "RUS" });
});

test("figures read as a newsroom writes them", () => {
  assert.equal(formatKm2(1376.4), "1,376 km²");
  assert.equal(formatKm2(12.34), "12.3 km²");
  assert.equal(formatKm2(null), "n/a");
  assert.equal(formatChange(-12.4), "−12.4 km²");
  assert.equal(formatChange(250), "+250 km²");
  assert.equal(formatChange(0.01), "no change");
});

test("encoded rings decode to the coordinates Python encoded (x then y, as [lat, lng])", () => {
  // Google's documented example points, (38.5, -120.2), (40.7, -120.95), (43.252, -126.453),
  // as layers/mapview/encoding.encode_ring writes them (x, the longitude, first):
  // tests/mapview/test_pack.py checks the same string against Python.
  const text = "~ps|U_p~iFnnqC_ulLvxq`@_mqN";
  assert.deepEqual(decodeRing(text, 5), [[38.5, -120.2], [40.7, -120.95], [43.252, -126.453]]);
  assert.deepEqual(decodeRing("", 5), []);
});

test("debounce calls once after the last of a burst", async () => {
  let calls = 0;
  let last = null;
  const fn = debounce((value) => { calls += 1; last = value; }, 20);
  for (let i = 0; i < 50; i += 1) fn(i);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(calls, 1);
  assert.equal(last, 49);
});
