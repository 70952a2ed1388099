import type { Database } from "@tally/shared/db";
import type { Kysely } from "kysely";
import pg from "pg";
import type { Driver } from "./driver.js";
import { DATASET, dropIndexes } from "./load-dataset.js";
import { measureQueries, type QueryResult } from "./measure-queries.js";
import { measureRawPostgres, type RawResult, type RawShape } from "./measure-raw-postgres.js";
import { FULL, type Sizes } from "./sizes.js";

/**
 * `pnpm bench --scale`: how cost grows with data. The message rollup grows to each size in turn, the
 * uuid ledger with it (a message's uuid is kept as long as its ledger retention, so the ledger is the
 * table that grows fastest), and at each size the worker's own fold statements and the messages
 * queries are timed again. Customers and types stay fixed (10,000 × 4) and the hours grow, so every
 * query reads the same number of rows at every size: what changes is only the size of the tables and
 * indexes it reads them from.
 */
export const SCALE_ROWS = [1_000_000, 10_000_000, 100_000_000] as const;
const CUSTOMERS = 10_000;
const TYPES = ["A", "B", "C", "D"];
/** Ledger rows are dated over this many days back, as retention would keep them. */
const LEDGER_DAYS = 30;

export interface ScaleStep {
  rollupRows: number;
  ledgerRows: number;
  /** Seconds to grow the tables to this size, indexes rebuilt and analyzed (not a figure of Tally's). */
  loadSeconds: number;
  bytes: { rollup: number; ledger: number; rollupPerRow: number; ledgerPerMessage: number };
  fold: RawResult;
  queries: QueryResult[];
}

export interface ScaleInput {
  driver: Driver;
  databaseUrl: string;
  db: Kysely<Database>;
  queryUrl: string;
  steps: readonly number[];
  foldShape: RawShape;
  log: (message: string) => void;
}

export async function measureScale({ driver, databaseUrl, db, queryUrl, steps, foldShape, log }: ScaleInput): Promise<ScaleStep[]> {
  const results: ScaleStep[] = [];
  let hours = 0;
  let ledgerRows = 0;
  for (const [index, rows] of steps.entries()) {
    const nextHours = Math.ceil(rows / (CUSTOMERS * TYPES.length));
    log(`scale: growing message_rollup to ${rows.toLocaleString("en")} rows and message_ledger to ${rows.toLocaleString("en")}`);
    const started = performance.now();
    await grow(databaseUrl, { fromHour: hours, toHour: nextHours, fromUuid: ledgerRows, toUuid: rows });
    hours = nextHours;
    ledgerRows = rows;
    const loadSeconds = (performance.now() - started) / 1000;
    const size = await tableSizes(databaseUrl);
    log(`scale: loaded in ${loadSeconds.toFixed(0)} s; rollup ${mib(size.rollup)} MiB, ledger ${mib(size.ledger)} MiB`);

    // Each step folds into its own hour range of fresh keys (bodies.ts keys by base).
    const fold = await measureRawPostgres(db, "messages", 20_000_000 + index * 1_000_000, FULL.rawSeconds, foldShape);
    const sizes: Sizes = { ...FULL, dataset: { ...FULL.dataset, customers: CUSTOMERS, hours } };
    const queries = await measureQueries(driver, queryUrl, sizes, "messages");
    log(`scale: fold ${Math.round(fold.eventsPerSecond)} events/s; ${queries.map((q) => `${q.name.split(" (")[0]} p99 ${q.latency.p99.toFixed(1)} ms`).join("; ")}`);
    results.push({
      rollupRows: size.rollupRows,
      ledgerRows: size.ledgerRows,
      loadSeconds,
      bytes: { rollup: size.rollup, ledger: size.ledger, rollupPerRow: size.rollup / size.rollupRows, ledgerPerMessage: size.ledger / size.ledgerRows },
      fold,
      queries,
    });
  }
  return results;
}

const mib = (bytes: number) => (bytes / 1024 ** 2).toFixed(0);

/**
 * Adds hours [fromHour, toHour) of rollup rows and ledger uuids [fromUuid, toUuid), with SQL, in two
 * sessions (one per core), indexes dropped first and rebuilt after: as the main bench's dataset load.
 */
async function grow(databaseUrl: string, range: { fromHour: number; toHour: number; fromUuid: number; toUuid: number }): Promise<void> {
  const clients = [new pg.Client({ connectionString: databaseUrl }), new pg.Client({ connectionString: databaseUrl })] as const;
  await Promise.all(clients.map((c) => c.connect()));
  try {
    for (const c of clients) await c.query("SET synchronous_commit = off; SET maintenance_work_mem = '1GB'; SET TimeZone = 'UTC'");
    const [a, b] = clients;
    const restoreRollup = await dropIndexes(a, "message_rollup");
    const restoreLedger = await dropIndexes(b, "message_ledger");
    await Promise.all([
      a.query(
        `INSERT INTO message_rollup (quarter, customer_id, type, count, total)
         SELECT to_timestamp($1::bigint / 1000) + h * interval '1 hour', c, t, 1 + (c + h) % 7, ((c * 31 + h) % 100000) / 1000.0
         FROM generate_series($2::int, $3::int - 1) h, generate_series(1, $4::int) c, unnest($5::text[]) t`,
        [DATASET.messagesFrom, range.fromHour, range.toHour, CUSTOMERS, TYPES],
      ).then(() =>
        // The worker records each hour's pairs as it folds; these rows are one per pair and hour.
        a.query(
          `INSERT INTO message_hour_keys (hour, customer_id, type)
           SELECT to_timestamp($1::bigint / 1000) + h * interval '1 hour', c, t
           FROM generate_series($2::int, $3::int - 1) h, generate_series(1, $4::int) c, unnest($5::text[]) t`,
          [DATASET.messagesFrom, range.fromHour, range.toHour, CUSTOMERS, TYPES],
        ),
      ),
      b.query(
        `INSERT INTO message_ledger (uuid, seen_at)
         SELECT gen_random_uuid(), now() - (i % ($3::int * 86400)) * interval '1 second'
         FROM generate_series($1::bigint, $2::bigint - 1) i`,
        [range.fromUuid, range.toUuid, LEDGER_DAYS],
      ),
    ]);
    await Promise.all([restoreRollup(a), restoreLedger(b)]);
    await Promise.all([a.query("VACUUM (ANALYZE) message_rollup, message_hour_keys"), b.query("VACUUM (ANALYZE) message_ledger")]);
  } finally {
    await Promise.allSettled(clients.map((c) => c.end()));
  }
}

/**
 * Rows (as ANALYZE just counted them: the fold phases of earlier steps added some) and bytes on disk,
 * indexes and TOAST included, of the rollup (every partition) and the ledger.
 */
async function tableSizes(databaseUrl: string): Promise<{ rollupRows: number; ledgerRows: number; rollup: number; ledger: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ rollup_rows: string; ledger_rows: string; rollup: string; ledger: string }>(
      `SELECT (SELECT sum(greatest(c.reltuples, 0)) FROM pg_partition_tree('message_rollup') t JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf) AS rollup_rows,
              (SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'message_ledger'::regclass) AS ledger_rows,
              (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('message_rollup')) AS rollup,
              pg_total_relation_size('message_ledger') AS ledger`,
    );
    const row = rows[0];
    return { rollupRows: Number(row?.rollup_rows ?? 0), ledgerRows: Number(row?.ledger_rows ?? 0), rollup: Number(row?.rollup ?? 0), ledger: Number(row?.ledger ?? 0) };
  } finally {
    await client.end();
  }
}
