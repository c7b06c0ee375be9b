// The published site's reading of its address (static/js/frontline/site.js): each part is
// used only if it is well formed, as the app's links are.
import { test } from "node:test";
import assert from "node:assert/strict";

import { eventParams, linkedOptions } from "../../static/js/frontline/site.js";

const KNOWN = ["Kursk incursion", "DeepStateMap daily"];

test("a well-formed link gives its date, layers and view", () => {
  const options = linkedOptions("?date=2024-11-25&layers=Kursk%20incursion&center=51.25,35.3&zoom=10", KNOWN);
  assert.deepEqual(options, { date: "2024-11-25", layers: ["Kursk incursion"], view: { center: [51.25, 35.3], zoom: 10 } });
});

test("hostile or malformed parts are dropped, never passed on", () => {
  const big = "9".repeat(100_000);
  const options = linkedOptions(
    `?date=${big}&layers=%3Cscript%3Ealert(1)%3C/script%3E&center=NaN,NaN&zoom=1e999`,
    KNOWN,
  );
  assert.deepEqual(options, {});
  assert.deepEqual(linkedOptions("?date=2024-11-25&date=2024-11-26", KNOWN), {}, "a repeated key is ambiguous");
  assert.deepEqual(linkedOptions("?center=95,10&zoom=5", KNOWN), {}, "latitude out of range");
  assert.deepEqual(linkedOptions("?center=51,35&zoom=4.5", KNOWN), {}, "zoom not whole");
});

test("an empty layers list hides every layer, unknown names are left out", () => {
  assert.deepEqual(linkedOptions("?layers=", KNOWN), { layers: [] });
  assert.deepEqual(linkedOptions("?layers=Nope,DeepStateMap%20daily", KNOWN), { layers: ["DeepStateMap daily"] });
});

test("the events filters and drawing come from the address, once per value, bounded", () => {
  const options = linkedOptions(
    "?event_kind=strike&event_kind=fire_detection&event_confidence=claimed&event_source=%3Cb%3EA%3C%2Fb%3E"
      + `&event_source=${"x".repeat(501)}&event_view=density`,
    KNOWN,
  );
  assert.deepEqual(options.event_filter, {
    kinds: ["strike", "fire_detection"], confidences: ["claimed"], sources: ["<b>A</b>"],
  });
  assert.equal(options.event_view, "density");
  assert.equal(linkedOptions("?event_view=heat", KNOWN).event_view, undefined);
  assert.equal(linkedOptions("?event_view=density&event_view=symbols", KNOWN).event_view, undefined);
  assert.equal(linkedOptions("?date=2024-11-25", KNOWN).event_filter, undefined);
});

test("the events control's choice becomes the address's parameters, as the app writes them", () => {
  assert.deepEqual(eventParams({ filter: { kinds: ["strike"], confidences: [] }, mode: "density" }), {
    event_kind: ["strike"], event_confidence: [], event_source: [], event_view: ["density"],
  });
  assert.deepEqual(eventParams({ filter: {}, mode: "auto" }).event_view, []);
});
