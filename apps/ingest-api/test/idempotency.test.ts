import { randomUUID } from "node:crypto";
import { derivedJobId } from "@tally/shared/jobs";
import { idempotencyRecordKey } from "@tally/shared/redis";
import { expectProblem } from "@tally/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bodyDigest, requestFingerprint } from "../src/idempotency/idempotency-key.js";
import { createIdempotencyRecords } from "../src/idempotency/idempotency-records.js";
import { startIngest, type Ingest } from "./ingest-harness.js";

const TTL_MS = 86_400_000;
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const counter = (domain: string, requests = 1) => ({ timestamp: 1_700_000_000, [domain]: requests });

let ingest: Ingest;
let redis: Redis;
/** The app's records, on a connection of the test's own (what another ingest process would see). */
let records: ReturnType<typeof createIdempotencyRecords>;
beforeAll(async () => {
  // A keyed products upload always takes the staged path; unkeyed posts here stand in for keyed
  // attempts (one whose process died before recording its answer), so they must take it too.
  ingest = await startIngest({ MAX_CONCURRENT_UPLOADS: "16", PRODUCTS_FAST_PATH_BYTES: "0" });
  redis = new Redis(ingest.redis.url);
  records = createIdempotencyRecords({ redis, prefix: ingest.redis.prefix, ttlMs: TTL_MS, lockMs: 30_000, clock: () => undefined });
});
afterAll(async () => {
  redis.disconnect();
  await ingest.close();
});
beforeEach(async () => {
  await Promise.all([ingest.queues.messages.drain(true), ingest.queues.counters.drain(true), ingest.queues.flows.drain(true)]);
});

const post = (path: string, body: unknown, key: string | undefined) =>
  ingest.post(path, body as object, { "content-type": "application/json", ...(key === undefined ? {} : { "idempotency-key": key }) });

describe("Idempotency-Key on messages, counters and flows", () => {
  it.each([
    ["/v1/messages", { customerId: 1, type: "A", amount: "1", uuid: uuid(1) }, () => ingest.messageJobs()],
    ["/v1/counters", counter("once.example"), () => ingest.counterJobs()],
    ["/api/events", counter("events.example"), () => ingest.counterJobs()],
    ["/v1/flows", [{ src_app: "a", dest_app: "b", vpc_id: "c", bytes_tx: 1, bytes_rx: 2, hour: 3 }], () => ingest.flowJobs()],
  ] as const)("%s: the same key and body again gets the first answer, replayed, and queues nothing more", async (path, body, jobs) => {
    const key = randomUUID();
    const first = await post(path, body, key);
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const again = await post(path, body, key);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(await first.json());
    expect(await jobs()).toHaveLength(1);
  });

  it("answers the same key with another body 422 naming the header, and queues nothing for it", async () => {
    const key = randomUUID();
    expect((await post("/v1/counters", counter("a.example"), key)).status).toBe(202);
    const problem = await expectProblem(await post("/v1/counters", counter("b.example"), key), 422);
    expect(problem.errors).toEqual([{ path: "Idempotency-Key", message: expect.stringContaining("another request") }]);
    // Another path is another request, too.
    await expectProblem(await post("/api/events", counter("a.example"), key), 422);
    expect((await ingest.counterJobs()).map((j) => j.data.counters[0]?.counts[0]?.[0])).toEqual(["a.example"]);
  });

  it("answers 409 with Retry-After while another attempt holds the key", async () => {
    const key = randomUUID();
    const body = JSON.stringify(counter("held.example"));
    await records.claim(key, requestFingerprint("POST", "/v1/counters", bodyDigest(Buffer.from(body))), "another-process");
    const res = await ingest.post("/v1/counters", body, { "content-type": "application/json", "idempotency-key": key });
    await expectProblem(res, 409);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await ingest.counterJobs()).toEqual([]);
  });

  it.each([
    ["empty", ""],
    ["too long", "k".repeat(256)],
    ["not printable ASCII", "clé"],
  ])("refuses a key that is %s with 422 naming the header, before reading the body", async (_, key) => {
    const res = await fetch(`${ingest.url}/v1/counters`, { method: "POST", headers: { "content-type": "application/json", "idempotency-key": encodeURI(key) === key ? key : key }, body: JSON.stringify(counter("x.example")) });
    const problem = await expectProblem(res, 422);
    expect(problem.errors?.[0]?.path).toBe("Idempotency-Key");
    expect(await ingest.counterJobs()).toEqual([]);
  });

  it("keeps a refusal as the answer: the same invalid body with its key is refused again, replayed", async () => {
    const key = randomUUID();
    const first = await expectProblem(await post("/v1/counters", { timestamp: 1 }, key), 422);
    const again = await post("/v1/counters", { timestamp: 1 }, key);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await expectProblem(again, 422)).toEqual(first);
  });

  it("derives a keyed request's job ids from its key, so a retry after an answer that promised nothing re-adds the same jobs, not new ones", async () => {
    const key = randomUUID();
    const body = Array.from({ length: 1500 }, (_, i) => counter(`d${i}.example`));
    // The first attempt: it held the key, queued its jobs, then answered 503 (Redis answered too late).
    const claim = await records.claim(key, requestFingerprint("POST", "/v1/counters", bodyDigest(Buffer.from(JSON.stringify(body)))), "first-attempt");
    expect(claim.state).toBe("claimed");
    const firstAt = claim.state === "claimed" ? claim.firstAt : 0;
    await ingest.queues.counters.addBulk([0, 1].map((i) => ({ name: "counters", data: { counters: [{ timestamp: 1, counts: [["first-attempt", 1]] }] }, opts: { jobId: derivedJobId(firstAt, `${key}:${i}`) } })));
    await records.reopen(key, "first-attempt");
    // The client retries with the same key: the retry's jobs have the first attempt's ids, which BullMQ refuses.
    const retry = await post("/v1/counters", body, key);
    expect(retry.status).toBe(202);
    const jobs = await ingest.counterJobs();
    expect(jobs.map((j) => j.id).sort()).toEqual([derivedJobId(firstAt, `${key}:0`), derivedJobId(firstAt, `${key}:1`)].sort());
  });

  it("gives keyed requests jobs of their own (never shared with other requests) and keeps the key a day", async () => {
    const keys = [randomUUID(), randomUUID(), randomUUID()];
    await Promise.all(keys.map((key, i) => post("/v1/counters", counter(`own-${i}.example`), key)));
    await post("/v1/counters", counter("unkeyed.example"), undefined);
    const jobs = await ingest.counterJobs();
    expect(jobs.filter((j) => j.data.counters.length === 1)).toHaveLength(4);
    const ttl = await redis.pttl(idempotencyRecordKey(ingest.redis.prefix, keys[0]!));
    expect(ttl).toBeGreaterThan(TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(TTL_MS);
  });
});

describe("Idempotency-Key on products", () => {
  const products = (tag: string) => JSON.stringify([{ id: `p-${tag}`, tag }]);

  it("replays the first 202 (and its Location) instead of a 403 for the repeated body", async () => {
    const key = randomUUID();
    const first = await post("/v1/products", products("first"), key);
    expect(first.status).toBe(202);
    const location = first.headers.get("location");
    expect(location).toMatch(/^\/v1\/products\/uploads\/[0-9a-f-]{36}$/);
    const again = await ingest.post("/v1/products", products("first"), { "content-type": "application/json", "idempotency-key": key });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(location);
    // Without the key, the same body is what it always was: a duplicate.
    await expectProblem(await ingest.post("/v1/products", products("first")), 403);
    // The same key with another body: 422, and nothing of it staged.
    await expectProblem(await post("/v1/products", products("other"), key), 422);
  });

  it("answers the upload of an earlier attempt that committed but never recorded its answer", async () => {
    const key = randomUUID();
    const text = products("crashed");
    // An attempt commits its upload (as a plain POST would) and its process dies before recording the answer.
    const committed = await ingest.post("/v1/products", text);
    const uploadId = committed.headers.get("location")!.split("/").at(-1)!;
    await records.claim(key, requestFingerprint("POST", "/v1/products", bodyDigest(Buffer.from(text))), "died", uploadId);
    await redis.hset(idempotencyRecordKey(ingest.redis.prefix, key), "locked_until", "0");
    const retry = await ingest.post("/v1/products", text, { "content-type": "application/json", "idempotency-key": key });
    expect(retry.status).toBe(202);
    expect(retry.headers.get("location")).toBe(`/v1/products/uploads/${uploadId}`);
  });
});

describe("Idempotency-Key while Redis is unreachable", () => {
  let down: Ingest;
  beforeAll(async () => {
    down = await startIngest({ REDIS_URL: "redis://127.0.0.1:1" });
  });
  afterAll(() => down.close());

  it("answers 503 with Retry-After: nothing was accepted, and nothing is kept", async () => {
    const res = await down.post("/v1/counters", counter("x.example"), { "content-type": "application/json", "idempotency-key": randomUUID() });
    await expectProblem(res, 503);
    expect(res.headers.get("retry-after")).toBeTruthy();
  });
});
