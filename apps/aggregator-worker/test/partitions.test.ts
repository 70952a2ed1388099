import { createTestDatabase, type TestDatabase } from "@tally/testing";
import { migrateTo, migrateToLatest, type Database } from "@tally/shared/db";
import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countNewCounterJobs, type DomainCountRow } from "../src/counters/counters.repository.js";
import type { LedgerJob } from "../src/job-ledger.js";
import {
  dropExpiredPartitions,
  ensurePartitions,
  listPartitions,
  nextPeriod,
  partitionName,
  periodStart,
  timePartitionedTables,
  type TimePartitioned,
} from "../src/partitions.js";
import { createPartitionsAhead } from "../src/partitions.js";
import { pruneExpired } from "../src/prune-expired.js";

const DAY = 86_400_000;
const RETENTION = {
  MESSAGE_LEDGER_RETENTION_DAYS: 30,
  COUNTER_MINUTE_RETENTION_DAYS: 7,
  COUNTER_HOUR_RETENTION_DAYS: 90,
  JOB_LEDGER_RETENTION_DAYS: 7,
  PRODUCT_UPLOAD_RETENTION_DAYS: 7,
};
const SPECS = timePartitionedTables(RETENTION);
const spec = (table: string): TimePartitioned => SPECS.find((s) => s.table === table)!;
const TODAY = periodStart(Date.now(), "day");

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

/** Which partition each row of `table` lives in, with the row's time. */
async function rowsByPartition(table: string, column: string, db: Kysely<Database> = database.db) {
  const { rows } = await sql<{ partition: string; at: Date }>`
    SELECT tableoid::regclass::text AS partition, ${sql.ref(column)} AS at FROM ${sql.table(table)} ORDER BY 2`.execute(db);
  return rows.map((r) => ({ partition: r.partition, at: r.at.getTime() }));
}

/** One counters job: `requests` requests for `domain` in the minute starting at `minuteMs`. */
function counterJob(jobId: string, queuedAt: number, minuteMs: number, domain = "a.example", requests = 1) {
  const jobs: LedgerJob[] = [{ jobId, queuedAt }];
  const rows: DomainCountRow[] = [{ job_id: jobId, minute: minuteMs / 1000, domain, requests }];
  return [jobs, rows] as const;
}

describe("time partitions on a new database", () => {
  it("partitions the rollups and job ledgers by time, each with a DEFAULT partition and today's", async () => {
    const { rows } = await sql<{ table: string; strategy: string; key: string }>`
      SELECT c.relname AS table, p.partstrat AS strategy, a.attname AS key
      FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
      JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
      ORDER BY 1`.execute(database.db);
    expect(rows).toEqual([
      { table: "counter_job_ledger", strategy: "r", key: "queued_at" },
      { table: "domain_hour", strategy: "r", key: "hour" },
      { table: "domain_minute", strategy: "r", key: "minute" },
      { table: "flow_job_ledger", strategy: "r", key: "queued_at" },
      { table: "message_rollup", strategy: "r", key: "quarter" },
    ]);
    for (const s of SPECS) {
      const names = (await listPartitions(database.db, s.table)).map((p) => p.name);
      expect(names).toContain(`${s.table}_default`);
      expect(names).toContain(partitionName(s.table, periodStart(Date.now(), s.span), s.span));
      // A new install has nothing to adopt.
      expect(names).not.toContain(`${s.table}_legacy`);
    }
  });

  it("creates the partitions ahead once, however many workers ask at the same time", async () => {
    const now = TODAY + 40 * DAY;
    const results = await Promise.allSettled([1, 2, 3].map(() => createPartitionsAhead(database.db, now, RETENTION)));
    const created = results.flatMap((r) => (r.status === "fulfilled" ? r.value : []));
    // A worker that timed out on a lock tries again on its next pass: what matters is the end state.
    expect(new Set(created).size).toBe(created.length);
    expect(await createPartitionsAhead(database.db, now, RETENTION)).toEqual(
      results.every((r) => r.status === "fulfilled") ? [] : expect.any(Array),
    );
    const minute = (await listPartitions(database.db, "domain_minute")).map((p) => p.name);
    for (let d = 0; d <= 3; d++) expect(minute).toContain(partitionName("domain_minute", now + d * DAY, "day"));
    expect(minute).not.toContain(partitionName("domain_minute", now + 4 * DAY, "day"));
    const hour = (await listPartitions(database.db, "domain_hour")).map((p) => p.name);
    const month = periodStart(now, "month");
    expect(hour).toEqual(expect.arrayContaining([partitionName("domain_hour", month, "month"), partitionName("domain_hour", nextPeriod(month, "month"), "month")]));
  });

  it("moves rows the DEFAULT partition caught into the partition made for them, still counted once", async () => {
    const { db } = database;
    const day = TODAY + 100 * DAY;
    const [jobs, rows] = counterJob("late-job", day + 3_600_000, day + 600_000, "moved.example", 5);
    expect(await countNewCounterJobs(db, jobs, rows)).toBe(1);
    expect((await rowsByPartition("domain_minute", "minute")).filter((r) => r.at === day + 600_000)).toEqual([
      { partition: "domain_minute_default", at: day + 600_000 },
    ]);

    expect(await ensurePartitions(db, spec("domain_minute"), day)).toContain(partitionName("domain_minute", day, "day"));
    await ensurePartitions(db, spec("counter_job_ledger"), day);

    expect((await rowsByPartition("domain_minute", "minute")).filter((r) => r.at === day + 600_000)).toEqual([
      { partition: partitionName("domain_minute", day, "day"), at: day + 600_000 },
    ]);
    expect((await rowsByPartition("counter_job_ledger", "queued_at")).filter((r) => r.at === day + 3_600_000)).toEqual([
      { partition: partitionName("counter_job_ledger", day, "day"), at: day + 3_600_000 },
    ]);
    // The same job delivered again after the move: its ledger row moved with it, so it counts nothing.
    expect(await countNewCounterJobs(db, jobs, rows)).toBe(0);
    const { rows: counted } = await sql<{ requests: string }>`SELECT requests FROM domain_minute WHERE domain = 'moved.example'`.execute(db);
    expect(counted).toEqual([{ requests: "5" }]);
  });

  it("counts exactly while partitions are created under the folds", async () => {
    const { db } = database;
    // A few rounds, each on a day of its own: one round catches a race most of the time, not always.
    for (const day of [200, 201, 202, 203, 204, 205, 206, 207].map((d) => TODAY + d * DAY)) {
      const domain = `race-${day}.example`;
      const batches = Array.from({ length: 40 }, (_, i) => counterJob(`${domain}-${i}`, day + i * 60_000, day + i * 60_000, domain, i + 1));
      const folds = Promise.all(batches.map(([jobs, rows]) => countNewCounterJobs(db, jobs, rows)));
      // Lock timeouts are tolerated (the next pass retries), so keep asking until it is done.
      const creating = (async () => {
        for (let attempt = 0; attempt < 20; attempt++) {
          try {
            await ensurePartitions(db, spec("domain_minute"), day);
            await ensurePartitions(db, spec("counter_job_ledger"), day);
            return;
          } catch (error) {
            if ((error as { code?: string }).code !== "55P03") throw error;
          }
        }
      })();
      const [fresh] = await Promise.all([folds, creating]);
      expect(fresh.every((n) => n === 1)).toBe(true);
      // Every batch delivered again: nothing more.
      expect(await Promise.all(batches.map(([jobs, rows]) => countNewCounterJobs(db, jobs, rows)))).toEqual(batches.map(() => 0));
      const { rows } = await sql<{ total: string; partitions: string[] }>`
        SELECT sum(requests)::text AS total, array_agg(DISTINCT tableoid::regclass::text) AS partitions
        FROM domain_minute WHERE domain = ${domain}`.execute(db);
      expect(rows[0]).toEqual({ total: String((40 * 41) / 2), partitions: [partitionName("domain_minute", day, "day")] });
    }
  });

  it("drops partitions wholly past retention and deletes the DEFAULT partition's late rows, nothing newer", async () => {
    const { db } = database;
    const now = TODAY + 300 * DAY + 12 * 3_600_000;
    const today = periodStart(now, "day");
    // Partitions from 10 days back: the days -10 … -7 exist, -6 does not (its rows go to DEFAULT).
    await createPartitionsAhead(db, now - 10 * DAY, RETENTION);
    await db.insertInto("domain_minute").values([
      { minute: new Date(today - 10 * DAY + 60_000), domain: "dropped", requests: "1" },
      { minute: new Date(today - 7 * DAY + 60_000), domain: "kept-in-partition", requests: "1" },
      { minute: new Date(today - 6 * DAY + 60_000), domain: "kept-in-default", requests: "1" },
      { minute: new Date(today - 30 * DAY), domain: "late-in-default", requests: "1" },
    ]).execute();
    await db.insertInto("counter_job_ledger").values([
      { job_id: "expired-job", queued_at: new Date(today - 9 * DAY) },
      { job_id: "late-job", queued_at: new Date(today - 40 * DAY) },
      { job_id: "kept-job", queued_at: new Date(today - 6 * DAY) },
    ]).execute();
    await db.insertInto("message_rollup").values({ quarter: new Date(today - 10 * DAY), customer_id: 1, type: "kept-for-ever", count: 1, total: "1.000" }).execute();

    const pruned = await pruneExpired(db, now, RETENTION);

    for (const d of [10, 9, 8]) {
      expect(pruned.droppedPartitions).toContain(partitionName("domain_minute", today - d * DAY, "day"));
      expect(pruned.droppedPartitions).toContain(partitionName("counter_job_ledger", today - d * DAY, "day"));
    }
    // Day -7 ends after the cut-off (now - 7 days): it stays, whole, until its last row has expired.
    expect(pruned.droppedPartitions).not.toContain(partitionName("domain_minute", today - 7 * DAY, "day"));
    expect(pruned.droppedPartitions.filter((n) => n.startsWith("message_rollup"))).toEqual([]);
    expect(pruned.lateRows).toBeGreaterThanOrEqual(2);
    const left = await sql<{ t: string; k: string }>`
      SELECT 'minute' AS t, domain AS k FROM domain_minute WHERE minute < ${new Date(today)} UNION ALL
      SELECT 'job', job_id FROM counter_job_ledger WHERE queued_at < ${new Date(today)} UNION ALL
      SELECT 'message', type FROM message_rollup ORDER BY 1, 2`.execute(db);
    expect(left.rows).toEqual([
      { t: "job", k: "kept-job" },
      { t: "message", k: "kept-for-ever" },
      { t: "minute", k: "kept-in-default" },
      { t: "minute", k: "kept-in-partition" },
    ]);
    // Once past retention, the partition goes too; a second pass finds nothing more.
    expect(await dropExpiredPartitions(db, spec("domain_minute"), now + DAY)).toEqual({
      dropped: [partitionName("domain_minute", today - 7 * DAY, "day")],
      lateRows: 1, // kept-in-default, now past retention too
    });
    expect(await dropExpiredPartitions(db, spec("domain_minute"), now + DAY)).toEqual({ dropped: [], lateRows: 0 });
  });
});

describe("migration 0007 on a database an earlier release filled", () => {
  let old: TestDatabase;
  const hour = (ms: number) => new Date(Math.floor(ms / 3_600_000) * 3_600_000);
  const now = Date.now();

  beforeAll(async () => {
    old = await createTestDatabase(undefined, { upTo: "0006-fold-watermarks" });
    const { db } = old;
    await db.insertInto("domain_minute").values([
      { minute: new Date(TODAY - 3 * DAY), domain: "old", requests: "1" },
      { minute: hour(now), domain: "current", requests: "2" },
      { minute: new Date(TODAY + 400 * DAY), domain: "ahead", requests: "3" },
    ]).execute();
    await db.insertInto("domain_hour").values([
      { hour: new Date(TODAY - 100 * DAY), domain: "old", requests: "4" },
      { hour: hour(now), domain: "current", requests: "5" },
    ]).execute();
    // As release 0006 had it: an `hour` column (0011 renames it).
    await sql`INSERT INTO message_rollup (hour, customer_id, type, count, total)
      VALUES (${new Date(TODAY - 100 * DAY)}, 1, 'old', 1, 1.500), (${hour(now)}, 1, 'current', 2, 2.250)`.execute(db);
    // As release 0006 wrote them: no queued_at yet.
    await sql`INSERT INTO counter_job_ledger (job_id) VALUES ('folded-before-the-upgrade')`.execute(db);
    await sql`INSERT INTO flow_job_ledger (job_id) VALUES ('flow-job-before')`.execute(db);
  });
  afterAll(() => old.drop());

  it("keeps every row, old ones in a legacy partition and the current period's in the new ones", async () => {
    const snapshot = () =>
      sql`
        SELECT 'minute' AS t, minute::text AS at, domain AS k, requests::text AS v FROM domain_minute UNION ALL
        SELECT 'hour', hour::text, domain, requests::text FROM domain_hour UNION ALL
        SELECT 'message', hour::text, customer_id || '/' || type, count || '/' || total FROM message_rollup UNION ALL
        SELECT 'jobs', NULL, job_id, NULL FROM counter_job_ledger UNION ALL
        SELECT 'jobs', NULL, job_id, NULL FROM flow_job_ledger
        ORDER BY 1, 2, 3`.execute(old.db);
    const before = (await snapshot()).rows;

    // Up to the release before 0011, so the snapshot still reads the `hour` column.
    await migrateTo(old.db, "0010-failed-jobs-in-watermarks");

    expect((await snapshot()).rows).toEqual(before);
    const minute = await rowsByPartition("domain_minute", "minute", old.db);
    expect(minute).toEqual([
      { partition: "domain_minute_legacy", at: TODAY - 3 * DAY },
      { partition: partitionName("domain_minute", TODAY, "day"), at: hour(now).getTime() },
      { partition: "domain_minute_default", at: TODAY + 400 * DAY },
    ]);
    const legacy = (await listPartitions(old.db, "domain_minute")).find((p) => p.name === "domain_minute_legacy")!;
    expect(legacy).toEqual({ name: "domain_minute_legacy", isDefault: false, from: -Infinity, to: TODAY });
  });

  it("counts a job folded before the upgrade once when it is delivered again after it", async () => {
    const [jobs, rows] = counterJob("folded-before-the-upgrade", TODAY - 60_000, TODAY - 60_000, "again.example");
    expect(await countNewCounterJobs(old.db, jobs, rows)).toBe(0);
    const [newJobs, newRows] = counterJob("queued-after", now, TODAY, "again.example");
    expect(await countNewCounterJobs(old.db, newJobs, newRows)).toBe(1);
    expect(await countNewCounterJobs(old.db, newJobs, newRows)).toBe(0);
  });

  it("drops the legacy partitions once the retention has passed the cut-over, never message_rollup's", async () => {
    const pruned = await pruneExpired(old.db, TODAY + 8 * DAY, RETENTION);
    expect(pruned.droppedPartitions).toEqual(expect.arrayContaining(["domain_minute_legacy", "counter_job_ledger_legacy", "flow_job_ledger_legacy"]));
    expect(pruned.droppedPartitions).not.toContain("domain_hour_legacy");
    expect(pruned.droppedPartitions).not.toContain("message_rollup_legacy");
    const { rows } = await sql<{ type: string }>`SELECT type FROM message_rollup ORDER BY type`.execute(old.db);
    expect(rows).toEqual([{ type: "current" }, { type: "old" }]);
  });

  it("goes back to plain tables, every row kept, when migrated down", async () => {
    const count = async () =>
      (
        await sql<{ n: string }>`
          SELECT (SELECT count(*) FROM domain_minute) + (SELECT count(*) FROM domain_hour) +
                 (SELECT count(*) FROM message_rollup) + (SELECT count(*) FROM counter_job_ledger) AS n`.execute(old.db)
      ).rows[0]!.n;
    const before = await count();
    await migrateTo(old.db, "0006-fold-watermarks");
    expect(await count()).toBe(before);
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM pg_partitioned_table`.execute(old.db);
    expect(rows).toEqual([{ n: "0" }]);
    // And up again, as a redeploy would.
    await migrateToLatest(old.db);
    expect(await count()).toBe(before);
  });
});
