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

describe("createBatcher, one fold at a time", () => {
  it("never folds two batches at once, and what arrives during a fold goes in the next batch at once", async () => {
    const batches: number[][] = [];
    let inFlight = 0;
    let most = 0;
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    const batcher = createBatcher<number>({
      maxItems: 100,
      lingerMs: 5,
      fold: async (b) => {
        most = Math.max(most, ++inFlight);
        batches.push(b);
        await gate;
        inFlight--;
      },
      mayBeOneItem: () => true,
    });
    const first = batcher.add(1);
    await new Promise((r) => setTimeout(r, 20)); // [1] is folding, held by the gate
    const rest = [2, 3, 4].map((n) => batcher.add(n));
    await new Promise((r) => setTimeout(r, 20)); // well past the linger: still not folded
    expect(batches).toEqual([[1]]);
    const held = release;
    gate = Promise.resolve();
    held();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(most).toBe(1);
  });

  it("takes at most maxItems per batch from what waited", async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = createBatcher<number>({
      maxItems: 2,
      lingerMs: 5,
      fold: async (b) => {
        batches.push(b);
        if (b[0] === 1) await gate;
      },
      mayBeOneItem: () => true,
    });
    const all = [1, 2, 3, 4, 5].map((n) => batcher.add(n));
    await new Promise((r) => setTimeout(r, 20));
    release();
    await Promise.all(all);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("drain waits for the batches queued behind the one in flight", async () => {
    const batches: number[][] = [];
    const batcher = createBatcher<number>({
      maxItems: 1,
      lingerMs: 60_000,
      fold: async (b) => {
        await new Promise((r) => setTimeout(r, 10));
        batches.push(b);
      },
      mayBeOneItem: () => true,
    });
    const added = [1, 2, 3].map((n) => batcher.add(n));
    await batcher.drain();
    expect(batches).toEqual([[1], [2], [3]]);
    await Promise.all(added);
  });
});
