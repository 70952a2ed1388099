import { describe, expect, it } from "vitest";
import { createIngestClient, createQueryClient } from "../src/index.js";

/** A fetch that records each request and answers with `answer`. */
function fakeFetch(answer: () => Response) {
  const requests: Request[] = [];
  return { requests, fetch: async (request: Request) => (requests.push(request), answer()) };
}

describe("createIngestClient", () => {
  it("POSTs the body to the path under baseUrl, with the API key as a bearer token, and reads the 202", async () => {
    const fake = fakeFetch(() => Response.json({ accepted: 1 }, { status: 202 }));
    const client = createIngestClient("http://tally.test:3000/", { apiKey: "key-0123456789", fetch: fake.fetch, headers: { "user-agent": "test" } });
    const message = { customerId: 1, type: "A", amount: "0.012", uuid: "a596b362-08be-419f-8070-9c3055566e7c" };
    const { data, error, response } = await client.POST("/v1/messages", { body: [message], params: { header: { "Idempotency-Key": "k-1" } } });
    expect([response.status, data, error]).toEqual([202, { accepted: 1 }, undefined]);
    const [request] = fake.requests;
    expect(request?.url).toBe("http://tally.test:3000/v1/messages");
    expect(Object.fromEntries(request!.headers)).toMatchObject({ authorization: "Bearer key-0123456789", "idempotency-key": "k-1", "user-agent": "test", "content-type": "application/json" });
    expect(await request!.json()).toEqual([message]);
  });

  it("gives a problem answer as `error`, typed as a Problem", async () => {
    const problem = { type: "urn:tally:problem:validation-failed", title: "Validation failed", status: 422, detail: "1 invalid field", errors: [{ path: "[0].amount", message: "bad" }] };
    const fake = fakeFetch(() => new Response(JSON.stringify(problem), { status: 422, headers: { "content-type": "application/problem+json" } }));
    const { data, error } = await createIngestClient("http://tally.test:3000", { fetch: fake.fetch }).POST("/v1/flows", { body: [] });
    expect(data).toBeUndefined();
    expect(error?.errors?.[0]?.path).toBe("[0].amount");
  });
});

describe("createQueryClient", () => {
  it("sends query parameters and no authorization without a key", async () => {
    const fake = fakeFetch(() => Response.json({ items: [], total: 0, page: 1, size: 50, nextCursor: null, asOf: null, failedJobs: 0, failedJobsInHour: false }));
    const { data } = await createQueryClient("http://tally.test:3001", { fetch: fake.fetch }).GET("/v1/flows", { params: { query: { hour: "7", size: "100" } } });
    expect(data?.total).toBe(0);
    expect(fake.requests[0]?.url).toBe("http://tally.test:3001/v1/flows?hour=7&size=100");
    expect(fake.requests[0]?.headers.get("authorization")).toBeNull();
  });

  it("sends a messages window and zone, and types each item's start and end", async () => {
    const item = { customerId: 1, type: "A", start: "2026-11-22T18:30:00.000Z", end: "2026-11-23T18:30:00.000Z", count: 3, totalAmount: "0.036" };
    const answer = { from: item.start, to: item.end, window: "day", tz: "Asia/Kolkata", items: [item], total: 1, page: 1, size: 50, nextCursor: null, asOf: null, complete: false, failedJobs: 0 };
    const fake = fakeFetch(() => Response.json(answer));
    const query = { from: item.start, to: item.end, window: "day", tz: "Asia/Kolkata" } as const;
    const { data } = await createQueryClient("http://tally.test:3001", { fetch: fake.fetch }).GET("/v1/stats/messages", { params: { query } });
    const start: string | undefined = data?.items[0]?.start;
    expect([start, data?.nextCursor]).toEqual([item.start, null]);
    expect(new URL(fake.requests[0]!.url).searchParams.get("tz")).toBe("Asia/Kolkata");
  });
});
