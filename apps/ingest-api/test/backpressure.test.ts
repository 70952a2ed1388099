import { expectProblem } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIngest, type Ingest } from "./ingest-harness.js";

let ingest: Ingest;
beforeAll(async () => {
  ingest = await startIngest({ MAX_QUEUE_BACKLOG: "3" });
});
afterAll(() => ingest.close());

const message = (n: number) => ({ customerId: 1, type: "A", amount: "1", uuid: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}` });

describe("load shedding", () => {
  it("answers 429 with Retry-After while a queue's backlog is over MAX_QUEUE_BACKLOG, and queues nothing", async () => {
    for (let n = 0; n < 4; n++) expect((await ingest.post("/v1/messages", message(n))).status).toBe(202);
    await ingest.queues.refreshBacklog();
    const res = await ingest.post("/v1/messages", message(99));
    const problem = await expectProblem(res, 429);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(problem.detail).toContain("messages");
    expect(await ingest.messageJobs()).toHaveLength(4);
  });

  it("sheds per queue: other kinds still get in", async () => {
    expect((await ingest.post("/v1/counters", { timestamp: 1, A: 1 })).status).toBe(202);
  });

  it("takes requests again once the workers have caught up", async () => {
    await ingest.queues.messages.drain(true);
    await ingest.queues.refreshBacklog();
    expect((await ingest.post("/v1/messages", message(100))).status).toBe(202);
  });
});
