import { createTestDatabase, expectProblem, type TestDatabase } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveQueryApi } from "./serve-query-api.js";

let database: TestDatabase;
let server: Awaited<ReturnType<typeof serveQueryApi>>;

const UPDATED_AT = "2026-11-23T13:00:00.123Z";

/** Stores a product as the worker would: keyed by its id as text, the document as posted. */
async function insertProduct(id: string, document: string, seq = 1) {
  await database.db.insertInto("products").values({ id, data: document, updated_at: new Date(UPDATED_AT), upload_seq: seq, position: 0 }).execute();
}

beforeAll(async () => {
  database = await createTestDatabase();
  await insertProduct("sku-1", JSON.stringify({ id: "sku-1", name: "Kettle", price: { amount: "24.90", currency: "EUR" }, tags: ["kitchen"] }));
  await insertProduct("42", JSON.stringify({ id: 42, name: "Integer id" }));
  await insertProduct("7", JSON.stringify({ id: "7", name: "String of digits" }));
  await insertProduct("a/b c", JSON.stringify({ id: "a/b c" }));
  await insertProduct("big", '{"id": "big", "count": 12345678901234567890123, "ratio": 0.1000000000000000055511151231257827}');
  server = await serveQueryApi(database.url);
});
afterAll(async () => {
  await server.close();
  await database.drop();
});

const get = (id: string) => fetch(`${server.url}/v1/products/${encodeURIComponent(id)}`);

describe("GET /v1/products/:id", () => {
  it("answers the stored document, its id and when it was updated", async () => {
    const res = await get("sku-1");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      id: "sku-1",
      data: { id: "sku-1", name: "Kettle", price: { amount: "24.90", currency: "EUR" }, tags: ["kitchen"] },
      updatedAt: UPDATED_AT,
    });
  });

  it("answers the id with the type it was posted with: an integer, or a string of digits", async () => {
    expect(await (await get("42")).json()).toMatchObject({ id: 42, data: { id: 42 } });
    expect(await (await get("7")).json()).toMatchObject({ id: "7", data: { id: "7" } });
  });

  it("finds an id with characters that must be escaped in a path", async () => {
    expect(await (await get("a/b c")).json()).toMatchObject({ id: "a/b c" });
  });

  it("keeps numbers JSON.parse would round, digit for digit", async () => {
    const text = await (await get("big")).text();
    expect(text).toContain('"count": 12345678901234567890123');
    expect(text).toContain('"ratio": 0.1000000000000000055511151231257827');
  });

  it("answers 404 problem+json for an id never posted", async () => {
    const problem = await expectProblem(await get("nope"), 404);
    expect(problem.detail).toContain('"nope"');
    await expectProblem(await get("x".repeat(512)), 404);
  });

  it("answers 422 naming id for an id longer than 512 characters", async () => {
    const problem = await expectProblem(await get("x".repeat(513)), 422);
    expect(problem.errors?.map((e) => e.path)).toEqual(["id"]);
  });

  it("answers 422 naming id for an id Postgres cannot take (U+0000)", async () => {
    const problem = await expectProblem(await get("a\u0000b"), 422);
    expect(problem.errors?.map((e) => e.path)).toEqual(["id"]);
  });

  it("answers 405 with Allow for another method", async () => {
    const res = await fetch(`${server.url}/v1/products/sku-1`, { method: "POST" });
    await expectProblem(res, 405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
  });
});

describe("a path that is not valid percent-encoding", () => {
  it("answers 400 problem+json, not 500", async () => {
    const problem = await expectProblem(await fetch(`${server.url}/v1/products/%E0%A4%A`), 400);
    expect(problem.detail).toMatch(/decode/i);
  });
});
