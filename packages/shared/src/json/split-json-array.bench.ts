/**
 * Throughput and memory benchmark for splitJsonArray, run by hand:
 *
 *   cd packages/shared && npx tsx src/json/split-json-array.bench.ts [elements=1000000]
 *
 * Streams a ~200 MB array of product-like objects in 64 KiB chunks generated on the fly (the body is never
 * held whole), and per chunk does what an ingest request would: SHA-256 over the raw bytes, split, and
 * JSON.parse each element. Prints MB/s (10^6 bytes) end to end and without the generator's own time,
 * and the peak RSS sampled on every chunk.
 */
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { splitJsonArray } from "./split-json-array.js";

const CHUNK_BYTES = 64 * 1024;
const elementCount = Number(process.argv[2] ?? 1_000_000);

const TAGS = ['["garden","outdoor"]', '["kitchen"]', '["toys","kids","sale"]', "[]", '["électronique","audio"]'];
const WORDS = "sturdy lightweight stainless waterproof compact ergonomic \\\"pro\\\" edition déjà vu 😀 handmade".split(" ");

function product(n: number): string {
  const description = `${WORDS[n % WORDS.length]} ${WORDS[(n * 7) % WORDS.length]} item, ships in ${n % 5} days, 30-day returns. `.repeat(2);
  const price = (((n * 37) % 100_000) / 100).toFixed(2);
  return `{"id":${n},"name":"Product ${n} [${n % 97}]","price":"${price}","tags":${TAGS[n % TAGS.length]},"description":"${description}"}`;
}

/** The body as exact 64 KiB chunks, built as it is consumed; `clock.ms` collects the time spent generating. */
async function* body(count: number, clock: { ms: number }): AsyncGenerator<Buffer> {
  let started = performance.now();
  let carry = Buffer.alloc(0);
  let text = "[\n";
  for (let n = 0; n <= count; n++) {
    text += n === count ? "\n]\n" : `${n === 0 ? "" : ",\n"}${product(n)}`;
    if (text.length < CHUNK_BYTES && n < count) continue;
    let bytes = Buffer.concat([carry, Buffer.from(text)]);
    text = "";
    while (bytes.length >= CHUNK_BYTES || (n === count && bytes.length > 0)) {
      const chunk = bytes.subarray(0, CHUNK_BYTES);
      bytes = bytes.subarray(chunk.length);
      clock.ms += performance.now() - started;
      yield chunk;
      started = performance.now();
    }
    carry = bytes;
  }
  clock.ms += performance.now() - started;
}

let peakRss = process.memoryUsage.rss();
const hash = createHash("sha256");
let totalBytes = 0;

/** Hashes and counts every chunk on its way to the splitter, and samples RSS while the run is busy. */
async function* tap(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    hash.update(chunk);
    totalBytes += chunk.length;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    yield chunk;
  }
}

const generation = { ms: 0 };
const started = performance.now();
let elements = 0;
let idSum = 0;
for await (const element of splitJsonArray(tap(body(elementCount, generation)), { maxElementBytes: 1 << 20 })) {
  const parsed = JSON.parse(element.toString("utf8")) as { id: number };
  idSum += parsed.id;
  elements++;
}
const seconds = (performance.now() - started) / 1000;
const splitSeconds = seconds - generation.ms / 1000;

// Checks the run really saw every element, so a fast number cannot come from a broken split.
if (elements !== elementCount || idSum !== (elementCount * (elementCount - 1)) / 2) {
  throw new Error(`expected ${elementCount} elements, got ${elements} (id sum ${idSum})`);
}

const mb = totalBytes / 1e6;
console.log(`body:             ${mb.toFixed(1)} MB, ${elements} elements, sha256 ${hash.digest("hex").slice(0, 16)}…`);
console.log(`end to end:       ${seconds.toFixed(2)} s, ${(mb / seconds).toFixed(1)} MB/s`);
console.log(`without generator: ${splitSeconds.toFixed(2)} s, ${(mb / splitSeconds).toFixed(1)} MB/s (hash + split + JSON.parse)`);
console.log(`peak RSS:         ${(peakRss / 2 ** 20).toFixed(1)} MiB`);
