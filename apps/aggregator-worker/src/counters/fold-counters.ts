import type { Database } from "@tally/shared/db";
import type { CountersJob } from "@tally/shared/jobs";
import type { Kysely } from "kysely";
import type { BatchItem, FoldResult } from "../batch-worker.js";
import type { LedgerJob } from "../job-ledger.js";
import { exactSum, sumPerJob } from "../sum-per-job.js";
import { countNewCounterJobs, type DomainCountRow } from "./counters.repository.js";

/** A batch's counters summed per job, minute and domain: many counters, one row per key. */
export function toDomainCountRows(items: readonly BatchItem<CountersJob>[]): { jobs: LedgerJob[]; rows: DomainCountRow[] } {
  return sumPerJob<CountersJob, DomainCountRow>(
    items,
    (data, jobId, sum) => {
      for (const { timestamp, counts } of data.counters) {
        const minute = timestamp - (timestamp % 60);
        for (const [domain, requests] of counts) sum(`${minute}\u0000${domain}`, { job_id: jobId, minute, domain, requests });
      }
    },
    // Exact once two counts of a key meet: two of 2^53-1 already pass what a number holds.
    (into, row) => void (into.requests = exactSum(into.requests, row.requests)),
  );
}

/** Folds a batch of counters jobs into the minute and hour rollups, exactly once per job: counts new and repeated jobs. */
export async function foldCounters(db: Kysely<Database>, items: readonly BatchItem<CountersJob>[]): Promise<FoldResult> {
  const { jobs, rows } = toDomainCountRows(items);
  const fresh = await countNewCounterJobs(db, jobs, rows);
  return { folded: fresh, skipped: items.length - fresh };
}
