import { migrateToLatest } from "@tally/shared/db";
import { sql } from "kysely";
import { HOUR_MS, QUARTER_HOUR_MS } from "@tally/shared/time";
import { createTestDatabase, freePort, startApp, type TestDatabase } from "@tally/testing";
import pg from "pg";
import type { Driver } from "./driver.js";
import { dropIndexes } from "./load-dataset.js";
import { measureRawPostgres, type RawResult, type RawShape } from "./measure-raw-postgres.js";
import type { QueryResult } from "./measure-queries.js";
import type { GrainSizes } from "./sizes.js";
import { untilReady } from "./start-system.js";

/**
 * Messages rolled up per hour (before migration 0011) against per quarter hour (after), on the same
 * messages: a database as the previous release left it (migrated up to 0010, then to the latest, which
 * only renames a column, as an upgrade does) with hourly rows, and a new one with the same messages in
 * quarter-hour rows (up to four per hour and key). Each side gets its own query API process; the same
 * code answers both, so what differs is what it reads. The fold runs the worker's statement on each,
 * messages dated to the hour or the quarter.
 */
type Grain = "hour" | "quarter";

interface GrainSide {
  grain: Grain;
  rows: number;
  loadSeconds: number;
  fold: RawResult;
  queries: QueryResult[];
}

export interface GrainResult {
  customers: number;
  days: number;
  sides: GrainSide[];
}

/** Where the dataset starts: a Monday 1 June, far from anything the other phases write. */
const FROM = Date.parse("2020-06-01T00:00:00Z");
const CONNECTIONS = 2;
const iso = (ms: number) => new Date(ms).toISOString();

export async function measureGrain(driver: Driver, sizes: GrainSizes, foldShape: RawShape, log: (m: string) => void): Promise<GrainResult> {
  const sides: GrainSide[] = [];
  for (const grain of ["hour", "quarter"] as const) {
    const database = await createTestDatabase(undefined, { upTo: grain === "hour" ? "0010-failed-jobs-in-watermarks" : undefined });
    try {
      const started = performance.now();
      const rows = await loadMessages(database, grain, sizes);
      const loadSeconds = (performance.now() - started) / 1000;
      log(`grain ${grain}: ${rows.toLocaleString("en")} rollup rows loaded in ${loadSeconds.toFixed(0)} s`);
      const queries = await measureSide(driver, database.url, sizes);
      for (const q of queries) log(`grain ${grain}, ${q.name}: p50 ${q.latency.p50.toFixed(2)} ms, p99 ${q.latency.p99.toFixed(2)} ms`);
      const fold = await measureRawPostgres(database.db, "messages", 40_000_000, sizes.foldSeconds, foldShape, grain === "hour" ? HOUR_MS : QUARTER_HOUR_MS);
      log(`grain ${grain}, fold: ${Math.round(fold.eventsPerSecond)} events/s`);
      sides.push({ grain, rows, loadSeconds, fold, queries });
    } finally {
      await database.drop();
    }
  }
  return { customers: sizes.customers, days: sizes.days, sides };
}

/**
 * The same messages either way: every customer has 4 types, each with 1–3 messages in every quarter
 * hour of `days` days; the hourly side holds each hour's four quarters summed, in the `hour` column
 * the previous release had, and is then migrated as an upgrade would.
 */
async function loadMessages(database: TestDatabase, grain: Grain, { customers, days }: GrainSizes): Promise<number> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query("SET synchronous_commit = off; SET maintenance_work_mem = '512MB'; SET TimeZone = 'UTC'");
    const restore = await dropIndexes(client, "message_rollup");
    const quarters = `SELECT q, c, t, 1 + (c + q) % 3 AS count, ((c * 31 + q) % 1000) / 1000.0 AS total
      FROM generate_series(0, $2::int * 96 - 1) q, generate_series(1, $3::int) c, unnest(ARRAY['A', 'B', 'C', 'D']) t`;
    await client.query(
      grain === "hour"
        ? `INSERT INTO message_rollup (hour, customer_id, type, count, total)
           SELECT to_timestamp($1::bigint / 1000) + (q / 4) * interval '1 hour', c, t, sum(count), sum(total) FROM (${quarters}) m GROUP BY q / 4, c, t`
        : `INSERT INTO message_rollup (quarter, customer_id, type, count, total)
           SELECT to_timestamp($1::bigint / 1000) + q * interval '15 minutes', c, t, count, total FROM (${quarters}) m`,
      [FROM, days, customers],
    );
    await restore(client);
    // The worker records each hour's pairs as it folds (the hourly side gets them from its upgrade).
    if (grain === "quarter") {
      await client.query(
        `INSERT INTO message_hour_keys (hour, customer_id, type)
         SELECT to_timestamp($1::bigint / 1000) + h * interval '1 hour', c, t
         FROM generate_series(0, $2::int * 24 - 1) h, generate_series(1, $3::int) c, unnest(ARRAY['A', 'B', 'C', 'D']) t`,
        [FROM, days, customers],
      );
    }
    await client.query(`VACUUM (ANALYZE) message_rollup${grain === "quarter" ? ", message_hour_keys" : ""}`);
  } finally {
    await client.end();
  }
  if (grain === "hour") {
    await migrateToLatest(database.db);
    // The upgrade filled message_hour_keys: as autovacuum would, before it is read.
    await sql`VACUUM (ANALYZE) message_hour_keys`.execute(database.db);
  }
  return customers * 4 * days * (grain === "hour" ? 24 : 96);
}

/** The query API on this side's database, timed on the messages questions of before and after. */
async function measureSide(driver: Driver, databaseUrl: string, { customers, days, querySeconds }: GrainSizes): Promise<QueryResult[]> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = await untilReady("query-api", startApp("query-api", { DATABASE_URL: databaseUrl, QUERY_PORT: String(port), LOG_LEVEL: "warn" }), url);
  try {
    const pick = (n: number) => 1 + Math.floor(Math.random() * n);
    const many = (make: () => string) => Array.from({ length: 1_000 }, make);
    /** `from` and `to` of a random day of the dataset, and the filter `extra`. */
    const oneDay = (extra = "") => {
      const from = FROM + (pick(days) - 1) * 24 * HOUR_MS;
      return `/v1/stats/messages?from=${iso(from)}&to=${iso(from + 24 * HOUR_MS)}${extra}`;
    };
    const cases = [
      {
        // America/New_York's June: its days start at 04:00 UTC, on the hourly grid, so both sides answer exactly.
        name: "one customer's month by day (America/New_York)",
        paths: many(() => `/v1/stats/messages?from=2020-06-01T04:00Z&to=2020-07-01T04:00Z&customerId=${pick(customers)}&window=day&tz=America/New_York`),
      },
      { name: "every customer, one day by hour, page 1", paths: many(() => oneDay("&window=hour")) },
      { name: "one customer, one day (no window)", paths: many(() => oneDay(`&customerId=${pick(customers)}`)) },
      {
        name: "every customer, one hour, page 1 (no window)",
        paths: many(() => {
          const from = FROM + (pick(days * 24) - 1) * HOUR_MS;
          return `/v1/stats/messages?from=${iso(from)}&to=${iso(from + HOUR_MS)}`;
        }),
      },
    ];
    // A fresh process: a few requests of each case first, so that neither side is timed while the JIT warms up.
    for (const c of cases) for (const path of c.paths.slice(0, 20)) await fetch(`${url}${path}`).then((r) => r.arrayBuffer());
    const results: QueryResult[] = [];
    for (const c of cases) {
      const load = await driver.run("load", { url, connections: CONNECTIONS, seconds: querySeconds, get: c.paths }, (querySeconds + 60) * 1000);
      results.push({ name: c.name, path: c.paths[0] ?? "", requestsPerSecond: load.ok / load.seconds, latency: load.latency, non2xx: load.non2xx + load.errors });
    }
    return results;
  } finally {
    await app.stop("SIGKILL");
  }
}
