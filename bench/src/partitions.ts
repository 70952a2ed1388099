import { createPartitionsAhead, dropExpiredPartitions, ensurePartitions, timePartitionedTables } from "@tally/aggregator-worker/partitions";
import { loadConfig } from "@tally/shared/config";
import { MAX_EVENTS_PER_JOB } from "@tally/shared/jobs";
import { DAY_MS } from "@tally/shared/time";
import { createTestDatabase, type TestDatabase } from "@tally/testing";
import { sql } from "kysely";
import { measureRawPostgres, type RawKind } from "./measure-raw-postgres.js";

/**
 * `pnpm --filter @tally/bench partitions [--quick]`: what time partitioning (migration 0007) costs the
 * worker's fold statements and saves retention. Two private databases, one as release 0006 left it
 * (plain tables, the job ledgers given a queued_at column) and one partitioned, take the same batches in turns; then each loses one day of
 * per-minute rollups, by DELETE on the plain one and by dropping the partition on the other.
 * Assumes `pnpm build` has run.
 */
const quick = process.argv.includes("--quick");
const FOLD_SECONDS = quick ? 2 : 10;
const ROUNDS = quick ? 1 : 3;
const EXPIRED_ROWS = quick ? 100_000 : 2_000_000;

const config = loadConfig({ REDIS_URL: "redis://unused" });
const databases: TestDatabase[] = [];
try {
  const plain = await createTestDatabase(undefined, { upTo: "0006-fold-watermarks" });
  databases.push(plain);
  // The fold statements name queued_at: give the plain ledgers the column, not the partitions.
  for (const ledger of ["counter_job_ledger", "flow_job_ledger"]) {
    await sql`ALTER TABLE ${sql.table(ledger)} ADD COLUMN queued_at timestamptz`.execute(plain.db);
  }
  const partitioned = await createTestDatabase();
  databases.push(partitioned);
  await createPartitionsAhead(partitioned.db, Date.now(), config);

  const shape = { eventsPerJob: MAX_EVENTS_PER_JOB, jobsPerBatch: config.WORKER_CONCURRENCY };
  const nowSecond = Math.floor(Date.now() / 1000);
  for (const kind of ["messages", "counters", "flows"] as const satisfies readonly RawKind[]) {
    const rates: Record<string, number[]> = { plain: [], partitioned: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, target] of [["plain", plain], ["partitioned", partitioned]] as const) {
        // Counters dated now, so they land in the partitions made ahead rather than the DEFAULT one.
        const base = kind === "counters" ? nowSecond : 7_000_000 + round * 1_000_000;
        const result = await measureRawPostgres(target.db, kind, base, FOLD_SECONDS, shape);
        rates[name]!.push(result.eventsPerSecond);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      `fold ${kind}: plain ${Math.round(median(rates.plain!))} events/s, partitioned ${Math.round(median(rates.partitioned!))} events/s ` +
        `(${(median(rates.partitioned!) / median(rates.plain!)).toFixed(2)}×; runs ${JSON.stringify(rates, (_, v: unknown) => (typeof v === "number" ? Math.round(v) : v))})`,
    );
  }

  // One expired day of minute rollups in each, beside the rows that stay.
  const expiredDay = Date.now() - 10 * DAY_MS;
  const spec = timePartitionedTables(config).find((s) => s.table === "domain_minute")!;
  await ensurePartitions(partitioned.db, spec, expiredDay);
  for (const target of [plain, partitioned]) {
    await sql`
      INSERT INTO domain_minute (minute, domain, requests)
      SELECT ${new Date(expiredDay)}::timestamptz + (i % 1440) * interval '1 minute', 'd' || (i / 1440) || '.example', i
      FROM generate_series(0, ${EXPIRED_ROWS - 1}) AS i`.execute(target.db);
    await sql`VACUUM ANALYZE domain_minute`.execute(target.db);
  }
  const cutoff = new Date(Date.now() - config.COUNTER_MINUTE_RETENTION_DAYS * DAY_MS);
  let started = performance.now();
  const deleted = await sql`DELETE FROM domain_minute WHERE minute < ${cutoff}`.execute(plain.db);
  const deleteMs = performance.now() - started;
  started = performance.now();
  const dropped = await dropExpiredPartitions(partitioned.db, spec, Date.now());
  const dropMs = performance.now() - started;
  console.log(
    `retention of ${EXPIRED_ROWS} minute rows: DELETE ${Math.round(deleteMs)} ms (${deleted.numAffectedRows} rows, leaving dead tuples for vacuum); ` +
      `partition drop ${Math.round(dropMs)} ms (${dropped.dropped.join(", ")})`,
  );
} finally {
  await Promise.all(databases.map((d) => d.drop()));
}
