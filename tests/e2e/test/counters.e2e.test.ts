import { eventually, startSystem, type System } from "@tally/testing";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsOf, ok } from "./clients.js";

let system: System;
let api: ReturnType<typeof clientsOf>;
beforeAll(async () => {
  system = await startSystem();
  api = clientsOf(system);
  await system.start("aggregator-worker");
});
afterAll(() => system.stop());

const second = (h: number, m: number, s: number) => Date.UTC(2026, 10, 20, h, m, s) / 1000;
/** The busiest domains of the minute or hour starting at `start`, through the query API. */
const top = (window: "minute" | "hour", start: string) => ok(api.query.GET("/v1/stats/domains/top", { params: { query: { window, start } } }));

describe("counters, end to end", () => {
  it("counts :59 of the previous minute and :00 of the next one in the hour, not in the minute", async () => {
    // Raw: a timestamp as a string of digits, which the generated Counter type (numbers throughout) cannot say.
    const res = await system.post("/api/events", [
      { timestamp: second(14, 52, 59), edge: 1 },
      { timestamp: String(second(14, 53, 0)), edge: 10, other: 5 },
      { timestamp: second(14, 53, 59), edge: 100 },
      { timestamp: second(14, 54, 0), edge: 1000 },
    ]);
    expect(res.status).toBe(202);
    const minute = await eventually(async () => {
      const answer = await top("minute", "2026-11-20T14:53:00Z");
      return answer.items.length === 2 ? answer : undefined;
    });
    expect(minute.items).toEqual([
      { domain: "edge", requests: 110 },
      { domain: "other", requests: 5 },
    ]);
    const hour = await top("hour", "2026-11-20T14:00:00Z");
    expect(hour.items).toEqual([
      { domain: "edge", requests: 1111 },
      { domain: "other", requests: 5 },
    ]);
  });

  it("rejects a counter without a domain and counts nothing of its request", async () => {
    const { error, response } = await api.ingest.POST("/v1/counters", { body: [{ timestamp: second(9, 0, 0), lone: 1 }, { timestamp: second(9, 0, 1) }] });
    expect(response.status).toBe(422);
    expect(error?.errors).toEqual([{ path: "[1]", message: expect.any(String) }]);
    expect((await api.ingest.POST("/v1/counters", { body: { timestamp: second(9, 0, 2), marker: 1 } })).response.status).toBe(202);
    await eventually(async () => ((await top("minute", "2026-11-20T09:00:00Z")).items.length ? true : undefined));
    expect((await top("minute", "2026-11-20T09:00:00Z")).items).toEqual([{ domain: "marker", requests: 1 }]);
  });

  it("sums past 2^53 exactly, and answers every digit", async () => {
    const max = Number.MAX_SAFE_INTEGER;
    const { response } = await api.ingest.POST("/v1/counters", { body: [1, 2, 3].map((s) => ({ timestamp: second(8, 0, s), big: max })) });
    expect(response.status).toBe(202);
    // Raw: the exact digits on the wire, which a client parsing JSON into numbers would round.
    const text = await eventually(async () => {
      const body = await (await system.get("/v1/stats/domains/top?window=minute&start=2026-11-20T08:00:00Z")).text();
      return body.includes('"big"') ? body : undefined;
    });
    expect(text).toContain('{"domain":"big","requests":27021597764222973}');
  });

  it("says a window is not complete while a failed job may hold its counters, and how many failed", async () => {
    const window = () => top("minute", "2026-11-20T07:00:00Z");
    expect((await api.ingest.POST("/v1/counters", { body: { timestamp: second(7, 0, 1), seen: 1 } })).response.status).toBe(202);
    await eventually(async () => ((await window()).complete ? true : undefined), 15_000, "the window to be complete");
    // A job no worker can read (another deploy's, say) fails for good: its events are missing.
    const connection = new Redis(system.env.REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue("counters", { connection, prefix: system.env.QUEUE_PREFIX });
    try {
      await queue.add("counters", { counters: "not counters" });
      const answer = await eventually(async () => {
        const body = await window();
        return body.failedJobs === 1 ? body : undefined;
      }, 15_000, "the failed job to show");
      expect(answer.complete).toBe(false);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});
