import { readFileSync } from "node:fs";
import { request } from "node:http";
import { startLatencyProbe, startSystem, type System } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * What a hostile request costs a real ingest process (built, as its own process, default limits):
 * the time each worst-case body takes to be refused, the /healthz latency of the same process while
 * twenty of them run at once, its peak memory, and what twenty slow uploads leave for everyone else.
 * It measures a process that must have the machine to itself, so CI runs it after `pnpm test`.
 */

const FIVE_MB = 5 * 1024 * 1024;
const UPLOAD_SLOTS = 4;
/** Rounds of twenty worst-case bodies at once, while /healthz is probed. */
const ROUNDS = 3;

let system: System;
beforeAll(async () => {
  system = await startSystem({ env: { MAX_CONCURRENT_UPLOADS: String(UPLOAD_SLOTS), MIN_BODY_BYTES_PER_SECOND: "1000", BODY_RATE_WINDOW_MS: "3000" } });
});
afterAll(() => system?.stop());

const ingestPid = () => system.apps[0]!.child.pid!;
/** Peak resident memory of a process since it started (VmHWM), in MiB. */
const peakRssMiB = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;

/** `item` repeated into a JSON array of just under `bytes`. */
const arrayOf = (item: string, bytes = FIVE_MB) => `[${Array(Math.floor(bytes / (item.length + 1)) - 1).fill(item).join(",")}]`;
const deep = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const validMessages = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ customerId: i, type: "A", amount: "1.000", uuid: uuid(i), pad: "p".repeat(300) }));

const counterOf = (domains: number) => JSON.stringify({ timestamp: 1, ...Object.fromEntries(Array.from({ length: domains }, (_, i) => [`d${i}`, -1])) });
/** A product just under MAX_PRODUCT_BYTES (1 MiB) that is one long array of numbers: the slowest product to parse. */
const numbersProduct = (id: number | undefined) => `{${id === undefined ? "" : `"id":${id},`}"n":${arrayOf("0", 1024 * 1024 - 30)}}`;

/** The worst bodies at the size limit per route, each with the status the contract gives it. */
const WORST: [route: string, shape: string, status: number, body: string][] = [
  ["/v1/messages", "many tiny invalid items", 422, arrayOf("{}")],
  ["/v1/messages", "all numbers", 422, arrayOf("1")],
  ["/v1/messages", "one item nested 5 MB deep", 413, `[${deep(FIVE_MB / 2 - 2)}]`],
  ["/v1/messages", "one long string", 413, JSON.stringify([{ customerId: 1, type: "t".repeat(FIVE_MB - 200), amount: "1", uuid: uuid(1) }])],
  ["/v1/messages", "nesting under the item limit, many times", 422, arrayOf(deep(30_000))],
  ["/v1/messages", "9,999 valid items, then an invalid one", 422, `[${[...validMessages(9_999), "{}"].join(",")}]`],
  ["/v1/messages", "NDJSON of invalid lines", 422, Array(Math.floor(FIVE_MB / 3)).fill("{}").join("\n")],
  ["/v1/counters", "many tiny invalid items", 422, arrayOf('{"a":1,"b":[1,2]}')],
  ["/v1/counters", "all numbers", 422, arrayOf("1")],
  ["/v1/counters", "one counter with 8,000 domains, over the item limit", 413, arrayOf(counterOf(8000))],
  ["/v1/counters", "counters of 4,000 invalid domains each", 422, arrayOf(counterOf(4000))],
  ["/v1/flows", "many tiny invalid items", 422, arrayOf("{}")],
  ["/v1/flows", "all numbers", 422, arrayOf("1")],
  ["/v1/products", "many tiny invalid items", 422, arrayOf("{}")],
  ["/v1/products", "all numbers", 422, arrayOf("1")],
  ["/v1/products", "one product nested 5 MB deep", 413, `[{"id":1,"d":${deep(FIVE_MB / 2 - 20)}}]`],
  ["/v1/products", "products nested one level past the limit", 422, arrayOf(`{"id":1,"d":${deep(1000)}}`)],
  ["/v1/products", "1 MiB products of numbers, the last without an id", 422, `[${[1, 2, 3, 4].map((id) => numbersProduct(id)).join(",")},${numbersProduct(undefined)}]`],
];

/** Bodies that are not an array are NDJSON here. */
const post = (path: string, body: string | Buffer) =>
  fetch(`${system.ingestUrl}${path}`, { method: "POST", headers: { "content-type": body[0] === "[" || body[0] === 0x5b ? "application/json" : "application/x-ndjson" }, body });

describe("worst-case bodies at the size limit", () => {
  it.each(WORST)("%s, %s: answered %i within a second", async (path, _, status, body) => {
    const started = performance.now();
    const res = await post(path, body);
    const ms = performance.now() - started;
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    await res.text();
    expect(ms).toBeLessThan(1000);
  });

  it("twenty at once leave /healthz answering within 200 ms (p99) and the process under 400 MiB", async () => {
    const requests = Array.from({ length: 20 }, (_, i) => WORST[i % WORST.length]!).map(([path, , status, body]) => ({ path, status, body: Buffer.from(body) }));
    const probe = startLatencyProbe(`${system.ingestUrl}/healthz`);
    await new Promise((r) => setTimeout(r, 200));
    // Three rounds of the twenty, so that the probe's p99 is one (~150 probes), not the one slowest of
    // the ~50 a single round gives room for.
    const rounds: number[][] = [];
    for (let round = 0; round < ROUNDS; round++) rounds.push(await Promise.all(requests.map(async ({ path, body }) => (await post(path, body)).status)));
    const { latencies, p50, p99, max } = await probe.stop();
    const rss = peakRssMiB(ingestPid());
    console.log(`healthz during ${ROUNDS} × 20 hostile requests: ${latencies.length} probes, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms; ingest peak RSS ${rss.toFixed(0)} MiB`);
    // Five of the twenty are uploads and a process stages UPLOAD_SLOTS at once: an upload that arrives
    // while every slot is taken is refused with 429 before its body is read, as the contract says.
    const expected = requests.map((r) => r.status);
    for (const statuses of rounds) {
      const busy = statuses.map((s, i) => (requests[i]!.path === "/v1/products" && s === 429 ? i : -1)).filter((i) => i >= 0);
      expect(busy.length).toBeLessThanOrEqual(requests.filter((r) => r.path === "/v1/products").length - UPLOAD_SLOTS);
      expect(statuses.map((s, i) => (busy.includes(i) ? expected[i] : s))).toEqual(expected);
    }
    expect(latencies.length).toBeGreaterThanOrEqual(100);
    expect(p99).toBeLessThan(200);
    expect(rss).toBeLessThan(400);
  });
});

describe("twenty slow uploads", () => {
  /** An upload sending a byte every `everyMs`, chunked; resolves with its status once answered. */
  const trickle = (everyMs: number) =>
    new Promise<number>((resolve, reject) => {
      const req = request(`${system.ingestUrl}/v1/products`, { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } });
      const bytes = `[{"id":"slow","pad":"${"x".repeat(10_000)}"}]`;
      let at = 0;
      const timer = setInterval(() => at < bytes.length && req.write(bytes[at++]!), everyMs);
      req.on("response", (res) => {
        clearInterval(timer);
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", (error) => {
        clearInterval(timer);
        reject(error);
      });
    });

  it("leave messages and products answering, and readiness ready, until they are cut", async () => {
    const slow = Array.from({ length: 20 }, () => trickle(500));
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < 5; i++) {
      const message = await post("/v1/messages", JSON.stringify({ customerId: 1, type: "A", amount: "1", uuid: uuid(100 + i) }));
      expect(message.status).toBe(202);
      const product = await post("/v1/products", JSON.stringify([{ id: `p-${i}` }]));
      expect([202, 429]).toContain(product.status);
      expect((await fetch(`${system.ingestUrl}/readyz`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
    }
    // Past the cap, 429 at once; within it, cut for trickling at the end of the first rate window.
    const statuses = await Promise.all(slow);
    expect(statuses.filter((s) => s === 408)).toHaveLength(UPLOAD_SLOTS);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20 - UPLOAD_SLOTS);
    expect((await post("/v1/products", JSON.stringify([{ id: "after" }]))).status).toBe(202);
  });
});
