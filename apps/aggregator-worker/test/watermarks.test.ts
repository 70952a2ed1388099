import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UnrecoverableError, Worker } from "bullmq";
import { failedSpans } from "../src/failed-spans.js";
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

describe("failedSpans", () => {
  /** Takes the next job of a queue by hand and fails it, as a worker that gave up on it would. */
  async function failNext(queueName: string) {
    const worker = new Worker(queueName, null, { connection: h.redis, prefix: h.prefix });
    try {
      const job = await worker.getNextJob("test-token");
      // Unrecoverable: no retry, straight to the failed set.
      await job?.moveToFailed(new UnrecoverableError("gave up"), "test-token");
    } finally {
      await worker.close();
    }
  }

  it("is nothing while nothing failed, then the span of event times the failed jobs carry, then unknown when one does not parse", async () => {
    const spans = failedSpans();
    expect(await spans(h.counters)).toEqual({ jobs: 0, from: null, to: null });
    await h.counters.add("counters", { counters: [{ timestamp: 160, counts: [["A", 1]] }, { timestamp: 100, counts: [["B", 1]] }] });
    await failNext("counters");
    expect(await spans(h.counters)).toEqual({ jobs: 1, from: 100_000, to: 160_999 });
    await h.counters.add("counters", { counters: "not what a counters job holds" } as never);
    await failNext("counters");
    expect(await spans(h.counters)).toEqual({ jobs: 2, from: null, to: null });
  });

  it("spans a failed messages job's quarter (an old job's hour: its first quarter, where it counts) and a flows job's hours", async () => {
    const spans = failedSpans();
    const hour = Date.UTC(2026, 10, 23, 14);
    const message = { customerId: 1, type: "A", amount: "1", uuid: "00000000-0000-4000-8000-000000000001" };
    await h.messages.add("messages", { quarter: hour + 30 * 60_000, messages: [message] });
    await failNext("messages");
    expect(await spans(h.messages)).toEqual({ jobs: 1, from: hour + 30 * 60_000, to: hour + 45 * 60_000 - 1 });
    await h.messages.add("messages", { hour, messages: [message] });
    await failNext("messages");
    expect(await spans(h.messages)).toEqual({ jobs: 2, from: hour, to: hour + 45 * 60_000 - 1 });
    const flow = (hour: number) => ({ src_app: "a", dest_app: "b", vpc_id: "c", bytes_tx: 1, bytes_rx: 1, hour });
    await h.flows.add("flows", { flows: [flow(7), flow(3)] });
    await failNext("flows");
    expect(await spans(h.flows)).toEqual({ jobs: 1, from: 3, to: 7 });
  });
});
