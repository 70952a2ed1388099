import { sql, type RawBuilder } from "kysely";

/** The per-job ledgers: for kinds whose events carry no id, a job counts once by its own id. */
export type JobLedger = "counter_job_ledger" | "flow_job_ledger";

/**
 * `INSERT … RETURNING job_id` of the jobs never recorded before, in sorted order, for use as a
 * CTE: what joins against it is applied once per job, however often the job is delivered.
 */
export function insertNewJobIds(ledger: JobLedger, jobIds: readonly string[]): RawBuilder<unknown> {
  return sql`
    INSERT INTO ${sql.table(ledger)} (job_id)
    SELECT id FROM unnest(${jobIds}::text[]) AS id ORDER BY id
    ON CONFLICT DO NOTHING
    RETURNING job_id`;
}
