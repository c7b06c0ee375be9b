// Loading pack files (static/js/frontline/pack.js): a file not there yet is retried
// without the browser's cache, which would answer every retry with the stored 404.
import assert from "node:assert/strict";
import { test } from "node:test";
import { gzipSync } from "node:zlib";

import { fetchPackJson } from "../../static/js/frontline/pack.js";

test("a 404 is retried past the cache until the file is there", async () => {
  const modes = [];
  const body = gzipSync(Buffer.from(JSON.stringify({ format: 1, days: [] })));
  globalThis.fetch = async (url, options) => {
    modes.push(options.cache);
    return modes.length < 3 ? new Response("Not Found", { status: 404 }) : new Response(body, { status: 200 });
  };
  let bytes = 0;
  const json = await fetchPackJson("packs/x/index.json.gz", { onBytes: (n) => { bytes = n; } });
  assert.deepEqual(json, { format: 1, days: [] });
  assert.equal(bytes, body.length);
  assert.deepEqual(modes, ["force-cache", "reload", "reload"]);
});

test("other errors are not retried", async () => {
  globalThis.fetch = async () => new Response("boom", { status: 500 });
  await assert.rejects(fetchPackJson("packs/x/index.json.gz"), /HTTP 500/);
});
