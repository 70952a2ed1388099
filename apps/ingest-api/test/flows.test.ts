import { expectProblem } from "@tally/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startIngest, type Ingest } from "./ingest-harness.js";

const flow = (n: number, overrides: object = {}) => ({ src_app: `app-${n}`, dest_app: "bar", vpc_id: "vpc-0", bytes_tx: 100, bytes_rx: 300, hour: 1, ...overrides });

let ingest: Ingest;
beforeAll(async () => {
  ingest = await startIngest({ MAX_FLOWS_PER_REQUEST: "1500" });
});
afterAll(() => ingest.close());
beforeEach(() => ingest.queues.flows.drain(true));

describe.each(["/v1/flows", "/flows"])("POST %s", (path) => {
  it("accepts an array of flows with 202, at most 1000 per job", async () => {
    const res = await ingest.post(path, Array.from({ length: 1200 }, (_, i) => flow(i)));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1200 });
    const jobs = await ingest.flowJobs();
    expect(jobs.map((j) => j.data.flows.length).sort()).toEqual([1000, 200]);
    expect(jobs.flatMap((j) => j.data.flows).find((f) => f.src_app === "app-7")).toEqual(flow(7));
  });

  it("rejects more than MAX_FLOWS_PER_REQUEST flows with 413 naming the limit", async () => {
    const problem = await expectProblem(await ingest.post(path, Array.from({ length: 1501 }, (_, i) => flow(i))), 413);
    expect(problem.detail).toContain("1500");
    expect(problem.detail).toContain("MAX_FLOWS_PER_REQUEST");
    expect(await ingest.flowJobs()).toEqual([]);
  });

  it("rejects a body that is not an array with 422", async () => {
    const problem = await expectProblem(await ingest.post(path, flow(1)), 422);
    expect(problem.errors).toEqual([{ path: "", message: "must be a JSON array of flows" }]);
  });

  it.each([
    ["src_app", { src_app: "" }],
    ["dest_app", { dest_app: 3 }],
    ["vpc_id", { vpc_id: "x".repeat(256) }],
    ["bytes_tx", { bytes_tx: -1 }],
    ["bytes_rx", { bytes_rx: 2 ** 53 }],
    ["hour", { hour: 1.5 }],
    ["hour", { hour: "1" }],
  ])("rejects a bad %s with 422 naming it by index, and queues nothing", async (field, overrides) => {
    const problem = await expectProblem(await ingest.post(path, [flow(1), flow(2, overrides)]), 422);
    expect(problem.errors?.map((e) => e.path)).toEqual([`[1].${field}`]);
    expect(await ingest.flowJobs()).toEqual([]);
  });

  it("rejects malformed JSON with 400", async () => {
    await expectProblem(await ingest.post(path, '[{"src_app": "a"'), 400);
  });
});
