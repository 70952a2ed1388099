import { createDb, type Database } from "@tally/shared/db";
import { createMetricsRegistry } from "@tally/shared/http";
import { createLogger } from "@tally/shared/logger";
import { createTestDatabase, expectProblem, listen, type TestDatabase } from "@tally/testing";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";

const KEY = "query-key-0123456789";
let database: TestDatabase;
let readOnly: Kysely<Database>;
let server: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  database = await createTestDatabase();
  readOnly = createDb(database.url, { readOnly: true });
  const app = createApp({ db: readOnly, logger: createLogger("query-api", "silent"), registry: createMetricsRegistry("query-api"), clock: Date.now, apiKeys: [KEY] });
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
  await readOnly.destroy();
  await database.drop();
});

describe("QUERY_API_KEYS", () => {
  it("answers 401 without the key and 200 with it; health stays open", async () => {
    await expectProblem(await fetch(`${server.url}/stats/minutes`), 401);
    expect((await fetch(`${server.url}/stats/minutes`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});
