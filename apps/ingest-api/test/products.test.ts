import { createHash } from "node:crypto";
import { connect } from "node:net";
import { eventually, expectProblem } from "@tally/testing";
import { Redis } from "ioredis";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startIngest, type Ingest } from "./ingest-harness.js";

const WINDOW = 600_000;
const T0 = Date.UTC(2026, 10, 23, 13, 0, 0);
const body = (tag: string) => JSON.stringify([{ id: 1, name: `first ${tag}` }, { id: "sku-2", price: "12.50", tags: ["a", "b"] }]);

let ingest: Ingest;
let redis: Redis;
beforeAll(async () => {
  // The staged path, for every body: the fast path has its own file (products-fast-path.test.ts).
  ingest = await startIngest({ MAX_PRODUCTS_BODY_BYTES: "20000", MAX_PRODUCT_BYTES: "5000", MAX_CONCURRENT_UPLOADS: "16", PRODUCTS_FAST_PATH_BYTES: "0" });
  redis = new Redis(ingest.redis.url);
});
afterAll(async () => {
  redis.disconnect();
  await ingest.close();
});
beforeEach(() => {
  ingest.clock.dedupNow = undefined;
});

const post = (text: string, headers: Record<string, string> = { "content-type": "application/json" }) => ingest.post("/v1/products", text, headers);

async function uploads() {
  const { rows } = await sql<{ n: string; staged: string }>`
    SELECT (SELECT count(*) FROM product_uploads) AS n, (SELECT count(*) FROM product_staging) AS staged`.execute(ingest.db);
  return { uploads: Number(rows[0]?.n), staged: Number(rows[0]?.staged) };
}
const digestKeys = () => redis.keys(`${ingest.redis.prefix}:products:digest:*`);

describe("POST /v1/products", () => {
  it("accepts a body with 202, commits its products as posted, numbered, and queues a job naming the upload", async () => {
    const text = `[ {"id": 1, "name": "x"} ,\n {"id":"sku-2","nested":{"a":[1,2]}} ]`;
    const res = await post(text);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2 });
    const upload = await ingest.db.selectFrom("product_uploads").selectAll().orderBy("received_at", "desc").executeTakeFirstOrThrow();
    expect(upload.accepted_seq).not.toBeNull();
    expect(Number(upload.products)).toBe(2);
    // Where the query API answers the upload's status; the digest lets a worker release the window if it fails.
    expect(res.headers.get("location")).toBe(`/v1/products/uploads/${upload.upload_id}`);
    expect(upload.body_digest).toBe(createHash("sha256").update(text).digest("hex"));
    const staged = await ingest.db.selectFrom("product_staging").select(["first_position", "documents"]).where("upload_id", "=", upload.upload_id).execute();
    expect(staged).toEqual([{ first_position: "0", documents: '[{"id": 1, "name": "x"},{"id":"sku-2","nested":{"a":[1,2]}}]' }]);
    const job = await ingest.queues.products.getJob(upload.upload_id);
    expect(job?.data).toEqual({ uploadId: upload.upload_id });
  });

  it("refuses the same bytes with 403 until the window ends, and accepts them at exactly its end", async () => {
    const text = body("window");
    ingest.clock.dedupNow = T0;
    expect((await post(text)).status).toBe(202);
    const before = await uploads();

    ingest.clock.dedupNow = T0 + WINDOW - 1;
    const problem = await expectProblem(await post(text), 403);
    expect(problem).toMatchObject({ acceptedAt: new Date(T0).toISOString(), refusedUntil: new Date(T0 + WINDOW).toISOString() });
    expect(await uploads()).toEqual(before); // a refused body leaves nothing behind

    ingest.clock.dedupNow = T0 + WINDOW;
    expect((await post(text)).status).toBe(202);
    ingest.clock.dedupNow = T0 + WINDOW + 1;
    expect((await post(text)).status).toBe(403); // the new acceptance started a new window
  });

  it("stores staged chunks compressed with lz4 (migration 0013), not Postgres's slower default", async () => {
    const text = JSON.stringify(Array.from({ length: 12 }, (_, i) => ({ id: `lz4-${i}`, description: "y".repeat(1000) })));
    const res = await post(text);
    expect(res.status).toBe(202);
    const upload = res.headers.get("location")?.split("/").pop() ?? "";
    const { rows } = await sql<{ method: string | null }>`
      SELECT pg_column_compression(documents) AS method FROM product_staging WHERE upload_id = ${upload}`.execute(ingest.db);
    expect(rows).toEqual([{ method: "lz4" }]);
  });

  it("accepts a body one byte different", async () => {
    expect((await post(body("byte"))).status).toBe(202);
    expect((await post(`${body("byte")} `)).status).toBe(202);
    expect((await post(body("byte"))).status).toBe(403);
  });

  it("accepts exactly one of ten identical bodies arriving at once", async () => {
    const text = body("ten at once");
    const statuses = await Promise.all(Array.from({ length: 10 }, () => post(text).then((r) => r.status)));
    expect(statuses.sort()).toEqual([202, 403, 403, 403, 403, 403, 403, 403, 403, 403]);
  });

  it("refuses in a second ingest process what the first accepted", async () => {
    const second = await startIngest({}, ingest);
    try {
      const text = body("two processes");
      expect((await post(text)).status).toBe(202);
      expect((await second.post("/v1/products", text)).status).toBe(403);
    } finally {
      await second.close();
    }
  });
});

const query = pg.Client.prototype.query;

/**
 * Makes the next COMMIT fail on its way back, as when Postgres dies between writing a commit and
 * answering it: after committing (`committed`) or after rolling back instead. Undone after each test
 * even when no COMMIT came.
 */
function failNextCommit(committed: boolean): void {
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    if (typeof args[0] !== "string" || args[0].trim().toLowerCase() !== "commit") return (query as (...a: unknown[]) => unknown).apply(this, args);
    pg.Client.prototype.query = query;
    const sent = committed ? (query as (...a: unknown[]) => Promise<unknown>).apply(this, args) : this.query("rollback");
    return sent.then(() => {
      throw new Error("Connection terminated unexpectedly");
    });
  } as typeof query;
}

describe("a commit whose answer is lost", () => {
  afterEach(() => {
    pg.Client.prototype.query = query;
  });
  const acceptedWithDigest = async (text: string) =>
    Number(
      (
        await ingest.db
          .selectFrom("product_uploads")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .where("body_digest", "=", createHash("sha256").update(text).digest("hex"))
          .where("accepted_seq", "is not", null)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("is answered 202 when the upload did commit, and the body keeps its window", async () => {
    const text = body("commit made, answer lost");
    failNextCommit(true);
    const res = await post(text);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2 });
    expect(await acceptedWithDigest(text)).toBe(1);
    // Its claim was kept and confirmed: the same body again is refused, not accepted a second time.
    await expectProblem(await post(text), 403);
    expect(await acceptedWithDigest(text)).toBe(1);
  });

  it("is answered 503 when the upload did not commit, and leaves the body free to be sent again", async () => {
    const text = body("commit lost");
    failNextCommit(false);
    await expectProblem(await post(text), 503);
    expect(await acceptedWithDigest(text)).toBe(0);
    expect((await post(text)).status).toBe(202);
    expect(await acceptedWithDigest(text)).toBe(1);
  });
});

describe("bodies that are not accepted leave no trace", () => {
  it("answers invalid JSON with 400, twice, and keeps no window or rows", async () => {
    const before = await uploads();
    const keys = (await digestKeys()).length;
    for (const text of ['[{"id": 1}, {"id": 2', '[{"id": 1}, {"id" 2}]']) {
      await expectProblem(await post(text), 400);
      await expectProblem(await post(text), 400);
    }
    expect(await uploads()).toEqual(before);
    expect(await digestKeys()).toHaveLength(keys);
  });

  it.each([
    ["an empty body", "", 400],
    ["well-formed JSON that is not an array (the seed's own test body)", '{"id": 1}', 422],
    ["an empty array", "[]", 422],
  ])("answers %s with %i", async (_, text, status) => {
    await expectProblem(await post(text), status);
  });

  it("answers products without a valid id with 422 naming each, and stages nothing", async () => {
    const before = await uploads();
    const problem = await expectProblem(await post('[{"id": 1}, {"name": "no id"}, {"id": 1.5}, "x"]'), 422);
    expect(problem.errors?.map((e) => e.path)).toEqual(["[1].id", "[2].id", "[3]"]);
    expect(await uploads()).toEqual(before);
  });

  it("answers a body over MAX_PRODUCTS_BODY_BYTES with 413, whether declared or streamed", async () => {
    const big = JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ id: i, pad: "x".repeat(40) })));
    expect((await expectProblem(await post(big), 413)).detail).toContain("MAX_PRODUCTS_BODY_BYTES");
    const chunked = await fetch(`${ingest.url}/v1/products`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Blob([big]).stream(),
      duplex: "half",
    } as RequestInit);
    expect((await expectProblem(chunked, 413)).detail).toContain("20000");
  });

  it("answers a product over MAX_PRODUCT_BYTES with 413", async () => {
    const text = JSON.stringify([{ id: 1, pad: "x".repeat(6000) }]);
    expect((await expectProblem(await post(text), 413)).detail).toContain("MAX_PRODUCT_BYTES");
  });

  it("answers a body declared as something other than JSON with 415", async () => {
    await expectProblem(await post(body("type"), { "content-type": "application/x-ndjson" }), 415);
    await expectProblem(await post(body("type"), { "content-type": "text/csv" }), 415);
  });

  it("leaves no window, no staged rows and no open transaction when the client disconnects halfway", async () => {
    const before = await uploads();
    const keys = (await digestKeys()).length;
    const half = body("disconnect").slice(0, 40);
    const port = Number(new URL(ingest.url).port);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.write(`POST /v1/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n${half}`);
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 200);
      });
      socket.on("error", reject);
    });
    await eventually(async () => {
      const { rows } = await sql<{ n: string }>`
        SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`.execute(ingest.db);
      return Number(rows[0]?.n) === 0 ? true : undefined;
    });
    expect(await uploads()).toEqual(before);
    expect(await digestKeys()).toHaveLength(keys);
  });
});
