// Loading a timeline pack (layers/mapview/pack.py): gzip JSON files fetched once each,
// decompressed in the browser, kept in memory; a file not there yet is retried.

import { dayNumber, decodeRing } from "./days.js";

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 2000;
const RETRY_FOR_MS = 180000;

/** A pack file's JSON. A 404 (a pack still being built) is retried for up to 3 minutes.
 * Pack files never change once written, so the first request may take any cached copy;
 * a retry must not ("reload"): a 404 is cacheable, and the browser would otherwise answer
 * every retry with the 404 it stored, and the first map of a new store never came. */
export async function fetchPackJson(url, { signal, onBytes } = {}) {
  const started = Date.now();
  let wait = RETRY_FIRST_MS;
  for (let attempt = 0; ; attempt += 1) {
    const response = await fetch(url, { signal, cache: attempt === 0 ? "force-cache" : "reload" });
    if (response.ok) {
      const packed = await response.arrayBuffer();
      if (onBytes) onBytes(packed.byteLength);
      const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"));
      return JSON.parse(await new Response(stream).text());
    }
    if (response.status !== 404 || Date.now() - started > RETRY_FOR_MS) {
      throw new Error(`could not load ${url}: HTTP ${response.status}`);
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, RETRY_MAX_MS);
  }
}

/** One chunk: encoded rings and each snapshot's zones as ring indexes. */
class Chunk {
  constructor(json) {
    this.first = json.first;
    this.decimals = json.p;
    this.rings = json.rings;
    this.snapshots = json.snapshots;
  }

  /** A ring's [lat, lng] pairs, decoded afresh (about a millisecond for a few thousand
   * vertices): keeping every decoded ring of every day visited grew the heap by ~90 MB
   * over 500 steps; the prepared layer groups are what is kept (draw.js). */
  ring(index) {
    return decodeRing(this.rings[index], this.decimals);
  }

  /** Zones of the snapshot at layer position ``index``: [styleKey, source, note, latlngs, category?]. */
  zones(index) {
    const zones = this.snapshots[index - this.first] ?? [];
    return zones.map(([key, source, note, polygons, category]) => [
      key, source, note, polygons.map((polygon) => polygon.map((ring) => this.ring(ring))), category,
    ]);
  }
}

export class Pack {
  constructor(base, index, { signal } = {}) {
    this.base = base;
    this.index = index;
    this.signal = signal;
    this.bytes = 0;
    this.loaded = 0;
    this.levels = index.levels;
    this.styles = index.styles;
    /** Category code -> label (``layers.categories``), for zones that carry a category. */
    this.categoryLabels = index.category_labels ?? {};
    this.layers = index.layers.map((layer, number) => ({
      ...layer,
      number,
      days: layer.dates.map(dayNumber),
    }));
    this.events = index.events.map((events) => ({
      name: events.name,
      columns: events.columns,
      days: events.columns.date.map(dayNumber),
    }));
    this.milestones = index.milestones.map((m) => ({ ...m, day: dayNumber(m.date) }));
    this.first = index.days.length ? dayNumber(index.days[0]) : 0;
    this.last = index.days.length ? dayNumber(index.days[1]) : 0;
    this.chunks = new Map(); // file -> Chunk
    this.pending = new Map(); // file -> Promise<Chunk>
  }

  /** Open the pack in the folder ``base`` (ending with "/"); ``options.index`` names its
   * index file there (a published site's carries a content hash; the app's does not). */
  static async open(base, options = {}) {
    let bytes = 0;
    const name = options.index ?? "index.json.gz";
    const index = await fetchPackJson(`${base}${name}`, { ...options, onBytes: (n) => { bytes = n; } });
    const pack = new Pack(base, index, options);
    pack.bytes += bytes;
    return pack;
  }

  layer(name) {
    return this.layers.find((layer) => layer.name === name) ?? null;
  }

  eventsLayer(name) {
    return this.events.find((events) => events.name === name) ?? null;
  }

  /** The chunk entry of a layer's snapshot at a level. */
  chunkEntry(layer, level, index) {
    const chunks = layer.chunks[String(level)] ?? [];
    return chunks.find((entry) => entry.first <= index && index <= entry.last) ?? null;
  }

  /** The loaded chunk holding a snapshot, or null (then ``load`` it). */
  loadedChunk(layer, level, index) {
    const entry = this.chunkEntry(layer, level, index);
    return entry ? this.chunks.get(entry.file) ?? null : null;
  }

  /** Load the chunk holding a snapshot (once; concurrent calls share the request). */
  load(layer, level, index) {
    const entry = this.chunkEntry(layer, level, index);
    if (!entry) return Promise.resolve(null);
    const done = this.chunks.get(entry.file);
    if (done) return Promise.resolve(done);
    let promise = this.pending.get(entry.file);
    if (!promise) {
      promise = fetchPackJson(`${this.base}${entry.file}`, {
        signal: this.signal,
        onBytes: (n) => { this.bytes += n; },
      }).then((json) => {
        const chunk = new Chunk(json);
        this.chunks.set(entry.file, chunk);
        this.pending.delete(entry.file);
        this.loaded += 1;
        return chunk;
      }, (error) => {
        this.pending.delete(entry.file);
        throw error;
      });
      this.pending.set(entry.file, promise);
    }
    return promise;
  }

  /** Every chunk of a level not loaded yet, nearest to ``index`` first, per layer. */
  missing(layer, level, index) {
    const chunks = layer.chunks[String(level)] ?? [];
    return chunks
      .filter((entry) => !this.chunks.has(entry.file))
      .sort((a, b) => Math.abs(a.first - index) - Math.abs(b.first - index));
  }
}
