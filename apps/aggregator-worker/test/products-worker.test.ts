import { randomUUID } from "node:crypto";
import { createLogger } from "@tally/shared/logger";
import { bodyDigestKey } from "@tally/shared/redis";
import { eventually } from "@tally/testing";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyUpload } from "../src/products/apply-upload.js";
import { applyStagedChunk } from "../src/products/products.repository.js";
import { settleUpload } from "../src/products/settle-upload.js";
import { startUploadSweep, sweepUploads } from "../src/products/sweep-uploads.js";
import { stageUpload } from "./stage-upload.js";
import { createWorkerHarness } from "./worker-harness.js";

const logger = createLogger("worker", "silent");

let h: Awaited<ReturnType<typeof createWorkerHarness>>;
beforeEach(async () => {
  h = await createWorkerHarness();
});
afterEach(() => h.close());

/** Every stored product's document, by id. */
async function stored() {
  const { rows } = await sql<{ id: string; data: unknown }>`SELECT id, data FROM products ORDER BY id`.execute(h.db);
  return Object.fromEntries(rows.map((r) => [r.id, r.data]));
}

async function uploadState(uploadId: string) {
  const { rows } = await sql<{ applied: boolean; staged: string }>`
    SELECT applied_at IS NOT NULL AS applied, (SELECT count(*) FROM product_staging s WHERE s.upload_id = u.upload_id) AS staged
    FROM product_uploads u WHERE upload_id = ${uploadId}`.execute(h.db);
  return { applied: rows[0]?.applied, staged: Number(rows[0]?.staged) };
}

async function outcome(uploadId: string) {
  const { rows } = await sql<{ failed: boolean; failure: string | null; staged: string }>`
    SELECT failed_at IS NOT NULL AS failed, failure, (SELECT count(*) FROM product_staging s WHERE s.upload_id = u.upload_id) AS staged
    FROM product_uploads u WHERE upload_id = ${uploadId}`.execute(h.db);
  return { failed: rows[0]?.failed, failure: rows[0]?.failure, staged: Number(rows[0]?.staged) };
}

describe("products worker", () => {
  it("applies the upload a job names: documents as jsonb, updated at the upload's acceptance, staging gone", async () => {
    const uploadId = await stageUpload(h.db, [
      { id: "a", name: "Apple", tags: ["fruit"], price: { amount: "1.20" } },
      { id: 2, name: "Pear", stock: 7 },
    ]);
    await h.products.add("products", { uploadId });
    await h.products.add("products", { uploadId: randomUUID() }); // no such upload: nothing to do
    h.startWorkers();
    await h.drained();

    expect(await stored()).toEqual({
      a: { id: "a", name: "Apple", tags: ["fruit"], price: { amount: "1.20" } },
      "2": { id: 2, name: "Pear", stock: 7 },
    });
    const { rows } = await sql<{ types: string[]; at_acceptance: boolean }>`
      SELECT array_agg(DISTINCT jsonb_typeof(p.data)) AS types, bool_and(p.updated_at = u.accepted_at) AS at_acceptance
      FROM products p CROSS JOIN product_uploads u`.execute(h.db);
    expect(rows[0]).toEqual({ types: ["object"], at_acceptance: true });
    expect(await uploadState(uploadId)).toEqual({ applied: true, staged: 0 });
    expect(await h.products.getFailedCount()).toBe(0);
  });

  it.each([2000, 2, 1])("keeps the later element when one body repeats an id (staged in chunks of %i)", async (perChunk) => {
    const body = [
      { id: "x", v: "first" },
      { id: "y", v: "only" },
      { id: "x", v: "second" },
      { id: "z", v: "only" },
      { id: "x", v: "last" },
    ];
    const uploadId = await stageUpload(h.db, body, { perChunk });
    expect(await applyUpload(h.db, uploadId)).toMatchObject({ applied: true, written: expect.any(Number) });
    expect(await stored()).toEqual({ x: { id: "x", v: "last" }, y: { id: "y", v: "only" }, z: { id: "z", v: "only" } });
  });
});

describe("the later accepted body wins", () => {
  it.each([
    ["after", ["earlier", "later"]],
    ["before", ["later", "earlier"]],
  ] as const)("when the later upload is applied %s the earlier one", async (_, order) => {
    const uploads = {
      earlier: await stageUpload(h.db, [{ id: "p", v: "old" }, { id: "q", v: "earlier only" }]),
      later: await stageUpload(h.db, [{ id: "p", v: "new" }, { id: "r", v: "later only" }]),
    };
    for (const which of order) await applyUpload(h.db, uploads[which]);

    expect(await stored()).toEqual({ p: { id: "p", v: "new" }, q: { id: "q", v: "earlier only" }, r: { id: "r", v: "later only" } });
    const { rows } = await sql<{ from_later: boolean }>`
      SELECT p.updated_at = u.accepted_at AS from_later FROM products p, product_uploads u
      WHERE p.id = 'p' AND u.upload_id = ${uploads.later}`.execute(h.db);
    expect(rows[0]?.from_later).toBe(true);
  });

  it('treats the integer id 1 and the string id "1" as one product, replaced by whichever came later', async () => {
    const first = await stageUpload(h.db, [{ id: 1, v: "integer" }]);
    const second = await stageUpload(h.db, [{ id: "1", v: "string" }]);
    await applyUpload(h.db, second);
    await applyUpload(h.db, first);
    expect(await stored()).toEqual({ "1": { id: "1", v: "string" } });

    await applyUpload(h.db, await stageUpload(h.db, [{ id: 1, v: "integer again" }]));
    expect(await stored()).toEqual({ "1": { id: 1, v: "integer again" } });

    // However the integer is spelt: JSON.parse reads 1.0 and 1e0 as 1, and so does the worker.
    await applyUpload(h.db, await stageUpload(h.db, ['{"id": 1.0, "v": "one point oh"}', '{"id": 1e0, "v": "one e zero"}', '{"id": -0, "v": "minus zero"}']));
    expect(await stored()).toEqual({ "0": { id: 0, v: "minus zero" }, "1": { id: 1.0, v: "one e zero" } });
  });

  it("when many workers apply many overlapping uploads at once, enqueued in reverse order", async () => {
    const bodies = Array.from({ length: 12 }, (_, u) =>
      Array.from({ length: 150 }, (_, i) => ({ id: `item-${(u * 7 + i * 13) % 40}`, upload: u, position: i })),
    );
    const uploadIds: string[] = [];
    for (const body of bodies) uploadIds.push(await stageUpload(h.db, body, { perChunk: 40 }));
    // The later body wins; within it, the later element: the last write in acceptance order.
    const expected: Record<string, unknown> = {};
    for (const body of bodies) for (const p of body) expected[p.id] = p;

    await h.products.addBulk(uploadIds.toReversed().map((uploadId) => ({ name: "products", data: { uploadId } })));
    h.startWorkers();
    h.startWorkers();
    await h.drained();

    expect(await stored()).toEqual(expected);
    expect(await h.products.getFailedCount()).toBe(0);
  });
});

describe("replays", () => {
  it("changes nothing when an applied upload is applied again", async () => {
    const earlier = await stageUpload(h.db, [{ id: "p", v: "old" }]);
    const later = await stageUpload(h.db, [{ id: "p", v: "new" }]);
    await applyUpload(h.db, later);
    await applyUpload(h.db, earlier);
    expect(await applyUpload(h.db, later)).toEqual({ applied: false, written: 0 });
    expect(await applyUpload(h.db, earlier)).toEqual({ applied: false, written: 0 });
    expect(await stored()).toEqual({ p: { id: "p", v: "new" } });
  });

  it("never goes backwards when chunk 1 is applied after chunk 2, applies each chunk once, and goes on after a crash", async () => {
    const body = [
      { id: "x", v: 0 },
      { id: "y", v: 1 },
      { id: "x", v: 2 },
      { id: "z", v: 3 },
    ];
    const uploadId = await stageUpload(h.db, body, { perChunk: 2 });
    expect(await applyStagedChunk(h.db, uploadId, 2)).toBe(2);
    // The chunk left staging in the statement that applied it: applying it again finds nothing.
    expect(await uploadState(uploadId)).toEqual({ applied: false, staged: 1 });
    expect(await applyStagedChunk(h.db, uploadId, 2)).toBe(0);

    // A later upload lands, then the worker that crashed after chunk 2 applies the upload: only chunk 1
    // is left, and of it only y, since x@0 is older than x@2 and than the later upload's x.
    await applyUpload(h.db, await stageUpload(h.db, [{ id: "x", v: "later upload" }]));
    expect(await applyUpload(h.db, uploadId)).toMatchObject({ applied: true, written: 1 });
    expect(await stored()).toEqual({ x: { id: "x", v: "later upload" }, y: { id: "y", v: 1 }, z: { id: "z", v: 3 } });
    expect(await uploadState(uploadId)).toEqual({ applied: true, staged: 0 });
  });

  it("ends consistent when two workers apply the same upload at the same time", async () => {
    const body = Array.from({ length: 400 }, (_, i) => ({ id: `item-${(i * 7) % 90}`, position: i }));
    const uploadId = await stageUpload(h.db, body, { perChunk: 9 });
    const results = await Promise.all([applyUpload(h.db, uploadId), applyUpload(h.db, uploadId)]);

    // Both usually find it accepted and apply it side by side; on a busy machine one may finish before
    // the other has looked, which then finds it applied already. Either way it is applied once, whole.
    expect(results.some((r) => r.applied)).toBe(true);
    const expected: Record<string, unknown> = {};
    for (const p of body) expected[p.id] = p;
    expect(await stored()).toEqual(expected);
    expect(await uploadState(uploadId)).toEqual({ applied: true, staged: 0 });
  });
});

describe("uploads no job names", () => {
  it("are applied by the sweep once older than the grace period, and not before", async () => {
    const uploadId = await stageUpload(h.db, [{ id: "lost", v: 1 }]);
    expect(await sweepUploads(h.settle, Date.now())).toEqual({ applied: 0, failed: 0, nextAfterSeq: 0 });
    expect(await uploadState(uploadId)).toEqual({ applied: false, staged: 1 });

    expect((await sweepUploads(h.settle, Date.now() + 31_000)).applied).toBe(1);
    expect(await uploadState(uploadId)).toEqual({ applied: true, staged: 0 });
    expect(await stored()).toEqual({ lost: { id: "lost", v: 1 } });
  });

  it("are applied by the running sweep, past one that Postgres cannot read, which ends failed", async () => {
    // Valid JSON that jsonb refuses (ingest refuses it too; an older ingest may have let it through).
    const poisoned = await stageUpload(h.db, ['{"id": "bad", "name": "a\\u0000b"}']);
    const uploadId = await stageUpload(h.db, [{ id: "lost", v: 2 }]);
    const stop = startUploadSweep(h.settle, logger, 20, () => Date.now() + 60_000);
    try {
      await eventually(async () => ((await uploadState(uploadId)).applied ? true : undefined), 5000, "the sweep to apply the upload");
    } finally {
      await stop();
    }
    expect(await stored()).toEqual({ lost: { id: "lost", v: 2 } });
    expect(await outcome(poisoned)).toEqual({ failed: true, failure: expect.stringMatching(/Unicode escape/), staged: 0 });
  });

  it("never starve: a hundred and fifty uploads that fail leave the sweep's path, and the good one behind them is applied", async () => {
    const poisoned: string[] = [];
    for (let i = 0; i < 150; i++) poisoned.push(await stageUpload(h.db, [`{"id": "bad-${i}", "n": 1e-20000}`]));
    const good = await stageUpload(h.db, [{ id: "good" }]);
    const later = Date.now() + 60_000;
    const first = await sweepUploads(h.settle, later);
    expect(first).toEqual({ applied: 0, failed: 100, nextAfterSeq: expect.any(Number) });
    const second = await sweepUploads(h.settle, later, { afterSeq: first.nextAfterSeq });
    expect(second).toEqual({ applied: 1, failed: 50, nextAfterSeq: 0 });
    expect(await uploadState(good)).toEqual({ applied: true, staged: 0 });
    // Failed for good: a third sweep has nothing left to try.
    expect(await sweepUploads(h.settle, later)).toEqual({ applied: 0, failed: 0, nextAfterSeq: 0 });
    expect(await h.registry.getSingleMetricAsString("tally_product_uploads_failed_total")).toMatch(/ 150$/m);
  });

  it("are ignored when they were never accepted (no accepted_seq)", async () => {
    const uploadId = await stageUpload(h.db, [{ id: "ghost" }], { accepted: false });
    expect(await applyUpload(h.db, uploadId)).toEqual({ applied: false, written: 0 });
    expect((await sweepUploads(h.settle, Date.now() + 3_600_000)).applied).toBe(0);
    await h.products.add("products", { uploadId });
    h.startWorkers();
    await h.drained();

    expect(await stored()).toEqual({});
    expect(await uploadState(uploadId)).toEqual({ applied: false, staged: 1 });
  });
});

describe("an applied upload whose window ingest could not record", () => {
  /** An upload committed whose confirm never reached Redis: its claim is pending and would expire. */
  async function withPendingClaim(id: string, digest: string) {
    const key = bodyDigestKey(h.prefix, digest);
    const uploadId = await stageUpload(h.db, [{ id, v: 1 }], { digest });
    await h.redis.hset(key, "state", "pending", "at", String(Date.now() - 1_000), "token", uploadId);
    await h.redis.pexpire(key, 60_000);
    return { key, uploadId };
  }

  it("has its pending claim confirmed by the worker, its window from the claim, so the body stays refused", async () => {
    const { key, uploadId } = await withPendingClaim("lost-confirm", "c".repeat(64));
    expect(await settleUpload(h.settle, uploadId)).toBe("applied");
    expect(await h.redis.hget(key, "state")).toBe("accepted");
    expect(await h.redis.pttl(key)).toBeGreaterThan(590_000);
  });

  it("has it confirmed before the apply, which can outlast the claim's minute", async () => {
    const { key, uploadId } = await withPendingClaim("slow-apply", "f".repeat(64));
    // Another transaction holds the staged chunk: the apply waits on it, as on a long one.
    await h.db.connection().execute(async (holder) => {
      await sql`BEGIN`.execute(holder);
      await sql`SELECT 1 FROM product_staging WHERE upload_id = ${uploadId} FOR UPDATE`.execute(holder);
      const settling = settleUpload(h.settle, uploadId);
      try {
        await eventually(async () => ((await h.redis.hget(key, "state")) === "accepted" ? true : undefined), 5000, "the window confirmed mid-apply");
        expect(await uploadState(uploadId)).toEqual({ applied: false, staged: 1 });
      } finally {
        await sql`COMMIT`.execute(holder);
      }
      expect(await settling).toBe("applied");
    });
  });
});

describe("an upload a job names that cannot be applied", () => {
  it("ends failed with its reason, releases its body's window, and completes its job instead of retrying it", async () => {
    const digest = "d".repeat(64);
    const key = bodyDigestKey(h.prefix, digest);
    const uploadId = await stageUpload(h.db, ['{"id": "deep", "d": 1e131072}'], { digest });
    // The window ingest recorded when it accepted the body.
    await h.redis.hset(key, "state", "accepted", "at", String(Date.now()), "token", uploadId);
    await h.products.add("products", { uploadId }, { jobId: uploadId });
    h.startWorkers();
    await h.drained();

    expect(await outcome(uploadId)).toEqual({ failed: true, failure: expect.stringMatching(/overflow/), staged: 0 });
    expect(await h.redis.exists(key)).toBe(0);
    expect(await (await h.products.getJob(uploadId))?.getState()).toBe("completed");
    expect(await h.failedJobs()).toEqual([]);
  });

  it("releases only its own window: a later acceptance of the same body keeps its own", async () => {
    const digest = "e".repeat(64);
    const key = bodyDigestKey(h.prefix, digest);
    const uploadId = await stageUpload(h.db, ['{"id": "x", "n": 1e-16384}'], { digest });
    await h.redis.hset(key, "state", "accepted", "at", String(Date.now()), "token", "a-later-upload");
    expect(await settleUpload(h.settle, uploadId)).toBe("failed");
    expect(await h.redis.hget(key, "token")).toBe("a-later-upload");
    expect(await settleUpload(h.settle, uploadId)).toBe("unchanged");
  });
});
