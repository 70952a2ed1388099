import { createDb, type Database } from "@tally/shared/db";
import { createMetricsRegistry, documentedResponses, listRoutes, openApiPath, problemSchema } from "@tally/shared/http";
import { createLogger } from "@tally/shared/logger";
import { createTestDatabase, listen, type TestDatabase } from "@tally/testing";
import { lintOpenApi, refsIn } from "@tally/testing/openapi";
import type { Express } from "express";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { queryOperations, type queryOpenApi } from "../src/openapi.js";

/** Every answer the document shows an example of (every problem has one), with its schema. */
const examples = documentedResponses(queryOperations).filter((r) => r.problem || r.example !== undefined);

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

  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const document: unknown = await (await fetch(`${server.url}/openapi.json`)).json();
    expect(await lintOpenApi(document)).toEqual([]);
  });

  it("keeps the named schemas in components/schemas, where every $ref points", async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as typeof queryOpenApi;
    const named = ["Problem", "UploadStatus"];
    expect(Object.keys(document.components.schemas).sort()).toEqual(named);
    expect([...new Set(refsIn(document.paths))].sort()).toEqual(named.map((name) => `#/components/schemas/${name}`));
  });

  it.each(examples.map((r) => [r.name, r] as const))("has an example answer for %s that its schema accepts (a problem with that status)", (_, response) => {
    expect(response.example).toBeDefined();
    expect(response.schema?.safeParse(response.example).error).toBeUndefined();
    if (response.problem) expect(problemSchema.parse(response.example).status).toBe(response.status);
  });

  it("describes what the API really answers", async () => {
    const top = await (await fetch(`${server.url}/v1/stats/domains/top?window=hour`)).json();
    expect(examples.find((e) => e.name === "GET /v1/stats/domains/top 200")?.schema?.parse(top)).toMatchObject({ items: [{ domain: "A", requests: 2 }] });
  });
});
