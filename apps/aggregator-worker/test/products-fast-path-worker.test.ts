import { randomUUID } from "node:crypto";
import type { InlineUpload } from "@tally/shared/jobs";
import { bodyDigestKey, pendingUploadKey } from "@tally/shared/redis";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stageUpload } from "./stage-upload.js";
import { createWorkerHarness } from "./worker-harness.js";

let h: Awaited<ReturnType<typeof createWorkerHarness>>;
beforeEach(async () => {
  h = await createWorkerHarness();
});
afterEach(() => h.close());

/** Acceptance numbers as Redis gives them: microseconds since the epoch, or just above. */
const SEQ = 1_765_000_000_000_000;
const AT = Date.UTC(2026, 10, 23, 13, 0, 0);

/** A small upload as ingest queues it: whole. */
function fastJob(products: readonly (object | string)[], seq: number, digest = "0".repeat(64)): InlineUpload {
  const documents = products.map((p) => (typeof p === "string" ? p : JSON.stringify(p)));
  return { uploadId: randomUUID(), acceptedSeq: seq, acceptedAt: AT, products: documents.length, digest, documents: `[${documents.join(",")}]` };
}
/** Queues small uploads in one job, as ingest gathers those accepted together. */
const add = (...uploads: InlineUpload[]) => h.products.add("products", { uploads });

async function stored() {
  const { rows } = await sql<{ id: string; data: unknown }>`SELECT id, data FROM products ORDER BY id`.execute(h.db);
  return Object.fromEntries(rows.map((r) => [r.id, r.data]));
}
async function statuses() {
  const { rows } = await sql<{ upload_id: string; state: string; products: string; accepted_seq: string }>`
    SELECT upload_id, CASE WHEN applied_at IS NOT NULL THEN 'applied' WHEN failed_at IS NOT NULL THEN 'failed' ELSE 'pending' END AS state, products, accepted_seq
    FROM product_uploads`.execute(h.db);
  return Object.fromEntries(rows.map((r) => [r.upload_id, r.state]));
}

describe("fast-path uploads (products inside the job)", () => {
  it("starts the body window of an applied upload whose claim ingest could not confirm, and only that one", async () => {
    const lost = fastJob([{ id: "lost-confirm" }], SEQ, "a".repeat(64));
    const other = fastJob([{ id: "other-claim" }], SEQ + 1, "b".repeat(64));
    const claimedAt = Date.now() - 1_000;
    // Ingest's confirm of `lost` never reached Redis: its claim is still pending, and would expire in a minute.
    await h.redis.hset(bodyDigestKey(h.prefix, lost.digest), { state: "pending", at: String(claimedAt), token: lost.uploadId });
    await h.redis.pexpire(bodyDigestKey(h.prefix, lost.digest), 60_000);
    // Another upload's pending claim on `other`'s body is not this job's to confirm.
    await h.redis.hset(bodyDigestKey(h.prefix, other.digest), { state: "pending", at: String(claimedAt), token: randomUUID() });
    await add(lost, other);
    h.startWorkers();
    await h.drained();

    expect(await h.redis.hget(bodyDigestKey(h.prefix, lost.digest), "state")).toBe("accepted");
    // The window (600,000 ms here) runs from the claim, as ingest's confirm would have made it.
    const ttl = await h.redis.pttl(bodyDigestKey(h.prefix, lost.digest));
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
    expect(await h.redis.hget(bodyDigestKey(h.prefix, other.digest), "state")).toBe("pending");
  });

  it("are applied many to a transaction: each recorded applied, at its acceptance, with its number, its pending mark gone", async () => {
    const jobs = Array.from({ length: 40 }, (_, i) => fastJob([{ id: `p${i}`, v: i }, { id: 1000 + i, v: i }], SEQ + i));
    for (const job of jobs) await h.redis.set(pendingUploadKey(h.prefix, job.uploadId), "{}");
    // Two jobs of three uploads each (gathered by ingest), the rest one to a job.
    await add(...jobs.slice(0, 3));
    await add(...jobs.slice(3, 6));
    for (const job of jobs.slice(6)) await add(job);
    const workers = h.startWorkers();
    await h.drained();

    const products = await stored();
    expect(Object.keys(products)).toHaveLength(80);
    expect(products.p7).toEqual({ id: "p7", v: 7 });
    expect(Object.values(await statuses())).toEqual(Array.from({ length: 40 }, () => "applied"));
    const row = await h.db.selectFrom("product_uploads").selectAll().where("upload_id", "=", jobs[3]!.uploadId).executeTakeFirstOrThrow();
    expect({ seq: row.accepted_seq, at: row.accepted_at, products: row.products }).toEqual({ seq: String(SEQ + 3), at: new Date(AT), products: "2" });
    expect(await h.redis.exists(...jobs.map((j) => pendingUploadKey(h.prefix, j.uploadId)))).toBe(0);
    // 36 jobs, at most 16 at once (WORKER_CONCURRENCY here): batched, not one transaction per upload.
    const productsWorker = workers.workers[3]!;
    expect(productsWorker.stats.jobs).toBe(36);
    expect(productsWorker.stats.batches).toBeLessThan(36);
  });

  it("keep the later accepted body, whatever the order they are applied in, and whichever path it took", async () => {
    // Queued newest first: the batch holds them all and must still keep each id's latest version.
    const older = fastJob([{ id: "x", v: "fast, older" }, { id: "y", v: "fast, older" }], SEQ + 1);
    const newer = fastJob([{ id: "x", v: "fast, newer" }, { id: "x", v: "fast, newer, last element" }], SEQ + 3);
    await add(newer);
    await add(older);
    // A staged upload accepted between them, and one accepted after both, applied last.
    const between = await stageUpload(h.db, [{ id: "y", v: "staged, between" }, { id: "z", v: "staged, between" }], { seq: SEQ + 2 });
    const latest = await stageUpload(h.db, [{ id: "z", v: "staged, latest" }], { seq: SEQ + 4 });
    await h.products.add("products", { uploadId: between });
    h.startWorkers();
    await h.drained();
    await h.products.add("products", { uploadId: latest });
    await h.drained();

    expect(await stored()).toEqual({
      x: { id: "x", v: "fast, newer, last element" },
      y: { id: "y", v: "staged, between" },
      z: { id: "z", v: "staged, latest" },
    });
    // An older fast-path upload delivered again, after all of them: changes nothing.
    await add({ ...fastJob([{ id: "z", v: "fast, oldest" }], SEQ) });
    await h.drained();
    expect((await stored()).z).toEqual({ id: "z", v: "staged, latest" });
  });

  it("change nothing when delivered again (a worker killed before completing its jobs)", async () => {
    const job = fastJob([{ id: "once", v: 1 }], SEQ);
    await add(job);
    h.startWorkers();
    await h.drained();
    const first = await h.db.selectFrom("product_uploads").select("applied_at").where("upload_id", "=", job.uploadId).executeTakeFirstOrThrow();
    // The same upload again in another job, with a product changed: a replay of the upload.
    await add({ ...job, documents: '[{"id": "once", "v": 2}]' });
    await h.drained();
    expect((await stored()).once).toEqual({ id: "once", v: 1 });
    expect(await h.db.selectFrom("product_uploads").select("applied_at").where("upload_id", "=", job.uploadId).executeTakeFirstOrThrow()).toEqual(first);
  });

  it("fail alone: one poisoned upload ends failed with its reason and releases its window; its batch-mates are applied", async () => {
    const digest = "f".repeat(64);
    const key = bodyDigestKey(h.prefix, digest);
    const good = Array.from({ length: 9 }, (_, i) => fastJob([{ id: `good-${i}` }], SEQ + i));
    const poisoned = fastJob(['{"id": "bad", "n": 1e131072}'], SEQ + 100, digest);
    await h.redis.hset(key, "state", "accepted", "at", String(Date.now()), "token", poisoned.uploadId);
    // In one job with four others, and in the batch with the rest.
    await add(...good.slice(0, 2), poisoned, ...good.slice(2, 4));
    for (const job of good.slice(4)) await add(job);
    const workers = h.startWorkers();
    await h.drained();

    const outcome = await statuses();
    expect(outcome[poisoned.uploadId]).toBe("failed");
    expect(good.map((j) => outcome[j.uploadId])).toEqual(Array.from({ length: 9 }, () => "applied"));
    expect(Object.keys(await stored())).toHaveLength(9);
    const failure = await h.db.selectFrom("product_uploads").select("failure").where("upload_id", "=", poisoned.uploadId).executeTakeFirstOrThrow();
    expect(failure.failure).toMatch(/overflow/);
    expect(await h.redis.exists(key)).toBe(0);
    expect(await h.failedJobs()).toEqual([]);
    expect(await workers.registry.getSingleMetricAsString("tally_product_uploads_failed_total")).toMatch(/ 1$/m);
  });
});
