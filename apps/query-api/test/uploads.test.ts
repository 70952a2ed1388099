import { randomUUID } from "node:crypto";
import { createTestDatabase, expectProblem, type TestDatabase } from "@tally/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveQueryApi } from "./serve-query-api.js";

let database: TestDatabase;
let server: Awaited<ReturnType<typeof serveQueryApi>>;
const ids = { pending: randomUUID(), applied: randomUUID(), failed: randomUUID(), unaccepted: randomUUID() };
const AT = "2026-11-23T13:00:00.000Z";

beforeAll(async () => {
  database = await createTestDatabase();
  const accepted = (id: string, extra: object = {}) => ({ upload_id: id, accepted_seq: sql<string>`nextval('product_acceptance_seq')`, accepted_at: new Date(AT), products: 3, ...extra });
  await database.db
    .insertInto("product_uploads")
    .values([
      accepted(ids.pending),
      accepted(ids.applied, { applied_at: new Date("2026-11-23T13:00:01.000Z") }),
      accepted(ids.failed, { failed_at: new Date("2026-11-23T13:00:02.000Z"), failure: "value overflows numeric format" }),
      { upload_id: ids.unaccepted },
    ])
    .execute();
  server = await serveQueryApi(database.url);
});
afterAll(async () => {
  await server.close();
  await database.drop();
});

const get = (id: string) => fetch(`${server.url}/v1/products/uploads/${id}`);

describe("GET /v1/products/uploads/:id", () => {
  it.each([
    ["pending", { appliedAt: null, failedAt: null, reason: null }],
    ["applied", { appliedAt: "2026-11-23T13:00:01.000Z", failedAt: null, reason: null }],
    ["failed", { appliedAt: null, failedAt: "2026-11-23T13:00:02.000Z", reason: "value overflows numeric format" }],
  ] as const)("answers a %s upload's status", async (status, outcome) => {
    const res = await get(ids[status]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: ids[status], status, products: 3, acceptedAt: AT, ...outcome });
  });

  it("finds an id in upper case, as uuids compare", async () => {
    expect((await get(ids.applied.toUpperCase())).status).toBe(200);
  });

  it.each([
    ["an unknown id", randomUUID()],
    ["an upload never accepted (its transaction never committed, or a stray row)", ids.unaccepted],
    ["an id that is not a UUID", "not-a-uuid"],
  ])("answers 404 for %s", async (_, id) => {
    const problem = await expectProblem(await get(id), 404);
    expect(problem.detail).toContain(id);
  });
});
