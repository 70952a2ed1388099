import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { foldedUpTo } from "../src/watermarks.js";
import { createWorkerHarness } from "./worker-harness.js";

let h: Awaited<ReturnType<typeof createWorkerHarness>>;
beforeEach(async () => {
  h = await createWorkerHarness();
});
afterEach(() => h.close());

const counters = { counters: [{ timestamp: 1, counts: [["A", 1]] as [string, number][] }] };

describe("foldedUpTo", () => {
  it("is the queue time of the oldest job not yet folded, however many came after it", async () => {
    const first = await h.counters.add("counters", counters, { timestamp: Date.now() - 60_000 });
    await h.counters.add("counters", counters, { timestamp: Date.now() - 30_000 });
    await h.counters.add("counters", counters);
    expect(await foldedUpTo(h.counters, Date.now())).toBe(first.timestamp);
  });

  it("counts a job waiting for its retry", async () => {
    const retrying = await h.counters.add("counters", counters, { timestamp: Date.now() - 90_000, delay: 60_000 });
    await h.counters.add("counters", counters);
    expect(await foldedUpTo(h.counters, Date.now())).toBe(retrying.timestamp);
  });

  it("is now, less a margin for enqueues in flight, once everything is folded", async () => {
    await h.counters.add("counters", counters);
    h.startWorkers();
    await h.drained();
    const now = Date.now();
    expect(await foldedUpTo(h.counters, now)).toBe(now - 1000);
  });
});
