import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { expectProblem } from "@tally/testing";
import { startIngest, type Ingest } from "./ingest-harness.js";

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const message = (n: number, overrides: object = {}) => ({ customerId: n, type: "A", amount: "1.500", uuid: uuid(n), ...overrides });

let ingest: Ingest;
beforeAll(async () => {
  ingest = await startIngest({ MAX_BODY_BYTES: "200000" });
});
afterAll(() => ingest.close());
beforeEach(() => ingest.queues.messages.drain(true));

describe("POST /v1/messages", () => {
  it("accepts one message with 202, queues it with its uuid lower-cased, dated to the quarter hour of acceptance", async () => {
    const res = await ingest.post("/v1/messages", message(1, { uuid: uuid(1).toUpperCase(), extra: "ignored" }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1 });
    const jobs = await ingest.messageJobs();
    // Accepted at 14:54:30: the quarter is 14:45, not the hour (14:00).
    expect(jobs.map((j) => j.data)).toEqual([{ quarter: Date.UTC(2026, 10, 23, 14, 45), messages: [message(1)] }]);
  });

  it("accepts an array, splitting it into jobs of at most 1000 messages", async () => {
    const batch = Array.from({ length: 1200 }, (_, i) => message(i));
    const res = await ingest.post("/v1/messages", batch);
    expect(await res.json()).toEqual({ accepted: 1200 });
    const jobs = await ingest.messageJobs();
    expect(jobs.map((j) => j.data.messages.length).sort()).toEqual([1000, 200]);
  });

  it("accepts NDJSON, skipping blank lines", async () => {
    const body = `${JSON.stringify(message(1))}\n\n${JSON.stringify(message(2))}\n`;
    const res = await ingest.post("/v1/messages", body, { "content-type": "application/x-ndjson" });
    expect(await res.json()).toEqual({ accepted: 2 });
    expect((await ingest.messageJobs())[0]?.data.messages).toEqual([message(1), message(2)]);
  });

  it.each([
    ["no Content-Type", {}],
    ["curl's default form type", { "content-type": "application/x-www-form-urlencoded" }],
    ["JSON with a charset", { "content-type": "application/json; charset=utf-8" }],
  ])("reads a body with %s as JSON", async (_, headers) => {
    const res = await ingest.post("/v1/messages", JSON.stringify(message(1)), headers);
    expect(res.status).toBe(202);
  });

  it.each([
    ["customerId", { customerId: -1 }],
    ["customerId", { customerId: 1.5 }],
    ["customerId", { customerId: 2 ** 53 }],
    ["customerId", { customerId: "1" }],
    ["type", { type: 7 }],
    ["type", { type: "x".repeat(129) }],
    ["amount", { amount: "1.2345" }],
    ["amount", { amount: "1e3" }],
    ["amount", { amount: " 1" }],
    ["amount", { amount: 1.5 }],
    ["amount", { amount: "-1" }],
    ["uuid", { uuid: "not-a-uuid" }],
    ["uuid", { uuid: undefined }],
  ])("rejects a bad %s (%j) with 422 naming it, and queues nothing", async (field, overrides) => {
    const body = await expectProblem(await ingest.post("/v1/messages", message(1, overrides)), 422);
    expect(body.errors).toEqual([{ path: field, message: expect.any(String) }]);
    expect(await ingest.messageJobs()).toEqual([]);
  });

  it("rejects a whole batch for one bad item, naming it by index, and queues nothing", async () => {
    const batch = [message(1), message(2, { amount: "1.2345" }), message(3), message(4, { customerId: null })];
    const body = await expectProblem(await ingest.post("/v1/messages", batch), 422);
    expect(body.errors?.map((e) => e.path)).toEqual(["[1].amount", "[3].customerId"]);
    expect(await ingest.messageJobs()).toEqual([]);
  });

  it.each([
    ["an empty array", []],
    ["a number", 5],
    ["an array of strings", ["x"]],
  ])("rejects %s with 422", async (_, value) => {
    await expectProblem(await ingest.post("/v1/messages", JSON.stringify(value)), 422);
    expect(await ingest.messageJobs()).toEqual([]);
  });

  it.each([
    ["malformed JSON", '{"customerId": 1,', "application/json"],
    ["an empty body", "", "application/json"],
    ["a body cut halfway", JSON.stringify([message(1), message(2)]).slice(0, 90), "application/json"],
    ["an NDJSON line that is not JSON", `${JSON.stringify(message(1))}\n{oops}\n`, "application/x-ndjson"],
  ])("rejects %s with 400 and queues nothing", async (_, body, type) => {
    const problem = await expectProblem(await ingest.post("/v1/messages", body, { "content-type": type }), 400);
    if (type === "application/x-ndjson") expect(problem.detail).toContain("line 2");
    expect(await ingest.messageJobs()).toEqual([]);
  });

  it("rejects a body that is not UTF-8 with 400 instead of storing U+FFFD, and queues nothing", async () => {
    const body = Buffer.concat([Buffer.from('{"customerId": 1, "amount": "1", "uuid": "00000000-0000-4000-8000-000000000001", "type": "'), Buffer.from([0xff]), Buffer.from('"}')]);
    expect((await expectProblem(await ingest.post("/v1/messages", body), 400)).detail).toContain("UTF-8");
    expect(await ingest.messageJobs()).toEqual([]);
  });

  it("rejects a type Postgres cannot store with 422", async () => {
    const problem = await expectProblem(await ingest.post("/v1/messages", message(1, { type: "a\u0000" })), 422);
    expect(problem.errors?.map((e) => e.path)).toEqual(["type"]);
  });

  it.each(["text/plain", "application/xml", "application/json; charset=latin1"])("rejects Content-Type %s with 415", async (type) => {
    await expectProblem(await ingest.post("/v1/messages", JSON.stringify(message(1)), { "content-type": type }), 415);
    expect(await ingest.messageJobs()).toEqual([]);
  });

  it("rejects a body over MAX_BODY_BYTES with 413 naming the limit, and queues nothing", async () => {
    const batch = Array.from({ length: 3000 }, (_, i) => message(i));
    const body = await expectProblem(await ingest.post("/v1/messages", batch), 413);
    expect(body.detail).toContain("200000");
    expect(await ingest.messageJobs()).toEqual([]);
  });

  it("answers another method with 405 and Allow", async () => {
    const res = await fetch(`${ingest.url}/v1/messages`, { method: "GET" });
    await expectProblem(res, 405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});

describe("HTTP conventions", () => {
  it("answers an unknown route with 404 problem+json pointing at /docs", async () => {
    expect((await expectProblem(await fetch(`${ingest.url}/v1/nope`), 404)).detail).toContain("/docs");
  });

  it("answers a query sent to the ingest API with 404 naming the query API and its port", async () => {
    const problem = await expectProblem(await fetch(`${ingest.url}/v1/stats/messages?from=2026-11-23&to=2026-11-24`), 404);
    expect(problem.detail).toMatch(/served by the query API \(port 3001 by default\)/);
  });

  it("echoes the client's X-Request-Id and makes one up otherwise", async () => {
    const given = await fetch(`${ingest.url}/healthz`, { headers: { "x-request-id": "abc-123" } });
    expect(given.headers.get("x-request-id")).toBe("abc-123");
    const made = await fetch(`${ingest.url}/healthz`);
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("reports health, readiness (Redis) and metrics", async () => {
    expect(await (await fetch(`${ingest.url}/healthz`)).json()).toEqual({ status: "ok" });
    expect(await (await fetch(`${ingest.url}/readyz`)).json()).toEqual({ status: "ready", checks: { redis: "up" } });
    await ingest.post("/v1/messages", message(1));
    const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
    expect(metrics).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/v1\/messages"[^}]*status="202"[^}]*\} [1-9]/);
  });
});

describe("when Redis is unreachable", () => {
  let down: Ingest;
  beforeAll(async () => {
    down = await startIngest({ REDIS_URL: "redis://127.0.0.1:1" });
  });
  afterAll(() => down.close());

  it("answers 503 with Retry-After instead of hanging, and readyz says Redis is down", async () => {
    const res = await down.post("/v1/messages", message(1));
    await expectProblem(res, 503);
    expect(res.headers.get("retry-after")).toBe("5");
    const ready = await fetch(`${down.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "not ready", checks: { redis: "down" } });
  });
});
