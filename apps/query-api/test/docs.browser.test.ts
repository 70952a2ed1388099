import { createDb, type Database } from "@tally/shared/db";
import { createMetricsRegistry } from "@tally/shared/http";
import { createLogger } from "@tally/shared/logger";
import { createTestDatabase, listen, type TestDatabase } from "@tally/testing";
import { launchChromium, openDocsPage, tryItOut, watchPage } from "@tally/testing/browser";
import type { Kysely } from "kysely";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { queryOpenApi } from "../src/openapi.js";

let database: TestDatabase | undefined;
let readOnly: Kysely<Database> | undefined;
let server: Awaited<ReturnType<typeof listen>> | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
  database = await createTestDatabase();
  await database.db.insertInto("domain_hour").values({ hour: new Date(Date.UTC(2026, 10, 23, 13)), domain: "A", requests: 2 }).execute();
  readOnly = createDb(database.url, { readOnly: true });
  const clock = () => Date.UTC(2026, 10, 23, 14, 30);
  server = await listen(createApp({ db: readOnly, logger: createLogger("query-api", "silent"), registry: createMetricsRegistry("query-api"), clock }));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await readOnly?.destroy();
  await database?.drop();
});

const documented = Object.entries(queryOpenApi.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));

// Chromium renders every operation of Swagger UI: seconds on a quiet machine, far more on a busy one.
describe("the query API's /docs in Chromium", { timeout: 90_000 }, () => {
  it("lists every operation, resolves every schema, and shows no error", async () => {
    const page = await browser!.newPage();
    const problems = watchPage(page);
    const { operations, errors } = await openDocsPage(page, server!.url);
    expect(operations.sort()).toEqual(documented.sort());
    expect(errors).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("asks GET /v1/stats/domains/top from the page, and shows the API's 200 with the hour's domains", async () => {
    const page = await browser!.newPage();
    const problems = watchPage(page);
    await openDocsPage(page, server!.url);
    const { status, shown } = await tryItOut(page, "GET", "/v1/stats/domains/top", { window: "hour" });
    expect(status).toBe("200");
    expect(shown).toContain('"domain": "A"');
    expect(problems).toEqual([]);
    await page.close();
  });
});
