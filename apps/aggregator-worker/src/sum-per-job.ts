import type { BatchItem } from "./batch-worker.js";
import { ledgerJob, type LedgerJob } from "./job-ledger.js";

/**
 * Pre-aggregates a batch of job-ledgered events (counters, flows): rows with the same key are summed,
 * but only within one job, since the ledger decides per job which are new, and each job is taken once
 * however often the batch holds it. `spread` hands each of a job's events to `sum` as a row and its
 * key; `add` adds one row into another of the same key.
 */
export function sumPerJob<T, Row>(
  items: readonly BatchItem<T>[],
  spread: (data: T, jobId: string, sum: (key: string, row: Row) => void) => void,
  add: (into: Row, row: Row) => void,
): { jobs: LedgerJob[]; rows: Row[] } {
  const rows: Row[] = [];
  const jobs = new Map<string, LedgerJob>();
  for (const { jobId, data, queuedAt } of items) {
    if (jobs.has(jobId)) continue;
    jobs.set(jobId, ledgerJob({ jobId, queuedAt }));
    const ofJob = new Map<string, Row>();
    spread(data, jobId, (key, row) => {
      const existing = ofJob.get(key);
      if (existing) add(existing, row);
      else {
        ofJob.set(key, row);
        rows.push(row);
      }
    });
  }
  return { jobs: [...jobs.values()], rows };
}

/** Two counts summed exactly: a number while both are one, else the exact sum as a decimal string (BigInt). */
export function exactSum(a: number | string, b: number | string): number | string {
  const sum = typeof a === "number" && typeof b === "number" ? a + b : NaN;
  return Number.isSafeInteger(sum) ? sum : (BigInt(a) + BigInt(b)).toString();
}
