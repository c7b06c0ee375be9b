// The strip's hover: the milestone (else snapshot) under the pointer, within 4 px.
import assert from "node:assert/strict";
import { test } from "node:test";

import { stripItemAt } from "../../static/js/frontline/strip.js";

const model = {
  first: 100,
  span: 100,
  items: [
    { day: 150, rank: 1, text: "snapshot of A" },
    { day: 151, rank: 0, text: "milestone B" },
    { day: 180, rank: 1, text: "snapshot of C" },
  ],
};

test("a milestone wins over a snapshot at the same place", () => {
  assert.equal(stripItemAt(model, 150, 300).text, "milestone B");
});

test("the nearest item within 4 px, else nothing", () => {
  assert.equal(stripItemAt(model, 240, 300).text, "snapshot of C");
  assert.equal(stripItemAt(model, 30, 300), null);
  assert.equal(stripItemAt(null, 10, 300), null);
  assert.equal(stripItemAt(model, 10, 0), null);
});
