import { createTestDatabase, expectProblem, type TestDatabase } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveQueryApi } from "./serve-query-api.js";

const KEY = "query-key-0123456789";
let database: TestDatabase;
let server: Awaited<ReturnType<typeof serveQueryApi>>;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await serveQueryApi(database.url, { apiKeys: [KEY] });
});
afterAll(async () => {
  await server.close();
  await database.drop();
});

describe("QUERY_API_KEYS", () => {
  it("answers 401 without the key and 200 with it; health stays open", async () => {
    await expectProblem(await fetch(`${server.url}/stats/minutes`), 401);
    expect((await fetch(`${server.url}/stats/minutes`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});
