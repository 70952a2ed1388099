import { expectProblem } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIngest, type Ingest } from "./ingest-harness.js";

const KEY = "ingest-key-0123456789";
let ingest: Ingest;
beforeAll(async () => {
  ingest = await startIngest({ INGEST_API_KEYS: `other-key-9876543210,${KEY}` });
});
afterAll(() => ingest.close());

const counter = JSON.stringify({ timestamp: 1, A: 1 });

describe("INGEST_API_KEYS", () => {
  it("refuses a request without a valid key with 401 and queues nothing", async () => {
    await expectProblem(await ingest.post("/v1/counters", counter), 401);
    await expectProblem(await ingest.post("/v1/counters", counter, { "content-type": "application/json", authorization: "Bearer nope-nope-nope-nope" }), 401);
    expect(await ingest.counterJobs()).toEqual([]);
  });

  it("takes a request with a configured key", async () => {
    expect((await ingest.post("/v1/counters", counter, { "content-type": "application/json", authorization: `Bearer ${KEY}` })).status).toBe(202);
  });
});
