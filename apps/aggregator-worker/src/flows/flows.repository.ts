import type { Database } from "@tally/shared/db";
import { sql, type Kysely } from "kysely";
import { insertNewJobIds, type LedgerJob } from "../job-ledger.js";

/**
 * Bytes of one (hour, src_app, dest_app, vpc_id) key from one job, named as the statement reads them:
 * a flow's bytes (a safe integer), or an exact sum past 2^53 as a decimal string.
 */
export interface FlowRow {
  job_id: string;
  hour: number;
  src_app: string;
  dest_app: string;
  vpc_id: string;
  bytes_tx: number | string;
  bytes_rx: number | string;
}

/**
 * Records the jobs in the ledger and adds the bytes of only the newly recorded ones to the rollup,
 * in one statement (so one transaction): a job delivered twice counts once. Keys are upserted in
 * sorted order so concurrent workers lock rows in the same order. Keys inserted for the first time
 * are counted into flow_hour_keys in the same statement, so an hour's key count never drifts. The rows
 * travel as one JSON text: seven arrays cost pg twice the CPU to write (an escape per element), and
 * Postgres reads the JSON no slower.
 * `jobs` must not repeat. Returns how many jobs were new.
 */
export async function countNewFlowJobs(db: Kysely<Database>, jobs: readonly LedgerJob[], rows: readonly FlowRow[]): Promise<number> {
  if (jobs.length === 0) return 0;
  const { rows: result } = await sql<{ fresh: string }>`
    WITH fresh AS (${insertNewJobIds("flow_job_ledger", jobs)}),
    upserted AS (
      INSERT INTO flow_rollup AS t (hour, src_app, dest_app, vpc_id, bytes_tx, bytes_rx)
      SELECT hour, src_app, dest_app, vpc_id, sum(bytes_tx), sum(bytes_rx)
      FROM json_to_recordset(${JSON.stringify(rows)}::json)
        AS ev(job_id text, hour bigint, src_app text, dest_app text, vpc_id text, bytes_tx numeric, bytes_rx numeric)
      JOIN fresh USING (job_id)
      GROUP BY hour, src_app, dest_app, vpc_id
      ORDER BY hour, src_app, dest_app, vpc_id
      ON CONFLICT (hour, src_app, dest_app, vpc_id) DO UPDATE
        SET bytes_tx = t.bytes_tx + excluded.bytes_tx, bytes_rx = t.bytes_rx + excluded.bytes_rx
      -- xmax is 0 on a freshly inserted row version and set on an updated one.
      RETURNING hour, (xmax = 0) AS inserted
    ),
    new_keys AS (
      INSERT INTO flow_hour_keys AS k (hour, keys)
      SELECT hour, count(*) FROM upserted WHERE inserted GROUP BY hour ORDER BY hour
      ON CONFLICT (hour) DO UPDATE SET keys = k.keys + excluded.keys
    )
    SELECT count(*) AS fresh FROM fresh
  `.execute(db);
  return Number(result[0]?.fresh ?? 0);
}

