import { expectProblem } from "@tally/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startIngest, type Ingest } from "./ingest-harness.js";

let ingest: Ingest;
beforeAll(async () => {
  ingest = await startIngest({ MAX_BODY_BYTES: "100000" });
});
afterAll(() => ingest.close());
beforeEach(() => ingest.queues.counters.drain(true));

describe.each(["/v1/counters", "/api/events"])("POST %s", (path) => {
  it("accepts the seed's counter with 202 and queues its second and domain counts", async () => {
    const res = await ingest.post(path, '{"timestamp": 1608102631, "A": 3, "B": 4}', {});
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1 });
    const jobs = await ingest.counterJobs();
    expect(jobs.map((j) => j.data)).toEqual([{ counters: [{ timestamp: 1608102631, counts: [["A", 3], ["B", 4]] }] }]);
    expect(jobs[0]?.id).toMatch(/^[0-9a-f-]{36}$/); // a random id: the worker's ledger keys on it
  });

  it("accepts an array, with string timestamps", async () => {
    const res = await ingest.post(path, [{ timestamp: "1608102631", A: 1 }, { timestamp: 1608102632, "b.example": 2 }]);
    expect(await res.json()).toEqual({ accepted: 2 });
    expect((await ingest.counterJobs())[0]?.data.counters.map((c) => c.timestamp)).toEqual([1608102631, 1608102632]);
  });

  it.each([
    ["timestamp", { A: 1 }],
    ["timestamp", { timestamp: -5, A: 1 }],
    ["timestamp", { timestamp: "soon", A: 1 }],
    ["timestamp", { timestamp: 1.5, A: 1 }],
    ["", { timestamp: 1 }],
    ["A", { timestamp: 1, A: -1 }],
    ["A", { timestamp: 1, A: "3" }],
    ["A", { timestamp: 1, A: 2 ** 53 }],
    ["A", { timestamp: 1, A: 0.5 }],
  ])("rejects a bad %s with 422 naming it and queues nothing", async (field, counter) => {
    const problem = await expectProblem(await ingest.post(path, counter), 422);
    expect(problem.errors?.map((e) => e.path)).toEqual([field]);
    expect(await ingest.counterJobs()).toEqual([]);
  });

  it("rejects a whole batch for one bad counter, naming its index", async () => {
    const problem = await expectProblem(await ingest.post(path, [{ timestamp: 1, A: 1 }, { timestamp: 1, A: -1 }]), 422);
    expect(problem.errors?.map((e) => e.path)).toEqual(["[1].A"]);
    expect(await ingest.counterJobs()).toEqual([]);
  });

  it("rejects malformed JSON with 400, non-JSON with 415, an oversize body with 413", async () => {
    await expectProblem(await ingest.post(path, '{"timestamp": 1,'), 400);
    await expectProblem(await ingest.post(path, "timestamp=1", { "content-type": "text/plain" }), 415);
    const big = Array.from({ length: 5000 }, (_, i) => ({ timestamp: i, ["domain-" + i]: i }));
    expect((await expectProblem(await ingest.post(path, big), 413)).detail).toContain("100000");
    expect(await ingest.counterJobs()).toEqual([]);
  });
});
