import { jobIdTime } from "@tally/shared/jobs";
import { sql, type RawBuilder } from "kysely";

/** The per-job ledgers: for kinds whose events carry no id, a job counts once by its own id. */
export type JobLedger = "counter_job_ledger" | "flow_job_ledger";

/**
 * A job as its ledger records it. `queuedAt` (ms) dates its ledger partition and must be the same on
 * every delivery: the time in the job's UUIDv7 id, which makes (id, queuedAt) exactly as unique as the
 * id; for an id from elsewhere, BullMQ's timestamp, the same for every delivery of one job.
 */
export interface LedgerJob {
  jobId: string;
  queuedAt: number;
}

/** The ledger's view of a delivered job (`queuedAt` being BullMQ's timestamp): see `LedgerJob`. */
export function ledgerJob({ jobId, queuedAt }: LedgerJob): LedgerJob {
  return { jobId, queuedAt: jobIdTime(jobId) ?? queuedAt };
}

/**
 * `INSERT … RETURNING job_id` of the jobs never recorded before, in sorted order, for use as a
 * CTE: what joins against it is applied once per job, however often the job is delivered.
 */
export function insertNewJobIds(ledger: JobLedger, jobs: readonly LedgerJob[]): RawBuilder<unknown> {
  return sql`
    INSERT INTO ${sql.table(ledger)} (job_id, queued_at)
    SELECT id, queued_at FROM unnest(
      ${jobs.map((j) => j.jobId)}::text[],
      ${jobs.map((j) => new Date(j.queuedAt).toISOString())}::timestamptz[]
    ) AS job(id, queued_at) ORDER BY id
    -- No conflict target: a legacy partition's unique index on job_id alone counts as a conflict too.
    ON CONFLICT DO NOTHING
    RETURNING job_id`;
}
