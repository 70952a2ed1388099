import { describe, expect, it } from "vitest";
import { createBatcher } from "./batcher.js";

describe("createBatcher", () => {
  it("folds items added together in one batch once maxItems are waiting", async () => {
    const batches: number[][] = [];
    const batcher = createBatcher<number>({ maxItems: 3, lingerMs: 10_000, fold: async (b) => void batches.push(b), mayBeOneItem: () => true });
    await Promise.all([batcher.add(1), batcher.add(2), batcher.add(3)]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it("folds a partial batch after lingerMs", async () => {
    const batches: number[][] = [];
    const batcher = createBatcher<number>({ maxItems: 100, lingerMs: 5, fold: async (b) => void batches.push(b), mayBeOneItem: () => true });
    await Promise.all([batcher.add(1), batcher.add(2)]);
    expect(batches).toEqual([[1, 2]]);
  });

  it("settles an add only after its batch's fold has finished", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = createBatcher<number>({ maxItems: 1, lingerMs: 0, fold: () => gate, mayBeOneItem: () => true });
    let settled = false;
    const added = batcher.add(1).then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    release();
    await added;
    expect(settled).toBe(true);
  });

  it("splits a failed batch so that only the poison item fails", async () => {
    const folded: number[][] = [];
    const batcher = createBatcher<number>({
      maxItems: 3,
      lingerMs: 10_000,
      fold: async (b) => {
        if (b.includes(2)) throw new Error("poison");
        folded.push(b);
      },
      mayBeOneItem: () => true,
    });
    const results = await Promise.allSettled([batcher.add(1), batcher.add(2), batcher.add(3)]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(folded).toEqual([[1], [3]]);
  });

  it("fails the whole batch without splitting when the failure is not an item's fault", async () => {
    let calls = 0;
    const batcher = createBatcher<number>({
      maxItems: 2,
      lingerMs: 10_000,
      fold: async () => {
        calls++;
        throw new Error("database down");
      },
      mayBeOneItem: () => false,
    });
    const results = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(calls).toBe(1);
  });

  it("drain folds what waits without waiting for the linger", async () => {
    const batches: number[][] = [];
    const batcher = createBatcher<number>({ maxItems: 100, lingerMs: 60_000, fold: async (b) => void batches.push(b), mayBeOneItem: () => true });
    const added = batcher.add(7);
    await batcher.drain();
    await added;
    expect(batches).toEqual([[7]]);
  });
});
