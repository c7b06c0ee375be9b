// The published site's embed options in its address (static/js/frontline/site.js's
// linkedOptions): ?theme=, ?gestures=, ?lang=, each used only when well formed.
import { test } from "node:test";
import assert from "node:assert/strict";

import { linkedOptions } from "../../static/js/frontline/site.js";

test("well-formed embed options are passed on", () => {
  assert.deepEqual(linkedOptions("?theme=dark&gestures=cooperative&lang=uk", []),
    { theme: "dark", gestures: "cooperative", lang: "uk" });
  assert.deepEqual(linkedOptions("?theme=auto&gestures=greedy&lang=pt-BR", []),
    { theme: "auto", gestures: "greedy", lang: "pt-BR" });
  assert.deepEqual(linkedOptions("?theme=light", []), { theme: "light" });
});

test("invalid, hostile or repeated embed options are ignored", () => {
  assert.deepEqual(linkedOptions("?theme=Dark&gestures=none&lang=", []), {});
  assert.deepEqual(linkedOptions("?theme=dark&theme=light", []), {}, "a repeated key is ambiguous");
  assert.deepEqual(linkedOptions(`?lang=${"a".repeat(100_000)}`, []), {});
  assert.deepEqual(linkedOptions("?lang=%3Cscript%3E&theme=%22%3E%3Cimg%3E", []), {});
  assert.deepEqual(linkedOptions("?lang=en_GB", []), {}, "an underscore is no BCP 47 tag");
});
