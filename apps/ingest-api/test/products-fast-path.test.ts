import { createHash, randomUUID } from "node:crypto";
import { pendingUploadKey } from "@tally/shared/redis";
import { eventually, expectProblem } from "@tally/testing";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHeldRedis } from "./held-redis.js";
import { startIngest, type Ingest } from "./ingest-harness.js";

// Two ingest processes on one Redis and one database: `fast` takes bodies of up to 200 bytes the fast
// way, `staged` streams every body through Postgres. Between them, every rule across the two paths.
let fast: Ingest;
let staged: Ingest;
let redis: Redis;
beforeAll(async () => {
  fast = await startIngest({ PRODUCTS_FAST_PATH_BYTES: "200" });
  staged = await startIngest({ PRODUCTS_FAST_PATH_BYTES: "0" }, fast);
  redis = new Redis(fast.redis.url);
});
afterAll(async () => {
  redis.disconnect();
  await staged.close();
  await fast.close();
});

const body = (tag: string) => JSON.stringify([{ id: 1, name: `first ${tag}` }, { id: "sku-2", tags: ["a", "b"] }]);
const uploadIdOf = (res: Response) => res.headers.get("location")?.split("/").at(-1) ?? "";
const digestKeys = () => redis.keys(`${fast.redis.prefix}:products:digest:*`);
async function rows() {
  const { rows } = await sql<{ uploads: string; staged: string }>`
    SELECT (SELECT count(*) FROM product_uploads) AS uploads, (SELECT count(*) FROM product_staging) AS staged`.execute(fast.db);
  return { uploads: Number(rows[0]?.uploads), staged: Number(rows[0]?.staged) };
}
const jobs = () => fast.queues.products.getJobs(["waiting", "prioritized", "delayed"]);
/** The small uploads queued so far, whichever job carries each. */
const queuedUploads = async () => (await jobs()).flatMap((j) => j.data.uploads ?? []);
const queuedUpload = async (uploadId: string) => (await queuedUploads()).find((u) => u.uploadId === uploadId);

describe("POST /v1/products, a body at or under PRODUCTS_FAST_PATH_BYTES", () => {
  it("is accepted with 202 and a Location, queued whole, numbered, and marked pending; Postgres untouched", async () => {
    const before = await rows();
    const text = `[ {"id": 1, "name": "x"} ,\n {"id":"sku-2","nested":{"a":[1,2]}} ]`;
    const res = await fast.post("/v1/products", text);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2 });
    const uploadId = uploadIdOf(res);
    expect(res.headers.get("location")).toBe(`/v1/products/uploads/${uploadId}`);
    expect(await queuedUpload(uploadId)).toEqual({
      uploadId,
      acceptedSeq: expect.any(Number),
      acceptedAt: expect.any(Number),
      products: 2,
      digest: createHash("sha256").update(text).digest("hex"),
      // The body as posted: found to be one array of valid products, it is what the worker splits.
      documents: text,
    });
    // Where the query API learns the upload is pending, until a worker records it in Postgres.
    const mark = JSON.parse((await redis.get(pendingUploadKey(fast.redis.prefix, uploadId))) ?? "null") as unknown;
    expect(mark).toEqual({ products: 2, acceptedAt: (await queuedUpload(uploadId))?.acceptedAt });
    expect(await rows()).toEqual(before);
  });

  it("takes the staged path one byte over the threshold, and without a Content-Length", async () => {
    const over = JSON.stringify([{ id: "over", pad: "x".repeat(200) }]);
    const res = await fast.post("/v1/products", over);
    expect(res.status).toBe(202);
    expect(await fast.db.selectFrom("product_uploads").select("upload_id").where("upload_id", "=", uploadIdOf(res)).executeTakeFirst()).toBeDefined();
    const chunked = await fetch(`${fast.url}/v1/products`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Blob([body("chunked")]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(202);
    expect(await fast.db.selectFrom("product_uploads").select("upload_id").where("upload_id", "=", uploadIdOf(chunked)).executeTakeFirst()).toBeDefined();
  });

  it("numbers uploads in the order they were accepted, whichever path each took", async () => {
    const first = await fast.post("/v1/products", body("order 1"));
    const second = await staged.post("/v1/products", body("order 2"));
    const third = await fast.post("/v1/products", body("order 3"));
    const seqOfJob = async (res: Response) => (await queuedUpload(uploadIdOf(res)))?.acceptedSeq ?? 0;
    const row = await fast.db.selectFrom("product_uploads").select("accepted_seq").where("upload_id", "=", uploadIdOf(second)).executeTakeFirstOrThrow();
    const seqs = [await seqOfJob(first), Number(row.accepted_seq), await seqOfJob(third)];
    expect(seqs[0]).toBeLessThan(seqs[1]!);
    expect(seqs[1]).toBeLessThan(seqs[2]!);
  });
});

describe("small uploads accepted at the same moment", () => {
  it("share one job, each upload whole in it", async () => {
    const before = await jobs();
    const uploads = Array.from({ length: 30 }, (_, i) => ({
      uploadId: randomUUID(),
      acceptedSeq: 1_000 + i,
      acceptedAt: Date.now(),
      products: 1,
      digest: `${i}`.padStart(64, "0"),
      documents: `[{"id":"together-${i}"}]`,
    }));
    // Queued in one turn of the event loop, as requests parsed together are.
    await Promise.all(uploads.map((u) => fast.queues.enqueue.products(u)));
    const added = (await jobs()).filter((j) => !before.some((b) => b.id === j.id));
    expect(added).toHaveLength(1);
    expect(added[0]?.data.uploads).toEqual(uploads);
    // Each marked pending, for its status.
    expect(await redis.exists(...uploads.map((u) => pendingUploadKey(fast.redis.prefix, u.uploadId)))).toBe(30);
  });

  it("answer each request with its own Location when posted at once", async () => {
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => fast.post("/v1/products", body(`together ${i}`))));
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 30 }, () => 202));
    const ids = responses.map(uploadIdOf);
    expect(new Set(ids).size).toBe(30);
    const carried = new Set((await queuedUploads()).map((u) => u.uploadId));
    expect(ids.filter((id) => !carried.has(id))).toEqual([]);
  });
});

describe("one rule for identical bodies, whichever path", () => {
  it("refuses on the staged path, with 403, the bytes the fast path accepted, leaving no rows", async () => {
    const text = body("fast first");
    expect((await fast.post("/v1/products", text)).status).toBe(202);
    const before = await rows();
    const problem = await expectProblem(await staged.post("/v1/products", text), 403);
    expect(problem).toMatchObject({ acceptedAt: expect.any(String), refusedUntil: expect.any(String) });
    expect(await rows()).toEqual(before);
  });

  it("refuses on the fast path, with 403, the bytes the staged path accepted, queueing nothing", async () => {
    const text = body("staged first");
    expect((await staged.post("/v1/products", text)).status).toBe(202);
    const queued = (await queuedUploads()).length;
    await expectProblem(await fast.post("/v1/products", text), 403);
    expect(await queuedUploads()).toHaveLength(queued);
  });

  it("accepts exactly one of ten identical small bodies arriving at once, and queues one job", async () => {
    const text = body("ten at once");
    const queued = (await queuedUploads()).length;
    const statuses = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 3 === 0 ? staged : fast).post("/v1/products", text).then((r) => r.status)));
    expect(statuses.sort()).toEqual([202, 403, 403, 403, 403, 403, 403, 403, 403, 403]);
    const added = (await queuedUploads()).length - queued;
    const stagedAccepted = await fast.db.selectFrom("product_uploads").select("upload_id").where("body_digest", "=", createHash("sha256").update(text).digest("hex")).execute();
    expect(added + stagedAccepted.length).toBe(1);
  });
});

describe("small bodies that are not accepted leave no trace", () => {
  it.each([
    ["invalid JSON", '[{"id": 1}, {"id" 2}]', 400],
    ["a product without an id", '[{"id": 1}, {"name": "no id"}]', 422],
    ["a product jsonb would refuse (a NUL character)", '[{"id": 1, "s": "a\\u0000b"}]', 422],
    ["an empty array", "[]", 422],
  ])("answers %s with problem+json and queues nothing", async (_, text, status) => {
    const keys = (await digestKeys()).length;
    const queued = (await queuedUploads()).length;
    await expectProblem(await fast.post("/v1/products", text), status);
    expect(await queuedUploads()).toHaveLength(queued);
    expect(await digestKeys()).toHaveLength(keys);
  });

  it("answers 503 with Retry-After while Redis is down, and nothing is queued or recorded", async () => {
    const down = await startIngest({ REDIS_URL: "redis://127.0.0.1:1", PRODUCTS_FAST_PATH_BYTES: "200" }, fast);
    try {
      const before = await rows();
      const keys = (await digestKeys()).length;
      const res = await down.post("/v1/products", body("redis down"));
      await expectProblem(res, 503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(await rows()).toEqual(before);
      expect(await digestKeys()).toHaveLength(keys);
    } finally {
      await down.close();
    }
    // The same body, once Redis answers, is accepted: the failed attempt left no window.
    expect((await fast.post("/v1/products", body("redis down"))).status).toBe(202);
  });

  /** With Redis made to fail one step (`breakIt`, undone by `restore`), a small body gets 503 and leaves no claim; then it is accepted. */
  async function expect503WithoutClaim(tag: string, breakIt: () => Promise<unknown>, restore: () => Promise<unknown>) {
    const text = body(tag);
    await breakIt();
    try {
      await expectProblem(await fast.post("/v1/products", text), 503);
      expect(await redis.exists(`${fast.redis.prefix}:products:digest:{${createHash("sha256").update(text).digest("hex")}}`)).toBe(0);
    } finally {
      await restore();
    }
    expect((await fast.post("/v1/products", text)).status).toBe(202);
  }

  it("gives back a claim whose acceptance number could not be taken, and answers 503", async () => {
    // The number's key made a hash: the numbering script fails while the claim succeeds.
    const numberKey = `${fast.redis.prefix}:products:acceptance`;
    const saved = await redis.get(numberKey);
    await expect503WithoutClaim(
      "number fails",
      async () => (await redis.del(numberKey), await redis.hset(numberKey, "not", "a number")),
      async () => (await redis.del(numberKey), saved !== null && (await redis.set(numberKey, saved))),
    );
  });

  it("releases the claim and answers 503 when the job cannot be queued, so a retry is accepted", async () => {
    // The queue's wait list made a string: BullMQ's add fails after the claim succeeded.
    const wait = `${fast.redis.prefix}:products:wait`;
    const saved = await redis.lrange(wait, 0, -1);
    await expect503WithoutClaim(
      "enqueue fails",
      async () => (await redis.del(wait), await redis.set(wait, "not a list")),
      async () => (await redis.del(wait), saved.length > 0 && (await redis.rpush(wait, ...saved))),
    );
  });
});

describe("a small upload whose add Redis holds past the 5 s answer timeout", () => {
  /** An ingest process talking to `fast`'s Redis through a proxy that can hold its commands, and a body whose add it holds. */
  async function heldIngest(tag: string) {
    const proxy = await startHeldRedis(fast.redis.url);
    const held = await startIngest({ REDIS_URL: proxy.url, PRODUCTS_FAST_PATH_BYTES: "200" }, fast);
    await eventually(async () => (held.queues.connected() ? true : undefined), 5000, "the proxied Redis");
    proxy.holdFrom(`first ${tag}`); // the add carries the body; the claim before it does not
    const text = body(tag);
    const key = `${fast.redis.prefix}:products:digest:{${createHash("sha256").update(text).digest("hex")}}`;
    const queuedWith = async () => (await queuedUploads()).filter((u) => u.documents === text);
    return { proxy, held, text, key, queuedWith, close: async () => (proxy.resume(), await held.close(), await proxy.close()) };
  }

  it("is accepted, once, when the add lands while ingest looks for its job", async () => {
    const { proxy, held, text, key, queuedWith, close } = await heldIngest("held, then lands");
    try {
      const started = Date.now();
      const answer = held.post("/v1/products", text);
      // Past the add's timeout, while ingest waits on its question: Redis carries out both, in order.
      await eventually(async () => (proxy.holding() ? true : undefined), 5000, "the add held");
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 6500 - Date.now())));
      proxy.resume();
      const res = await answer;
      expect(res.status).toBe(202);
      expect((await queuedWith()).map((u) => u.uploadId)).toEqual([uploadIdOf(res)]);
      expect(await redis.hget(key, "state")).toBe("accepted");
      await expectProblem(await fast.post("/v1/products", text), 403);
      expect(await queuedWith()).toHaveLength(1);
    } finally {
      await close();
    }
  }, 20_000);

  it("keeps the claim pending when Redis cannot say in time, so a job landing later cannot be accepted twice", async () => {
    const { proxy, held, text, key, queuedWith, close } = await heldIngest("held past the answer");
    try {
      await expectProblem(await held.post("/v1/products", text), 503);
      proxy.resume();
      const [landed] = await eventually(async () => ((await queuedWith()).length > 0 ? queuedWith() : undefined), 5000, "the late job");
      // Not released: the same body meanwhile waits on the claim, which the worker applying the job confirms.
      expect(await redis.hmget(key, "state", "token")).toEqual(["pending", landed?.uploadId]);
    } finally {
      await close();
    }
  }, 20_000);
});

describe("PRODUCTS_DEDUP=json: the same documents are one body, however written", () => {
  let jsonFast: Ingest;
  let jsonStaged: Ingest;
  beforeAll(async () => {
    jsonFast = await startIngest({ PRODUCTS_DEDUP: "json", PRODUCTS_FAST_PATH_BYTES: "200" });
    jsonStaged = await startIngest({ PRODUCTS_DEDUP: "json", PRODUCTS_FAST_PATH_BYTES: "0" }, jsonFast);
  });
  afterAll(async () => {
    await jsonStaged.close();
    await jsonFast.close();
  });

  const original = '[{"id": 1, "a": "x", "b": [1, 2]}, {"id": "k", "n": null}]';
  const rewritten = '[ {"b":[1, 2.0], "id":1, "a":"\\u0078"},\n {"n":null,"id":"k"} ]';

  it("refuses other key order, spacing, escapes and number spellings on either path, and accepts another document", async () => {
    expect((await jsonFast.post("/v1/products", original)).status).toBe(202);
    await expectProblem(await jsonStaged.post("/v1/products", rewritten), 403);
    await expectProblem(await jsonFast.post("/v1/products", rewritten), 403);
    expect((await jsonFast.post("/v1/products", original.replace('"x"', '"y"'))).status).toBe(202);
    // Elements are documents in order: the same two in the other order are another body.
    expect((await jsonStaged.post("/v1/products", '[{"id": "k", "n": null}, {"id": 1, "a": "x", "b": [1, 2]}]')).status).toBe(202);
  });

  it("is not the default: by bytes, the rewritten body is another body", async () => {
    expect((await fast.post("/v1/products", original)).status).toBe(202);
    expect((await fast.post("/v1/products", rewritten)).status).toBe(202);
  });
});
