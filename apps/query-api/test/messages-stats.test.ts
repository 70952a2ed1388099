import type { Database } from "@tally/shared/db";
import { createTestDatabase, expectProblem, insertMessageRollup, type TestDatabase } from "@tally/testing";
import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveQueryApi } from "./serve-query-api.js";

let database: TestDatabase;
let readOnly: Kysely<Database>;
let server: Awaited<ReturnType<typeof serveQueryApi>>;

const h = (hour: number) => new Date(Date.UTC(2026, 10, 23, hour));
const rollupRows = [
  { quarter: h(9), customer_id: 2, type: "b", count: 1, total: "0.001" },
  { quarter: h(10), customer_id: 1, type: "A", count: 2, total: "0.012" },
  { quarter: h(11), customer_id: 1, type: "A", count: 1, total: "0.024" },
  { quarter: h(11), customer_id: 1, type: "", count: 4, total: "4.000" },
  { quarter: h(11), customer_id: 2, type: "B", count: 3, total: "999999999999999.999" },
  { quarter: h(12), customer_id: 2, type: "B", count: 3, total: "999999999999999.999" },
  { quarter: h(13), customer_id: 3, type: "C", count: 5, total: "5.000" },
];

beforeAll(async () => {
  database = await createTestDatabase();
  await insertMessageRollup(database.db, rollupRows);
  server = await serveQueryApi(database.url);
  readOnly = server.readOnly;
});
afterAll(async () => {
  await server.close();
  await database.drop();
});

interface Item {
  customerId: number;
  type: string;
  count: number;
  totalAmount: string;
}
interface Stats {
  from: string;
  to: string;
  items: Item[];
  total: number;
  page: number;
  size: number;
  asOf: string | null;
  complete: boolean;
}
const get = (query: string) => fetch(`${server.url}/v1/stats/messages?${query}`);
const stats = async (query: string) => (await (await get(query)).json()) as Stats;
const keys = (s: Stats) => s.items.map((i) => `${i.customerId}${i.type}`);

describe("GET /v1/stats/messages", () => {
  it("sums count and total per customer and type over [from, to), ordered by customerId then type", async () => {
    const res = await get("from=2026-11-23T10:00:00Z&to=2026-11-23T13:00:00Z");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      from: "2026-11-23T10:00:00.000Z",
      to: "2026-11-23T13:00:00.000Z",
      items: [
        { customerId: 1, type: "", count: 4, totalAmount: "4.000" },
        { customerId: 1, type: "A", count: 3, totalAmount: "0.036" },
        { customerId: 2, type: "B", count: 6, totalAmount: "1999999999999999.998" },
      ],
      total: 3,
      page: 1,
      size: 50,
      nextCursor: null,
      asOf: null, // no worker has recorded a watermark yet
      complete: false,
      failedJobs: 0,
    });
  });

  it("is not complete while a failed job holds messages of the interval, and says how many jobs failed", async () => {
    // The failed job carries messages of the 10:00 hour; the interval 11:00–12:00 does not hold it.
    const failed = { failed_jobs: 2, failed_from: h(10).getTime(), failed_to: h(11).getTime() - 1 };
    await database.db.insertInto("fold_watermarks").values({ queue: "messages", as_of: h(12), computed_at: h(12), ...failed }).execute();
    try {
      expect(await stats("from=2026-11-23T10:00:00Z&to=2026-11-23T12:00:00Z")).toMatchObject({ complete: false, failedJobs: 2 });
      expect(await stats("from=2026-11-23T11:00:00Z&to=2026-11-23T12:00:00Z")).toMatchObject({ complete: true, failedJobs: 2 });
      // A failed job whose events could not be read touches every interval.
      await database.db.updateTable("fold_watermarks").set({ failed_from: null, failed_to: null }).execute();
      expect(await stats("from=2026-11-23T11:00:00Z&to=2026-11-23T12:00:00Z")).toMatchObject({ complete: false, failedJobs: 2 });
    } finally {
      await database.db.deleteFrom("fold_watermarks").execute();
    }
  });

  it("says up to when it is counted, and whether the interval is complete", async () => {
    await database.db.insertInto("fold_watermarks").values({ queue: "messages", as_of: h(12), computed_at: h(12) }).execute();
    try {
      expect(await stats("from=2026-11-23T10:00:00Z&to=2026-11-23T12:00:00Z")).toMatchObject({ asOf: "2026-11-23T12:00:00.000Z", complete: true });
      expect(await stats("from=2026-11-23T10:00:00Z&to=2026-11-23T13:00:00Z")).toMatchObject({ asOf: "2026-11-23T12:00:00.000Z", complete: false });
    } finally {
      await database.db.deleteFrom("fold_watermarks").execute();
    }
  });

  it("includes from and excludes to", async () => {
    const body = await stats("from=2026-11-23T13:00:00Z&to=2026-11-23T14:00:00Z");
    expect(body.items).toEqual([{ customerId: 3, type: "C", count: 5, totalAmount: "5.000" }]);
  });

  it("takes plain dates", async () => {
    const body = await stats("from=2026-11-23&to=2026-11-24");
    expect(body.total).toBe(5);
  });

  it("filters by customerId and type", async () => {
    const byCustomer = await stats("from=2026-11-23&to=2026-11-24&customerId=2");
    expect(byCustomer.items.map((i) => i.type)).toEqual(["B", "b"]);
    const byType = await stats("from=2026-11-23&to=2026-11-24&customerId=1&type=A");
    expect(byType.items).toEqual([{ customerId: 1, type: "A", count: 3, totalAmount: "0.036" }]);
  });

  it("pages, and a page past the end has no items and the true total", async () => {
    const first = await stats("from=2026-11-23&to=2026-11-24&size=2");
    expect(keys(first)).toEqual(["1", "1A"]);
    const second = await stats("from=2026-11-23&to=2026-11-24&size=2&page=2");
    expect(keys(second)).toEqual(["2B", "2b"]);
    const past = await stats("from=2026-11-23&to=2026-11-24&size=2&page=9");
    expect(past).toMatchObject({ items: [], total: 5, page: 9, size: 2 });
  });

  it("answers one hour from its own rows: pairs in order, paged, filtered, and counted", async () => {
    expect(await stats("from=2026-11-23T11:00:00Z&to=2026-11-23T12:00:00Z")).toMatchObject({
      items: [
        { customerId: 1, type: "", count: 4, totalAmount: "4.000" },
        { customerId: 1, type: "A", count: 1, totalAmount: "0.024" },
        { customerId: 2, type: "B", count: 3, totalAmount: "999999999999999.999" },
      ],
      total: 3,
    });
    const second = await stats("from=2026-11-23T11:00:00Z&to=2026-11-23T12:00:00Z&size=2&page=2");
    expect(second).toMatchObject({ total: 3 });
    expect(keys(second)).toEqual(["2B"]);
    expect(await stats("from=2026-11-23T11:00:00Z&to=2026-11-23T12:00:00Z&customerId=1")).toMatchObject({ total: 2 });
    expect(await stats("from=2026-11-23T11:00:00Z&to=2026-11-23T12:00:00Z&customerId=1&type=A")).toMatchObject({ total: 1 });
    expect(await stats("from=2026-11-23T08:00:00Z&to=2026-11-23T09:00:00Z")).toMatchObject({ items: [], total: 0 });
  });

  it("answers an empty interval with no items", async () => {
    expect(await stats("from=2020-01-01&to=2020-01-02")).toMatchObject({ items: [], total: 0 });
  });

  it.each([
    ["from", "to=2026-11-24"],
    ["to", "from=2026-11-23"],
    ["from", "from=yesterday&to=2026-11-24"],
    ["from", "from=2026-11-23T10:10:00Z&to=2026-11-24"],
    ["to", "from=2026-11-23&to=2026-11-23T10:15:30Z"],
    ["to", "from=2026-11-23&to=2026-11-23"],
    ["to", "from=2026-11-24&to=2026-11-23"],
    ["from", "from=2026-11-23&from=2026-11-22&to=2026-11-24"],
    ["customerId", "from=2026-11-23&to=2026-11-24&customerId=-1"],
    ["customerId", "from=2026-11-23&to=2026-11-24&customerId=9007199254740992"],
    ["customerId", "from=2026-11-23&to=2026-11-24&customerId=abc"],
    ["type", `from=2026-11-23&to=2026-11-24&type=${"x".repeat(129)}`],
    ["type", "from=2026-11-23&to=2026-11-24&type=%00"],
    ["from", "from=2026-11-23T00:00:00.0001Z&to=2026-11-24"],
    ["page", "from=2026-11-23&to=2026-11-24&page=0"],
    ["size", "from=2026-11-23&to=2026-11-24&size=0"],
    ["size", "from=2026-11-23&to=2026-11-24&size=1001"],
    ["size", "from=2026-11-23&to=2026-11-24&size=1.5"],
    // window and tz (their answers: messages-windows.test.ts)
    ["window", "from=2026-11-23&to=2026-11-24&window=week"],
    ["window", "from=2026-11-23&to=2026-11-24&window=Day"],
    ["window", "from=2026-11-23&to=2026-11-24&window=day&window=hour"],
    ["window", "from=2020-01-01&to=2022-01-01&window=hour"], // 17,544 buckets
    ["tz", "from=2026-11-23&to=2026-11-24&window=day&tz=UTC%2B5"], // POSIX: Postgres would read it as UTC-5
    ["tz", "from=2026-11-23&to=2026-11-24&window=day&tz=EST5EDT"],
    ["tz", "from=2026-11-23&to=2026-11-24&window=day&tz=%3C%2B0545%3E-0545"],
    ["tz", "from=2026-11-23&to=2026-11-24&window=day&tz=EST"],
    ["tz", "from=2026-11-23&to=2026-11-24&window=day&tz=%2B05%3A30"],
    ["tz", "from=2026-11-23&to=2026-11-24&window=day&tz=Mars%2FOlympus_Mons"],
    ["tz", "from=2026-11-23&to=2026-11-24&window=day&tz="],
    ["tz", "from=2026-11-23&to=2026-11-24&window=day&tz=UTC&tz=UTC"],
    ["tz", "from=2026-11-23&to=2026-11-24&tz=Europe%2FLisbon"], // a zone needs a window
    ["from", "from=2026-11-23T00:07:00Z&to=2026-11-24&window=day"],
    ["to", "from=2026-11-23&to=2026-11-23T23:59:59Z&window=day"],
  ])("answers 422 naming %s for ?%s", async (field, query) => {
    const problem = await expectProblem(await get(query), 422);
    expect(problem.errors?.map((e) => e.path)).toEqual([field]);
  });

  it("answers other methods with 405 and Allow", async () => {
    const res = await fetch(`${server.url}/v1/stats/messages`, { method: "POST" });
    await expectProblem(res, 405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
  });
});

describe("the query API's connection", () => {
  it("cannot write", async () => {
    await expect(sql`INSERT INTO message_ledger (uuid) VALUES (gen_random_uuid())`.execute(readOnly)).rejects.toMatchObject({ code: "25006" });
  });

  it("reports Postgres in readyz", async () => {
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: "ready", checks: { postgres: "up" } });
  });
});
