// The published site's reading of its address (static/js/frontline/site.js): each part is
// used only if it is well formed, as the app's links are.
import { test } from "node:test";
import assert from "node:assert/strict";

import { linkedOptions } from "../../static/js/frontline/site.js";

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
