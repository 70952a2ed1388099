import { createTestDatabase, expectProblem, type TestDatabase } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveQueryApi } from "./serve-query-api.js";

interface FlowsPage {
  items: { src_app: string; dest_app: string; vpc_id: string; hour: number; bytes_tx: number | string; bytes_rx: number | string }[];
  total: number;
  page?: number;
  size: number;
  nextCursor: string | null;
}

let database: TestDatabase;
let server: Awaited<ReturnType<typeof serveQueryApi>>;

const key = (i: number) => ({ src_app: `app-${String(i).padStart(3, "0")}`, dest_app: i % 2 ? "db" : "cache", vpc_id: "vpc-0" });

/** Inserts rollup rows as the worker would, keeping flow_hour_keys in step. */
async function insertFlows(hour: number, rows: { src_app: string; dest_app: string; vpc_id: string; bytes_tx?: number | string }[]) {
  await database.db
    .insertInto("flow_rollup")
    .values(rows.map((r) => ({ hour, bytes_rx: 2, ...r, bytes_tx: r.bytes_tx ?? 1 })))
    .execute();
  await database.db
    .insertInto("flow_hour_keys")
    .values({ hour, keys: rows.length })
    .onConflict((oc) => oc.column("hour").doUpdateSet((eb) => ({ keys: eb("flow_hour_keys.keys", "+", eb.ref("excluded.keys")) })))
    .execute();
}

beforeAll(async () => {
  database = await createTestDatabase();
  await insertFlows(5, Array.from({ length: 120 }, (_, i) => key(i)));
  await insertFlows(6, [{ ...key(0), bytes_tx: "9007199254740993" }]);
  server = await serveQueryApi(database.url);
});
afterAll(async () => {
  await server.close();
  await database.drop();
});

const get = (query: string, path = "/v1/flows") => fetch(`${server.url}${path}?${query}`);
const page = async (query: string, path?: string) => (await (await get(query, path)).json()) as FlowsPage;
const names = (p: FlowsPage) => p.items.map((i) => i.src_app);

describe.each(["/v1/flows", "/flows"])("GET %s", (path) => {
  it("reads 120 keys in pages of 50: 50, 50, 20, in order, total 120", async () => {
    const pages = [await page("hour=5&page=1", path), await page("hour=5&page=2", path), await page("hour=5&page=3", path)];
    expect(pages.map((p) => p.items.length)).toEqual([50, 50, 20]);
    expect(pages.map((p) => p.total)).toEqual([120, 120, 120]);
    expect(pages.flatMap(names)).toEqual(Array.from({ length: 120 }, (_, i) => key(i).src_app));
    expect(pages[0]?.items[1]).toEqual({ ...key(1), hour: 5, bytes_tx: 1, bytes_rx: 2 });
  });

  it("answers a page past the end with no items and the true total", async () => {
    const nothingFailed = { asOf: null, failedJobs: 0, failedJobsInHour: false };
    expect(await page("hour=5&page=4", path)).toEqual({ items: [], total: 120, page: 4, size: 50, nextCursor: null, ...nothingFailed });
    expect(await page("hour=99", path)).toEqual({ items: [], total: 0, page: 1, size: 50, nextCursor: null, ...nothingFailed });
  });
});

describe("cursor pagination", () => {
  it("walks every key exactly once while new flows arrive, and ends with nextCursor null", async () => {
    await insertFlows(8, Array.from({ length: 120 }, (_, i) => key(i)));
    const seen: string[] = [];
    let current = await page("hour=8&size=40");
    seen.push(...names(current));
    let added = 0;
    while (current.nextCursor) {
      // New keys arrive mid-walk, before and after the cursor's position.
      await insertFlows(8, [{ src_app: `app-000-late-${added}`, dest_app: "x", vpc_id: "v" }, { src_app: `app-zzz-late-${added}`, dest_app: "x", vpc_id: "v" }]);
      added++;
      current = await page(`hour=8&size=40&cursor=${current.nextCursor}`);
      expect(current.page).toBeUndefined();
      seen.push(...names(current));
    }
    const original = Array.from({ length: 120 }, (_, i) => key(i).src_app);
    expect(seen.filter((n) => !n.includes("late"))).toEqual(original);
    expect(new Set(seen).size).toBe(seen.length); // nothing twice
    expect(seen.filter((n) => n.startsWith("app-zzz-late"))).toHaveLength(added); // keys ahead of the cursor are met
    expect(current.total).toBe(120 + 2 * added);
  });

  it("gives a next cursor on page answers too", async () => {
    const first = await page("hour=5&size=50&page=1");
    const next = await page(`hour=5&size=50&cursor=${first.nextCursor}`);
    expect(next.items[0]?.src_app).toBe("app-050");
  });
});

describe("validation", () => {
  it.each([
    ["hour", ""],
    ["hour", "hour=-1"],
    ["hour", "hour=abc"],
    ["hour", "hour=1.5"],
    ["hour", "hour=9007199254740992"],
    ["page", "hour=5&page=0"],
    ["size", "hour=5&size=0"],
    ["size", "hour=5&size=1001"],
    ["cursor", "hour=5&cursor=not-a-cursor"],
    ["cursor", `hour=5&cursor=${Buffer.from('["x"]').toString("base64url")}`],
    ["cursor", `hour=0&cursor=${Buffer.from('[0,"\\u0000","a","b"]').toString("base64url")}`],
  ])("answers 422 naming %s for ?%s", async (field, query) => {
    const problem = await expectProblem(await get(query), 422);
    expect(problem.errors?.map((e) => e.path)).toEqual([field]);
  });

  it("refuses a cursor with page, or from another hour", async () => {
    const { nextCursor } = await page("hour=5&size=10");
    expect((await expectProblem(await get(`hour=5&page=2&cursor=${nextCursor}`), 422)).errors?.[0]?.path).toBe("cursor");
    expect((await expectProblem(await get(`hour=6&cursor=${nextCursor}`), 422)).errors?.[0]?.message).toContain("another hour");
  });
});

describe("big sums", () => {
  it("answers a sum past 2^53-1 as a JSON number with every digit, never rounded through a double", async () => {
    const text = await (await get("hour=6")).text();
    expect(text).toContain('"bytes_tx":9007199254740993');
  });
});
