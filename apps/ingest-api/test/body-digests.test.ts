import { randomUUID } from "node:crypto";
import { bodyDigestKey, createRedisConnection, pendingUploadKey, productAcceptanceKey } from "@tally/shared/redis";
import { createTestRedis, eventually } from "@tally/testing";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createBodyDigests, type BodyDigests } from "../src/products/body-digests.js";

// The cluster-wide record of bodies, on one Redis: the claims (and confirms) of concurrent requests
// go together in one script call; in cluster mode each takes the per-upload scripts as before.
const store = createTestRedis();
let single: Redis;
let clustered: Redis;
let redis: Redis;
let digests: BodyDigests;
let inCluster: BodyDigests;
beforeAll(async () => {
  single = createRedisConnection(store.url, "producer") as Redis;
  // A single Redis the code is told is a cluster: the form whose keys may live in different slots.
  clustered = createRedisConnection(store.url, "producer") as Redis;
  Object.defineProperty(clustered, "isCluster", { value: true });
  redis = new Redis(store.url);
  const options = { prefix: store.prefix, windowMs: 60_000, clock: () => undefined };
  digests = createBodyDigests({ redis: single, ...options });
  inCluster = createBodyDigests({ redis: clustered, ...options });
  // Producer connections fail fast: a command before the connection is up would get 503.
  await eventually(async () => (single.status === "ready" && clustered.status === "ready" ? true : undefined), 5000, "Redis");
});
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  single.disconnect();
  clustered.disconnect();
  redis.disconnect();
  await store.clear();
});

const digest = () => randomUUID().replaceAll("-", "").padEnd(64, "0");
const mark = async (uploadId: string) => JSON.parse((await redis.get(pendingUploadKey(store.prefix, uploadId))) ?? "null") as unknown;
const statusOf = (result: PromiseSettledResult<unknown>) => (result.status === "rejected" ? (result.reason as { status?: number }).status : 200);

describe("claims on a single Redis", () => {
  it("go in one script call when they arrive together, each numbered in order and marked if asked", async () => {
    const spy = vi.spyOn(single as unknown as { claimBodyDigests: () => unknown }, "claimBodyDigests");
    const uploads = Array.from({ length: 20 }, (_, i) => ({ digest: digest(), uploadId: randomUUID(), products: i % 2 === 0 ? i + 1 : undefined }));
    const claims = await Promise.all(uploads.map((u) => digests.claim(u.digest, u.uploadId, u.products === undefined ? undefined : { products: u.products })));
    expect(spy).toHaveBeenCalledTimes(1);
    const seqs = claims.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(20);
    expect(Number(await redis.get(productAcceptanceKey(store.prefix)))).toBe(seqs.at(-1));
    for (const [i, u] of uploads.entries()) {
      expect(claims[i]?.marked).toBe(u.products !== undefined);
      expect(await mark(u.uploadId)).toEqual(u.products === undefined ? null : { products: u.products, acceptedAt: claims[i]?.at });
    }
  });

  it("claim the first of two identical bodies in one group; the second waits, and is refused once the first is confirmed", async () => {
    const body = digest();
    const [first, second] = [digest, digest].map(() => ({ id: randomUUID(), outcome: undefined as PromiseSettledResult<unknown> | undefined }));
    const claims = [first!, second!].map((u) => digests.claim(body, u.id, { products: 1 }));
    void claims[1]!.then(
      (value) => (second!.outcome = { status: "fulfilled", value }),
      (reason: unknown) => (second!.outcome = { status: "rejected", reason }),
    );
    await claims[0];
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(second!.outcome).toBeUndefined();
    expect(await mark(second!.id)).toBeNull();
    expect(await digests.confirm(body, first!.id)).toBe(true);
    await expect(claims[1]).rejects.toMatchObject({ status: 403 });
  });

  it("claim the second of two identical bodies in one group once the first is released", async () => {
    const body = digest();
    const [a, b] = [randomUUID(), randomUUID()];
    const claims = [digests.claim(body, a, { products: 1 }), digests.claim(body, b, { products: 2 })];
    const first = await claims[0]!;
    await digests.release(body, a, first);
    expect(await mark(a)).toBeNull();
    expect((await claims[1]!).marked).toBe(true);
  });

  it("answer 503 to every request of a group whose call fails, leaving no claim, number or mark", async () => {
    const numberKey = productAcceptanceKey(store.prefix);
    const saved = await redis.get(numberKey);
    await redis.del(numberKey);
    await redis.hset(numberKey, "not", "a number");
    const uploads = Array.from({ length: 5 }, () => ({ digest: digest(), uploadId: randomUUID() }));
    try {
      const results = await Promise.allSettled(uploads.map((u) => digests.claim(u.digest, u.uploadId, { products: 1 })));
      expect(results.map(statusOf)).toEqual([503, 503, 503, 503, 503]);
      for (const u of uploads) {
        expect(await redis.exists(bodyDigestKey(store.prefix, u.digest), pendingUploadKey(store.prefix, u.uploadId))).toBe(0);
      }
    } finally {
      await redis.del(numberKey);
      if (saved !== null) await redis.set(numberKey, saved);
    }
    const [u] = uploads;
    expect((await digests.claim(u!.digest, u!.uploadId)).seq).toBeGreaterThan(Number(saved));
  });

  it("are confirmed together in one call, each only if the claim is still its own", async () => {
    const uploads = Array.from({ length: 3 }, () => ({ digest: digest(), uploadId: randomUUID() }));
    await Promise.all(uploads.map((u) => digests.claim(u.digest, u.uploadId)));
    const spy = vi.spyOn(single as unknown as { confirmBodyDigests: () => unknown }, "confirmBodyDigests");
    const confirmed = await Promise.all([...uploads.map((u) => digests.confirm(u.digest, u.uploadId)), digests.confirm(uploads[0]!.digest, "someone else")]);
    expect(confirmed).toEqual([true, true, true, false]);
    expect(spy).toHaveBeenCalledTimes(1);
    await expect(digests.claim(uploads[1]!.digest, randomUUID())).rejects.toMatchObject({ status: 403 });
  });
});

describe("claims in a cluster (digest, number and mark in different slots)", () => {
  it("take the per-upload scripts and leave the pending mark to the enqueue", async () => {
    const spy = vi.spyOn(clustered as unknown as { claimBodyDigests: () => unknown }, "claimBodyDigests");
    const uploads = Array.from({ length: 3 }, () => ({ digest: digest(), uploadId: randomUUID() }));
    const claims = await Promise.all(uploads.map((u) => inCluster.claim(u.digest, u.uploadId, { products: 1 })));
    expect(spy).not.toHaveBeenCalled();
    expect(claims.map((c) => c.marked)).toEqual([false, false, false]);
    expect(await mark(uploads[0]!.uploadId)).toBeNull();
    // One record for both forms: what one claimed, the other refuses once confirmed.
    expect(await inCluster.confirm(uploads[0]!.digest, uploads[0]!.uploadId)).toBe(true);
    await expect(digests.claim(uploads[0]!.digest, randomUUID())).rejects.toMatchObject({ status: 403 });
  });
});
