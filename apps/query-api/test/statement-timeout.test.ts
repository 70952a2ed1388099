import { STATEMENT_CANCELLED } from "@tally/shared/http";
import { createTestDatabase, eventually, expectProblem, type TestDatabase } from "@tally/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveQueryApi } from "./serve-query-api.js";

// QUERY_STATEMENT_TIMEOUT_MS bounds what one request holds: a pool connection and a Postgres core.
// Without it, a statement that waits or works for minutes holds both for minutes.

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

/**
 * Resolves once no session of this database but the asking one runs a statement (a cancelled query's
 * parallel workers take a moment to go), or fails after a second.
 */
async function untilPostgresIsIdle(): Promise<void> {
  await eventually(
    async () => {
      const { rows } = await sql<{ n: string }>`
        SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'`.execute(database.db);
      return Number(rows[0]!.n) === 0 ? true : undefined;
    },
    1_000,
    "Postgres to stop working on the cancelled request",
  );
}

describe("a statement held past the limit", () => {
  it("is cancelled and answered 503 at the limit, while other requests are served", async () => {
    const server = await serveQueryApi(database.url, { statementTimeoutMs: 300 });
    let unlock!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    // A lock nothing releases for the test's length: a statement that must wait for it never ends on its own.
    const holder = database.db.transaction().execute(async (trx) => {
      await sql`LOCK TABLE message_rollup IN ACCESS EXCLUSIVE MODE`.execute(trx);
      locked();
      await new Promise<void>((resolve) => (unlock = resolve));
    });
    try {
      await isLocked;
      const started = performance.now();
      const waiting = fetch(`${server.url}/v1/stats/messages?customerId=1&from=2026-01-01&to=2026-01-02`, { signal: AbortSignal.timeout(10_000) });
      // The waiting request holds one connection of the pool; the others still answer.
      const other = await fetch(`${server.url}/v1/stats/domains/top?window=hour`);
      expect(other.status).toBe(200);
      const res = await waiting;
      const elapsed = performance.now() - started;
      const problem = await expectProblem(res, 503);
      expect(problem.detail).toBe(STATEMENT_CANCELLED);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(elapsed).toBeLessThan(5_000);
      // Postgres itself stopped: no session is left waiting for the lock.
      await untilPostgresIsIdle();
    } finally {
      unlock();
      await holder;
      await server.close();
    }
  });
});

describe("the costliest request within the limits", () => {
  it("every customer for a year by hour is cut at the limit, and Postgres stops working on it", async () => {
    // 100 customers in every quarter hour of a month: ~300,000 rows, which this request groups whole
    // (a few hundred ms here, against a limit of 50 ms).
    await sql`INSERT INTO message_rollup (customer_id, type, quarter, count, total)
      SELECT c, 'A', q, 1, 1.5 FROM generate_series(1, 100) c,
        generate_series(timestamptz '2026-01-01', timestamptz '2026-01-31 23:45Z', interval '15 minutes') q`.execute(database.db);
    await sql`ANALYZE message_rollup`.execute(database.db);
    const limited = await serveQueryApi(database.url, { statementTimeoutMs: 50 });
    const unlimited = await serveQueryApi(database.url);
    try {
      const path = "/v1/stats/messages?from=2026-01-01&to=2027-01-01&window=hour";
      const problem = await expectProblem(await fetch(`${limited.url}${path}`), 503);
      expect(problem.detail).toBe(STATEMENT_CANCELLED);
      await untilPostgresIsIdle();
      // The same request without the limit is answered: it is the limit that cut it, not the data.
      const answered = await fetch(`${unlimited.url}${path}`);
      expect(answered.status).toBe(200);
      expect(((await answered.json()) as { total: number }).total).toBeGreaterThan(0);
    } finally {
      await limited.close();
      await unlimited.close();
    }
  });
});
