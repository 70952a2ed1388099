import type { Database } from "@tally/shared/db";
import type { CountersJob } from "@tally/shared/queues";
import type { Kysely } from "kysely";
import type { BatchItem, FoldResult } from "../batch-worker.js";
import { ledgerJob, type LedgerJob } from "../job-ledger.js";
import { countNewCounterJobs, type DomainCountRow } from "./counters.repository.js";

/**
 * Pre-aggregates a batch per job, minute and domain (many counters, one row per key), keeping each
 * job once: the ledger decides which jobs are new, so their rows must stay apart until then.
 */
export function toDomainCountRows(items: readonly BatchItem<CountersJob>[]): { jobs: LedgerJob[]; rows: DomainCountRow[] } {
  const rows = new Map<string, DomainCountRow>();
  const jobs = new Map<string, LedgerJob>();
  for (const { jobId, data, queuedAt } of items) {
    if (jobs.has(jobId)) continue;
    jobs.set(jobId, ledgerJob({ jobId, queuedAt }));
    for (const { timestamp, counts } of data.counters) {
      const minute = timestamp - (timestamp % 60);
      for (const [domain, requests] of counts) {
        const key = `${jobId}\u0000${minute}\u0000${domain}`;
        const row = rows.get(key);
        // BigInt: three counts of 2^53-1 already pass what a number holds exactly.
        if (row) row.requests += BigInt(requests);
        else rows.set(key, { jobId, minute, domain, requests: BigInt(requests) });
      }
    }
  }
  return { jobs: [...jobs.values()], rows: [...rows.values()] };
}

/** Folds a batch of counters jobs into the minute and hour rollups, exactly once per job: counts new and repeated jobs. */
export async function foldCounters(db: Kysely<Database>, items: readonly BatchItem<CountersJob>[]): Promise<FoldResult> {
  const { jobs, rows } = toDomainCountRows(items);
  const fresh = await countNewCounterJobs(db, jobs, rows);
  return { folded: fresh, skipped: items.length - fresh };
}
