import { createTestDatabase, expectProblem, type TestDatabase } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveQueryApi } from "./serve-query-api.js";

const NOW = Date.UTC(2026, 10, 23, 14, 54, 30); // 14:54:30: last minute 14:53, last hour 13:00
const at = (h: number, m: number) => new Date(Date.UTC(2026, 10, 23, h, m));

let database: TestDatabase;
let server: Awaited<ReturnType<typeof serveQueryApi>>;

beforeAll(async () => {
  database = await createTestDatabase();
  // 14:53 holds 12 domains, d01…d12, with d03/d04 tied and d12 the busiest.
  const minute = Array.from({ length: 12 }, (_, i) => ({ minute: at(14, 53), domain: `d${String(i + 1).padStart(2, "0")}`, requests: i === 3 ? 3 : i + 1 }));
  await database.db
    .insertInto("domain_minute")
    .values([...minute, { minute: at(14, 52), domain: "old", requests: 1000 }, { minute: at(14, 54), domain: "new", requests: 1000 }])
    .execute();
  await database.db
    .insertInto("domain_hour")
    .values([
      { hour: at(13, 0), domain: "C", requests: 8 },
      { hour: at(13, 0), domain: "A", requests: 8 },
      { hour: at(13, 0), domain: "B", requests: 9 },
      { hour: at(14, 0), domain: "now", requests: 99 },
    ])
    .execute();
  server = await serveQueryApi(database.url, { clock: () => NOW });
});
afterAll(async () => {
  await server.close();
  await database.drop();
});

const get = (path: string) => fetch(`${server.url}${path}`);
const json = async (path: string) => (await get(path)).json() as Promise<{ window: string; start: string; end: string; items: { domain: string; requests: number }[] }>;

describe("GET /v1/stats/domains/top", () => {
  it("answers the last complete minute's top 10, most requests first, ties by name", async () => {
    const body = await json("/v1/stats/domains/top?window=minute");
    expect(body.start).toBe("2026-11-23T14:53:00.000Z");
    expect(body.end).toBe("2026-11-23T14:54:00.000Z");
    expect(body.items.map((i) => `${i.domain}=${i.requests}`)).toEqual(["d12=12", "d11=11", "d10=10", "d09=9", "d08=8", "d07=7", "d06=6", "d05=5", "d03=3", "d04=3"]);
  });

  it("answers the last complete hour", async () => {
    expect(await json("/v1/stats/domains/top?window=hour")).toEqual({
      window: "hour",
      start: "2026-11-23T13:00:00.000Z",
      end: "2026-11-23T14:00:00.000Z",
      items: [
        { domain: "B", requests: 9 },
        { domain: "A", requests: 8 },
        { domain: "C", requests: 8 },
      ],
      asOf: null,
      complete: false,
      failedJobs: 0,
    });
  });

  it("is complete once the workers have folded everything accepted before the window's end", async () => {
    await database.db.insertInto("fold_watermarks").values({ queue: "counters", as_of: new Date(NOW - 1000), computed_at: new Date(NOW) }).execute();
    try {
      expect(await json("/v1/stats/domains/top?window=minute")).toMatchObject({ end: "2026-11-23T14:54:00.000Z", complete: true });
      expect(await json("/v1/stats/domains/top?window=minute&start=2026-11-23T14:54:00Z")).toMatchObject({ complete: false });
    } finally {
      await database.db.deleteFrom("fold_watermarks").execute();
    }
  });

  it("answers a given window and limit", async () => {
    const body = await json("/v1/stats/domains/top?window=hour&start=2026-11-23T14:00:00Z&limit=1");
    expect(body.items).toEqual([{ domain: "now", requests: 99 }]);
    expect((await json("/v1/stats/domains/top?window=minute&limit=100")).items).toHaveLength(12);
  });

  it("answers an empty window with no items", async () => {
    expect((await json("/v1/stats/domains/top?window=minute&start=2020-01-01T00:00:00Z")).items).toEqual([]);
  });

  it.each([
    ["window", "start=2026-11-23T14:53:00Z"],
    ["window", "window=day"],
    ["start", "window=minute&start=2026-11-23T14:53:30Z"],
    ["start", "window=hour&start=2026-11-23T14:53:00Z"],
    ["start", "window=hour&start=soon"],
    ["limit", "window=hour&limit=0"],
    ["limit", "window=hour&limit=101"],
    ["limit", "window=hour&limit=ten"],
  ])("answers 422 naming %s for ?%s", async (field, query) => {
    const problem = await expectProblem(await get(`/v1/stats/domains/top?${query}`), 422);
    expect(problem.errors?.map((e) => e.path)).toEqual([field]);
  });
});

describe("the seed's shapes", () => {
  it.each(["/stats/minutes", "/api/stats/minutes"])("%s answers the last complete minute's top 10", async (path) => {
    const body = (await (await get(path)).json()) as { Domain: string; NumberOfRequests: number }[];
    expect(body).toHaveLength(10);
    expect(body[0]).toEqual({ Domain: "d12", NumberOfRequests: 12 });
  });

  it.each(["/stats/hours", "/api/stats/hours"])("%s answers the last complete hour's top 10", async (path) => {
    expect(await (await get(path)).json()).toEqual([
      { Domain: "B", NumberOfRequests: 9 },
      { Domain: "A", NumberOfRequests: 8 },
      { Domain: "C", NumberOfRequests: 8 },
    ]);
  });
});

describe("sums past 2^53", () => {
  it("answer every digit, as JSON numbers, in both shapes", async () => {
    const minute = at(10, 0);
    // 3 × (2^53 - 1): a double would read it as …972.
    await database.db.insertInto("domain_minute").values({ minute, domain: "huge", requests: "27021597764222973" }).execute();
    expect(await (await get(`/v1/stats/domains/top?window=minute&start=${minute.toISOString()}`)).text()).toContain('{"domain":"huge","requests":27021597764222973}');
    await database.db.insertInto("domain_minute").values({ minute: at(14, 53), domain: "huge", requests: "99999999999999999999999" }).execute();
    expect(await (await get("/stats/minutes")).text()).toMatch(/^\[\{"Domain":"huge","NumberOfRequests":99999999999999999999999\}/);
  });
});
