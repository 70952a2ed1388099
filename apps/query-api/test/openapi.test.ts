import { createDb, type Database } from "@tally/shared/db";
import { createMetricsRegistry, listRoutes, openApiPath } from "@tally/shared/http";
import { createLogger } from "@tally/shared/logger";
import { createTestDatabase, listen, type TestDatabase } from "@tally/testing";
import type { Express } from "express";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { responseExamples, type queryOpenApi } from "../src/openapi.js";

let database: TestDatabase;
let readOnly: Kysely<Database>;
let app: Express;
let server: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.insertInto("domain_hour").values({ hour: new Date(Date.UTC(2026, 10, 23, 13)), domain: "A", requests: 2 }).execute();
  readOnly = createDb(database.url, { readOnly: true });
  app = createApp({ db: readOnly, logger: createLogger("query-api", "silent"), registry: createMetricsRegistry("query-api"), clock: () => Date.UTC(2026, 10, 23, 14, 30) });
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
  await readOnly.destroy();
  await database.drop();
});

describe("the query API's OpenAPI document", () => {
  it("describes every route the app registers, and nothing else", async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as typeof queryOpenApi;
    expect(document.openapi).toBe("3.1.0");
    const described = Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const registered = listRoutes(app).map((r) => r.replace(/ (.*)$/, (_, p: string) => ` ${openApiPath(p)}`));
    expect(described.sort()).toEqual(registered.sort());
  });

  it.each(responseExamples.map((e) => [e.name, e] as const))("has an example response for %s that its schema accepts", (_, { schema, example }) => {
    expect(schema.safeParse(example).error).toBeUndefined();
  });

  it("describes what the API really answers", async () => {
    const top = await (await fetch(`${server.url}/v1/stats/domains/top?window=hour`)).json();
    expect(responseExamples.find((e) => e.name === "/v1/stats/domains/top 200")?.schema.parse(top)).toMatchObject({ items: [{ domain: "A", requests: 2 }] });
  });
});
