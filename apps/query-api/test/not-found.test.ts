import { createTestDatabase, expectProblem, type TestDatabase } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveQueryApi } from "./serve-query-api.js";

let database: TestDatabase;
let server: Awaited<ReturnType<typeof serveQueryApi>>;
beforeAll(async () => {
  database = await createTestDatabase();
  server = await serveQueryApi(database.url);
});
afterAll(async () => {
  await server.close();
  await database.drop();
});

describe("a route the query API does not have", () => {
  it("answers 404 pointing at /docs", async () => {
    expect((await expectProblem(await fetch(`${server.url}/v1/stat/messages`), 404)).detail).toContain("/docs");
  });

  it.each(["/v1/messages", "/v1/counters", "/api/events", "/v1/products"])("answers a POST of events to %s with 404 naming the ingest API and its port", async (path) => {
    const problem = await expectProblem(await fetch(`${server.url}${path}`, { method: "POST", body: "{}" }), 404);
    expect(problem.detail).toMatch(/served by the ingest API \(port 3000 by default\)/);
  });
});
