import type { Database } from "@tally/shared/db";
import { sql, type Kysely } from "kysely";
import { insertNewJobIds, type LedgerJob } from "../job-ledger.js";

/**
 * Requests for one domain in one minute (epoch seconds, on the minute), from one job, named as the
 * statement reads them: a count (a safe integer), or an exact sum past 2^53 as a decimal string.
 */
export interface DomainCountRow {
  job_id: string;
  minute: number;
  domain: string;
  requests: number | string;
}

/**
 * Records the jobs in the ledger and adds the counts of only the newly recorded ones to the minute
 * and hour rollups, in one statement (so one transaction): a job delivered twice counts once. Keys are
 * upserted in sorted order so concurrent workers take row locks in the same order. The rows travel as
 * one JSON text (as flows' do: half the CPU of four arrays for pg to write). `jobs` must not repeat. Returns how many jobs were new.
 */
export async function countNewCounterJobs(db: Kysely<Database>, jobs: readonly LedgerJob[], rows: readonly DomainCountRow[]): Promise<number> {
  if (jobs.length === 0) return 0;
  const { rows: result } = await sql<{ fresh: string }>`
    WITH fresh AS (${insertNewJobIds("counter_job_ledger", jobs)}),
    ev AS (
      SELECT ev.* FROM json_to_recordset(${JSON.stringify(rows)}::json) AS ev(job_id text, minute bigint, domain text, requests numeric)
      JOIN fresh USING (job_id)
    ),
    by_minute AS (
      INSERT INTO domain_minute AS t (minute, domain, requests)
      SELECT to_timestamp(minute), domain, sum(requests) FROM ev
      GROUP BY minute, domain ORDER BY minute, domain
      ON CONFLICT (minute, domain) DO UPDATE SET requests = t.requests + excluded.requests
    ),
    by_hour AS (
      INSERT INTO domain_hour AS t (hour, domain, requests)
      SELECT to_timestamp(minute - minute % 3600), domain, sum(requests) FROM ev
      GROUP BY minute - minute % 3600, domain ORDER BY 1, domain
      ON CONFLICT (hour, domain) DO UPDATE SET requests = t.requests + excluded.requests
    )
    SELECT count(*) AS fresh FROM fresh
  `.execute(db);
  return Number(result[0]?.fresh ?? 0);
}

