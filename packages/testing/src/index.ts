import { randomUUID } from "node:crypto";
import type { RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { loadConfig, type Config } from "@tally/shared/config";
import { createDb, migrateTo, type Database } from "@tally/shared/db";
import { createHttpServer } from "@tally/shared/http";
import { createLogger } from "@tally/shared/logger";
import { Redis } from "ioredis";
import { sql, type Kysely } from "kysely";
import pg from "pg";

/** The servers tests run against: the machine's Postgres and Redis unless the environment says otherwise. */
const SERVER_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface TestDatabase {
  url: string;
  db: Kysely<Database>;
  /** Closes the handle and drops the database, even with connections still open elsewhere. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of its own for one test file, so files run in parallel. `upTo` stops at
 * that migration: a database as an older release left it.
 */
export async function createTestDatabase(serverUrl = SERVER_URL, { upTo }: { upTo?: string } = {}): Promise<TestDatabase> {
  const name = `tally_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  const url = withDatabase(serverUrl, name);
  const db = createDb(url, { max: 4 });
  await migrateTo(db, upTo);
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      await admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** A queue prefix of its own for one test file; `clear` removes every key under it. */
export function createTestRedis(url = REDIS_URL): { url: string; prefix: string; clear(): Promise<void> } {
  const prefix = `test-${randomUUID()}`;
  return {
    url,
    prefix,
    async clear() {
      const redis = new Redis(url);
      try {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
          cursor = next;
          if (keys.length > 0) await redis.unlink(...keys);
        } while (cursor !== "0");
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** Configuration as the apps would load it, pointed at a test's own database and queue prefix. */
export function testConfig(overrides: Record<string, string>): Config {
  return loadConfig({ LOG_LEVEL: "silent", REDIS_URL, ...overrides });
}

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Serves an app on a free loopback port for one test file, on the same kind of server the apps use. */
export async function listen(app: RequestListener): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const server = createHttpServer(app, createLogger("test", "silent"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
export { cheapestOf, measureCost, type Cost, type CostBudget } from "./cost.js";
export { startLatencyProbe, type ProbeResult } from "./latency-probe.js";
export { expectProblem, type Problem } from "./problem.js";
export { rawHttp, type RawHttpOptions, type RawResponse } from "./raw-http.js";
export { freePort, startApp, waitForLog, type AppName, type AppProcess } from "./processes.js";
export { startSystem, type System, type SystemOptions } from "./system.js";

/** Runs SQL (several statements allowed) on a database by URL, on a connection of its own. */
export async function runSql(url: string, statements: string): Promise<void> {
  const db = createDb(url, { max: 1 });
  try {
    await sql.raw(statements).execute(db);
  } finally {
    await db.destroy();
  }
}
