import { createDb, type Database } from "@tally/shared/db";
import { createMetricsRegistry } from "@tally/shared/http";
import { createLogger } from "@tally/shared/logger";
import { QUEUE_NAMES } from "@tally/shared/jobs";
import { createTestDatabase, expectProblem, listen, type TestDatabase } from "@tally/testing";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { dashboardSummaryResponse, type DashboardSummary } from "../src/dashboard/dashboard.schema.js";

const NOW = Date.UTC(2026, 10, 23, 14, 54, 30); // last complete minute 14:53, current hour 14:00
const at = (h: number, m: number, s = 0) => new Date(Date.UTC(2026, 10, 23, h, m, s));
const KEY = "dashboard-key-0123456789";

let database: TestDatabase;
let readOnly: Kysely<Database>;
let now = NOW;
let server: Awaited<ReturnType<typeof listen>>;
let locked: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db
    .insertInto("domain_minute")
    .values([
      { minute: at(14, 53), domain: "a", requests: 5 },
      { minute: at(14, 53), domain: "b", requests: 7 },
      { minute: at(14, 40), domain: "a", requests: 3 },
      { minute: at(14, 24), domain: "a", requests: 1 }, // the first of the 30 minutes
      { minute: at(14, 23), domain: "a", requests: 1000 }, // one before them
      { minute: at(14, 54), domain: "a", requests: 1000 }, // the current minute, not complete
    ])
    .execute();
  await database.db
    .insertInto("message_rollup")
    .values([
      // An hour is the sum of its quarters: 13:00 and 13:45 are both in the last complete hour.
      { quarter: at(13, 0), customer_id: 1, type: "A", count: 1, total: "1.000" },
      { quarter: at(13, 45), customer_id: 1, type: "A", count: 2, total: "1.000" },
      { quarter: at(13, 0), customer_id: 2, type: "B", count: 4, total: "1.000" },
      { quarter: at(14, 0), customer_id: 1, type: "A", count: 2, total: "1.000" },
      { quarter: at(12, 45), customer_id: 1, type: "A", count: 100, total: "1.000" },
    ])
    .execute();
  await database.db
    .insertInto("fold_watermarks")
    .values([
      { queue: "messages", as_of: at(14, 54, 27), computed_at: at(14, 54, 29) },
      { queue: "counters", as_of: new Date(NOW - 1500), computed_at: new Date(NOW - 500) },
      { queue: "elsewhere", as_of: at(14, 0), computed_at: at(14, 50) },
    ])
    .execute();
  readOnly = createDb(database.url, { readOnly: true });
  const deps = { db: readOnly, logger: createLogger("query-api", "silent"), registry: createMetricsRegistry("query-api"), clock: () => now };
  server = await listen(createApp(deps));
  locked = await listen(createApp({ ...deps, registry: createMetricsRegistry("query-api"), apiKeys: [KEY] }));
});
afterAll(async () => {
  await server.close();
  await locked.close();
  await readOnly.destroy();
  await database.drop();
});

const summary = async (base = server.url): Promise<DashboardSummary> => {
  const res = await fetch(`${base}/v1/dashboard/summary`);
  expect(res.status).toBe(200);
  return dashboardSummaryResponse.parse(await res.json());
};

describe("GET /v1/dashboard/summary", () => {
  it("answers counter requests per minute for the 30 minutes up to the last complete one, 0 where none", async () => {
    const body = await summary();
    expect(body.generatedAt).toBe("2026-11-23T14:54:30.000Z");
    expect(body.requestsPerMinute.from).toBe("2026-11-23T14:24:00.000Z");
    expect(body.requestsPerMinute.to).toBe("2026-11-23T14:54:00.000Z");
    const minutes = body.requestsPerMinute.minutes;
    expect(minutes).toHaveLength(30);
    expect(minutes[0]).toEqual({ minute: "2026-11-23T14:24:00.000Z", requests: 1 });
    expect(minutes[16]).toEqual({ minute: "2026-11-23T14:40:00.000Z", requests: 3 });
    expect(minutes[29]).toEqual({ minute: "2026-11-23T14:53:00.000Z", requests: 12 });
    expect(minutes.reduce((sum, m) => sum + Number(m.requests), 0)).toBe(16);
  });

  it("answers the messages of the last complete hour and of the current one so far", async () => {
    expect((await summary()).messages).toEqual({
      lastHour: { start: "2026-11-23T13:00:00.000Z", count: 7 },
      currentHour: { start: "2026-11-23T14:00:00.000Z", count: 2 },
    });
  });

  it("answers every queue's lag (computed_at − as_of) and how long ago it was recorded, known queues first", async () => {
    const { queues } = await summary();
    expect(queues.map((q) => q.queue)).toEqual([...Object.values(QUEUE_NAMES), "elsewhere"]);
    expect(queues.find((q) => q.queue === "messages")).toEqual({
      queue: "messages",
      asOf: "2026-11-23T14:54:27.000Z",
      computedAt: "2026-11-23T14:54:29.000Z",
      lagMs: 2000,
      recordedAgoMs: 1000,
    });
    expect(queues.find((q) => q.queue === "counters")).toMatchObject({ lagMs: 1000, recordedAgoMs: 500 });
    expect(queues.find((q) => q.queue === "elsewhere")).toMatchObject({ lagMs: 50 * 60_000, recordedAgoMs: 4 * 60_000 + 30_000 });
    expect(queues.find((q) => q.queue === "flows")).toEqual({ queue: "flows", asOf: null, computedAt: null, lagMs: null, recordedAgoMs: null });
  });

  it("computes the summary at most once every 5 s, whoever asks", async () => {
    const before = await summary();
    await database.db.insertInto("domain_minute").values({ minute: at(14, 53), domain: "c", requests: 100 }).execute();
    try {
      now = NOW + 4999;
      expect(await summary()).toEqual(before);
      now = NOW + 5000;
      const after = await summary();
      expect(after.generatedAt).toBe("2026-11-23T14:54:35.000Z");
      expect(after.requestsPerMinute.minutes.at(-1)).toEqual({ minute: "2026-11-23T14:53:00.000Z", requests: 112 });
    } finally {
      now = NOW;
      await database.db.deleteFrom("domain_minute").where("domain", "=", "c").execute();
    }
  });

  it("needs the key where keys are set, like every data route", async () => {
    await expectProblem(await fetch(`${locked.url}/v1/dashboard/summary`), 401);
    const res = await fetch(`${locked.url}/v1/dashboard/summary`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(200);
  });
});

describe("GET /v1/dashboard/summary before any worker has run", () => {
  it("lists every known queue with nulls, and zeros for throughput", async () => {
    const empty = await createTestDatabase();
    const db = createDb(empty.url, { readOnly: true });
    const app = await listen(createApp({ db, logger: createLogger("query-api", "silent"), registry: createMetricsRegistry("query-api"), clock: () => NOW }));
    try {
      const body = await summary(app.url);
      expect(body.queues).toEqual(Object.values(QUEUE_NAMES).map((queue) => ({ queue, asOf: null, computedAt: null, lagMs: null, recordedAgoMs: null })));
      expect(body.requestsPerMinute.minutes.every((m) => m.requests === 0)).toBe(true);
      expect(body.messages.currentHour.count).toBe(0);
    } finally {
      await app.close();
      await db.destroy();
      await empty.drop();
    }
  });
});
