import { createTestDatabase, expectProblem, insertMessageRollup, type TestDatabase } from "@tally/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketStarts } from "../src/messages/zone-buckets.js";
import { serveQueryApi } from "./serve-query-api.js";

// Fixed data: customer 1 type "A" in every quarter hour of each span below, customer 2 type "B" in every
// third one, with counts and amounts that differ from quarter to quarter. The expected answers are
// summed here from that data over bucket boundaries written out by hand in UTC (never by the API's code).
const Q = 900_000;
const SPANS = [
  ["2026-03-28T00:00Z", "2026-03-31T00:00Z"], // Europe/Lisbon: 23-hour day (29 March)
  ["2026-10-24T00:00Z", "2026-10-27T00:00Z"], // Europe/Lisbon: 25-hour day (25 October)
  ["2026-03-07T00:00Z", "2026-03-10T12:00Z"], // America/New_York: 23-hour day (8 March)
  ["2026-10-31T00:00Z", "2026-11-03T00:00Z"], // America/New_York: 25-hour day (1 November)
  ["2026-11-22T12:00Z", "2026-11-24T12:00Z"], // Asia/Kolkata, Asia/Kathmandu
  ["2026-08-31T00:00Z", "2026-10-02T00:00Z"], // Pacific/Chatham: September, with its DST change
] as const;

interface Row {
  at: number;
  customerId: number;
  type: string;
  count: number;
  /** The amount in thousandths, summed as an integer. */
  milli: number;
}
const ROWS: Row[] = SPANS.flatMap(([from, to]) => {
  const rows: Row[] = [];
  for (let at = Date.parse(from); at < Date.parse(to); at += Q) {
    const i = at / Q;
    rows.push({ at, customerId: 1, type: "A", count: 1 + (i % 5), milli: ((i % 7) + 1) * 125 });
    if (i % 3 === 0) rows.push({ at, customerId: 2, type: "B", count: 2, milli: 1001 });
  }
  return rows;
});

const money = (milli: number) => `${Math.floor(milli / 1000)}.${String(milli % 1000).padStart(3, "0")}`;
const iso = (t: string) => new Date(t).toISOString();

/** The items expected for buckets with these hand-written UTC boundaries (n + 1 instants for n buckets). */
function expected(boundaries: string[]) {
  const items = [];
  for (const [customerId, type] of [[1, "A"], [2, "B"]] as const) {
    for (let b = 0; b + 1 < boundaries.length; b++) {
      const [start, end] = [Date.parse(boundaries[b]!), Date.parse(boundaries[b + 1]!)];
      const rows = ROWS.filter((r) => r.customerId === customerId && r.at >= start && r.at < end);
      if (rows.length === 0) continue;
      const count = rows.reduce((n, r) => n + r.count, 0);
      const milli = rows.reduce((n, r) => n + r.milli, 0);
      items.push({ customerId, type, start: iso(boundaries[b]!), end: iso(boundaries[b + 1]!), count, totalAmount: money(milli) });
    }
  }
  return items;
}

let database: TestDatabase;
let server: Awaited<ReturnType<typeof serveQueryApi>>;

beforeAll(async () => {
  database = await createTestDatabase();
  await insertMessageRollup(
    database.db,
    ROWS.map((r) => ({ quarter: new Date(r.at), customer_id: r.customerId, type: r.type, count: r.count, total: money(r.milli) })),
  );
  server = await serveQueryApi(database.url);
});
afterAll(async () => {
  await server.close();
  await database.drop();
});

interface Stats {
  items: { customerId: number; type: string; start?: string; end?: string; count: number; totalAmount: string }[];
  total: number;
  page?: number;
  nextCursor: string | null;
  window?: string;
  tz?: string;
}
const get = (query: string) => fetch(`${server.url}/v1/stats/messages?${query}`);
async function stats(query: string): Promise<Stats> {
  const res = await get(query);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Stats;
}
const window = (from: string, to: string, w: string, tz: string) => stats(`from=${from}&to=${to}&window=${w}&tz=${encodeURIComponent(tz)}&size=1000`);

describe("GET /v1/stats/messages?window=…&tz=…: buckets of the zone's calendar", () => {
  it("splits Europe/Lisbon's days across spring-forward: 29 March 2026 has 23 hours", async () => {
    const body = await window("2026-03-28T00:00Z", "2026-03-30T23:00Z", "day", "Europe/Lisbon");
    expect(body.items).toEqual(expected(["2026-03-28T00:00Z", "2026-03-29T00:00Z", "2026-03-29T23:00Z", "2026-03-30T23:00Z"]));
    expect(body).toMatchObject({ window: "day", tz: "Europe/Lisbon", total: 6 });
  });

  it("splits Europe/Lisbon's days across fall-back: 25 October 2026 has 25 hours, and its 01:00 hour comes twice", async () => {
    const days = await window("2026-10-24T23:00Z", "2026-10-27T00:00Z", "day", "Europe/Lisbon");
    expect(days.items).toEqual(expected(["2026-10-24T23:00Z", "2026-10-26T00:00Z", "2026-10-27T00:00Z"]));
    const hours = await window("2026-10-24T23:00Z", "2026-10-25T03:00Z", "hour", "Europe/Lisbon");
    expect(hours.items).toEqual(expected(["2026-10-24T23:00Z", "2026-10-25T00:00Z", "2026-10-25T01:00Z", "2026-10-25T02:00Z", "2026-10-25T03:00Z"]));
  });

  it("splits America/New_York's days across spring-forward (8 March, 23 hours) and fall-back (1 November, 25 hours)", async () => {
    const spring = await window("2026-03-07T05:00Z", "2026-03-10T04:00Z", "day", "America/New_York");
    expect(spring.items).toEqual(expected(["2026-03-07T05:00Z", "2026-03-08T05:00Z", "2026-03-09T04:00Z", "2026-03-10T04:00Z"]));
    const fall = await window("2026-10-31T04:00Z", "2026-11-02T05:00Z", "day", "America/New_York");
    expect(fall.items).toEqual(expected(["2026-10-31T04:00Z", "2026-11-01T04:00Z", "2026-11-02T05:00Z"]));
    // Spring-forward by the hour: 01:00 EST, then 03:00 EDT (02:00 never happens).
    const hours = await window("2026-03-08T06:00Z", "2026-03-08T08:00Z", "hour", "America/New_York");
    expect(hours.items).toEqual(expected(["2026-03-08T06:00Z", "2026-03-08T07:00Z", "2026-03-08T08:00Z"]));
  });

  it("clips the first and last buckets to [from, to), summing only what is inside", async () => {
    const body = await window("2026-10-31T12:00Z", "2026-11-01T12:15Z", "day", "America/New_York");
    expect(body.items).toEqual(expected(["2026-10-31T12:00Z", "2026-11-01T04:00Z", "2026-11-01T12:15Z"]));
  });

  it.each(["Asia/Kolkata", "Asia/Calcutta"])("answers a day of %s (+5:30) by day and by hour, each hour starting at :30 UTC", async (tz) => {
    const day = await window("2026-11-22T18:30Z", "2026-11-23T18:30Z", "day", tz);
    expect(day.items).toEqual(expected(["2026-11-22T18:30Z", "2026-11-23T18:30Z"]));
    expect(day.tz).toBe(tz);
    const hours = await window("2026-11-22T18:30Z", "2026-11-23T18:30Z", "hour", tz);
    const boundaries = Array.from({ length: 25 }, (_, h) => new Date(Date.parse("2026-11-22T18:30Z") + h * 3_600_000).toISOString());
    expect(hours.items).toEqual(expected(boundaries));
    expect(hours.total).toBe(48);
  });

  it.each(["Asia/Kathmandu", "Asia/Katmandu"])("answers a day of %s (+5:45) by day and by hour, each hour starting at :15 UTC", async (tz) => {
    const day = await window("2026-11-22T18:15Z", "2026-11-23T18:15Z", "day", tz);
    expect(day.items).toEqual(expected(["2026-11-22T18:15Z", "2026-11-23T18:15Z"]));
    // A UTC day seen from Kathmandu: the end of 23 November and the start of the 24th.
    const utcDay = await window("2026-11-23T00:00Z", "2026-11-24T00:00Z", "day", tz);
    expect(utcDay.items).toEqual(expected(["2026-11-23T00:00Z", "2026-11-23T18:15Z", "2026-11-24T00:00Z"]));
    const hours = await window("2026-11-22T18:15Z", "2026-11-22T21:15Z", "hour", tz);
    expect(hours.items).toEqual(expected(["2026-11-22T18:15Z", "2026-11-22T19:15Z", "2026-11-22T20:15Z", "2026-11-22T21:15Z"]));
  });

  it("answers September in Pacific/Chatham (+12:45, then +13:45 from 27 September) as one month, and its 23-hour day", async () => {
    const month = await window("2026-08-31T11:15Z", "2026-09-30T10:15Z", "month", "Pacific/Chatham");
    expect(month.items).toEqual(expected(["2026-08-31T11:15Z", "2026-09-30T10:15Z"]));
    const around = await window("2026-08-31T00:00Z", "2026-10-02T00:00Z", "month", "Pacific/Chatham");
    expect(around.items).toEqual(expected(["2026-08-31T00:00Z", "2026-08-31T11:15Z", "2026-09-30T10:15Z", "2026-10-02T00:00Z"]));
    const day = await window("2026-09-26T11:15Z", "2026-09-27T10:15Z", "day", "Pacific/Chatham");
    expect(day.items).toEqual(expected(["2026-09-26T11:15Z", "2026-09-27T10:15Z"]));
    // The hour of the change: 02:00–02:45 +12:45, then 03:45–04:00 +13:45 is what is left of the 03:00 hour.
    const hours = await window("2026-09-26T13:15Z", "2026-09-26T15:15Z", "hour", "Pacific/Chatham");
    expect(hours.items).toEqual(expected(["2026-09-26T13:15Z", "2026-09-26T14:00Z", "2026-09-26T14:15Z", "2026-09-26T15:15Z"]));
  });

  it("defaults to UTC, and without a window answers as before: one item per customer and type, no start or end", async () => {
    const utc = await stats("from=2026-11-23&to=2026-11-25&window=day");
    expect(utc.items).toEqual(expected(["2026-11-23T00:00Z", "2026-11-24T00:00Z", "2026-11-25T00:00Z"]));
    expect(utc.tz).toBe("UTC");
    const plain = await stats("from=2026-11-23&to=2026-11-25");
    expect(plain.items).toEqual(expected(["2026-11-23T00:00Z", "2026-11-25T00:00Z"]).map(({ start: _s, end: _e, ...rest }) => rest));
    expect(plain).not.toHaveProperty("window");
  });
});

describe("the zone's calendar agrees with Postgres's", () => {
  it.each([
    ["day", "Europe/Lisbon"],
    ["day", "America/New_York"],
    ["day", "Asia/Kolkata"],
    ["day", "Asia/Kathmandu"],
    ["day", "Pacific/Chatham"],
    ["day", "Australia/Lord_Howe"],
    ["month", "Pacific/Chatham"],
    ["month", "America/Santiago"],
    ["hour", "America/New_York"],
    ["hour", "Europe/Lisbon"],
    ["hour", "Asia/Kathmandu"],
    // Not Pacific/Chatham by the hour: when it falls back from 03:45 to 02:45, Postgres's date_trunc
    // folds 02:45–03:00 (+12:45) into the 03:00 hour (+13:45); its wall clock says hour 2, and so do we.
  ] as const)("by %s in %s over 2026", async (window, tz) => {
    const [from, to] = [Date.parse("2026-01-01T00:00Z"), Date.parse("2027-01-01T00:00Z")];
    // Postgres's buckets: where date_trunc in the zone changes from one quarter hour to the next.
    const { rows } = await sql<{ at: Date }>`
      SELECT t AS at FROM (
        SELECT t, date_trunc(${window}, t, ${tz}) AS b, lag(date_trunc(${window}, t, ${tz})) OVER (ORDER BY t) AS prev
        FROM generate_series(${new Date(from)}::timestamptz, ${new Date(to - Q)}::timestamptz, interval '15 minutes') t
      ) s WHERE prev IS NULL OR b <> prev ORDER BY t`.execute(database.db);
    const starts = bucketStarts(from, to, window, tz);
    expect(starts?.map((s) => new Date(s).toISOString())).toEqual(rows.map((r) => r.at.toISOString()));
  });
});

describe("a short interval without a window, read as a merge of its quarters", () => {
  // 30 customers × 2 types over the four quarters of 2026-12-01T10:00Z, each key missing from some of them.
  const HOUR = Date.parse("2026-12-01T10:00Z");
  const rows = Array.from({ length: 30 }, (_, i) => i + 10).flatMap((c) =>
    ["x", "y"].flatMap((type, t) => [0, 1, 2, 3].filter((k) => (c + k + t) % 3 !== 0).map((k) => ({ c, type, k, count: c + k, milli: c * 10 + k }))),
  );
  const wanted = (from: number, to: number) => {
    const sums = new Map<string, { customerId: number; type: string; count: number; milli: number }>();
    for (const r of rows.filter((r) => HOUR + r.k * Q >= from && HOUR + r.k * Q < to)) {
      const key = `${String(r.c).padStart(3, "0")}${r.type}`;
      const s = sums.get(key) ?? { customerId: r.c, type: r.type, count: 0, milli: 0 };
      sums.set(key, { ...s, count: s.count + r.count, milli: s.milli + r.milli });
    }
    return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => ({ customerId: s.customerId, type: s.type, count: s.count, totalAmount: money(s.milli) }));
  };

  beforeAll(async () => {
    const values = rows.map((r) => ({ quarter: new Date(HOUR + r.k * Q), customer_id: r.c, type: r.type, count: r.count, total: money(r.milli) }));
    await insertMessageRollup(database.db, values);
  });

  it.each([
    ["the hour", HOUR, HOUR + 4 * Q],
    ["its last half hour", HOUR + 2 * Q, HOUR + 4 * Q],
  ])("answers %s by page and by cursor as summed here", async (_what, from, to) => {
    const query = `from=${iso(new Date(from).toISOString())}&to=${iso(new Date(to).toISOString())}`;
    const expectedItems = wanted(from, to);
    expect(expectedItems.length).toBeGreaterThan(20);
    expect((await stats(`${query}&size=1000`)).items).toEqual(expectedItems);
    const byPage = [];
    for (let page = 1; page <= 20; page++) byPage.push(...(await stats(`${query}&size=7&page=${page}`)).items);
    expect(byPage).toEqual(expectedItems);
    const byCursor = [];
    let cursor: string | null = null;
    do {
      const body: Stats = await stats(`${query}&size=7${cursor ? `&cursor=${cursor}` : ""}`);
      expect(body.total).toBe(expectedItems.length);
      byCursor.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    expect(byCursor).toEqual(expectedItems);
    expect((await stats(`${query}&customerId=12&type=y`)).items).toEqual(expectedItems.filter((i) => i.customerId === 12 && i.type === "y"));
  });
});

describe("bucket counts", () => {
  it.each(["UTC", "America/New_York", "Asia/Kathmandu", "Pacific/Chatham"])("splits the leap year 2028 of %s into 8,784 hours, 366 days and 12 months", (tz) => {
    const from = { UTC: "2028-01-01T00:00Z", "America/New_York": "2028-01-01T05:00Z", "Asia/Kathmandu": "2027-12-31T18:15Z", "Pacific/Chatham": "2027-12-31T10:15Z" }[tz]!;
    const to = { UTC: "2029-01-01T00:00Z", "America/New_York": "2029-01-01T05:00Z", "Asia/Kathmandu": "2028-12-31T18:15Z", "Pacific/Chatham": "2028-12-31T10:15Z" }[tz]!;
    const count = (window: "hour" | "day" | "month") => bucketStarts(Date.parse(from), Date.parse(to), window, tz)?.length;
    // Chatham's changes cut two hours in two (02:00–02:45 and 03:45–04:00; 03:00–03:45 and 02:45–03:00).
    expect([count("hour"), count("day"), count("month")]).toEqual([tz === "Pacific/Chatham" ? 8_786 : 8_784, 366, 12]);
  });
});

describe("paging windowed answers", () => {
  const query = "from=2026-10-31T00:00Z&to=2026-11-03T00:00Z&window=hour&tz=America/New_York";

  it("walks every item once by cursor, the same items as by page, with the true total", async () => {
    const all = await stats(`${query}&size=1000`);
    expect(all.total).toBe(all.items.length);
    expect(all.items.length).toBeGreaterThan(100);
    const byPage = [];
    for (let page = 1; ; page++) {
      const body = await stats(`${query}&size=37&page=${page}`);
      expect(body.total).toBe(all.total);
      if (body.items.length === 0) break;
      byPage.push(...body.items);
    }
    const byCursor = [];
    let cursor: string | null = null;
    do {
      const body: Stats = await stats(`${query}&size=37${cursor ? `&cursor=${cursor}` : ""}`);
      expect(body.total).toBe(all.total);
      expect(body.page).toBe(cursor ? undefined : 1);
      byCursor.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    expect(byCursor).toEqual(all.items);
    expect(byPage).toEqual(all.items);
  });

  it("answers a page past the end with no items and the true total", async () => {
    const body = await stats(`${query}&size=50&page=999`);
    expect(body).toMatchObject({ items: [], page: 999, nextCursor: null });
    expect(body.total).toBeGreaterThan(100);
  });

  it("walks without a window by cursor too", async () => {
    const first = await stats("from=2026-01-01&to=2026-12-01&size=1");
    expect(first.items).toMatchObject([{ customerId: 1, type: "A" }]);
    const second = await stats(`from=2026-01-01&to=2026-12-01&size=1&cursor=${first.nextCursor}`);
    expect(second).toMatchObject({ items: [{ customerId: 2, type: "B" }], total: 2, nextCursor: null });
  });

  it.each([
    ["cursor", "a cursor with page", async () => `${query}&page=2&cursor=${(await stats(`${query}&size=1`)).nextCursor}`],
    ["cursor", "a cursor of another zone", async () => `${query.replace("America/New_York", "Europe/Lisbon")}&cursor=${(await stats(`${query}&size=1`)).nextCursor}`],
    ["cursor", "a cursor of another interval", async () => `${query.replace("2026-11-03", "2026-11-04")}&cursor=${(await stats(`${query}&size=1`)).nextCursor}`],
    ["cursor", "a cursor of another window", async () => `${query.replace("hour", "day")}&cursor=${(await stats(`${query}&size=1`)).nextCursor}`],
    ["cursor", "a cursor we did not hand out", async () => `${query}&cursor=WzEsImZvbyJd`],
  ])("answers 422 naming %s for %s", async (field, _what, build) => {
    const problem = await expectProblem(await get(await build()), 422);
    expect(problem.errors?.map((e) => e.path)).toEqual([field]);
  });
});

describe("from and to on the quarter-hour grid", () => {
  it("takes any instant on the quarter-hour grid for from and to, with or without an offset", async () => {
    const body = await stats("from=2026-11-23T05:45:00Z&to=2026-11-23T12:30%2B05:30");
    expect(body.items).toEqual(expected(["2026-11-23T05:45Z", "2026-11-23T07:00Z"]).map(({ start: _s, end: _e, ...rest }) => rest));
  });
});
