import type { Database } from "@tally/shared/db";
import type { FlowsJob } from "@tally/shared/queues";
import type { Kysely } from "kysely";
import type { BatchItem, FoldResult } from "../batch-worker.js";
import { ledgerJob, type LedgerJob } from "../job-ledger.js";
import { countNewFlowJobs, type FlowRow } from "./flows.repository.js";

/**
 * Pre-aggregates a batch per job and key (many flows, one row per key), keeping each job once: the
 * ledger decides which jobs are new, so their rows stay apart until then.
 */
export function toFlowRows(items: readonly BatchItem<FlowsJob>[]): { jobs: LedgerJob[]; rows: FlowRow[] } {
  const rows = new Map<string, FlowRow>();
  const jobs = new Map<string, LedgerJob>();
  for (const { jobId, data, queuedAt } of items) {
    if (jobs.has(jobId)) continue;
    jobs.set(jobId, ledgerJob({ jobId, queuedAt }));
    for (const f of data.flows) {
      const key = JSON.stringify([jobId, f.hour, f.src_app, f.dest_app, f.vpc_id]);
      const row = rows.get(key);
      // BigInt: a few flows of 2^53-1 bytes already pass what a number holds exactly.
      if (row) {
        row.bytesTx += BigInt(f.bytes_tx);
        row.bytesRx += BigInt(f.bytes_rx);
      } else {
        rows.set(key, { jobId, hour: f.hour, srcApp: f.src_app, destApp: f.dest_app, vpcId: f.vpc_id, bytesTx: BigInt(f.bytes_tx), bytesRx: BigInt(f.bytes_rx) });
      }
    }
  }
  return { jobs: [...jobs.values()], rows: [...rows.values()] };
}

/** Folds a batch of flows jobs into the hourly rollup, exactly once per job: counts new and repeated jobs. */
export async function foldFlows(db: Kysely<Database>, items: readonly BatchItem<FlowsJob>[]): Promise<FoldResult> {
  const { jobs, rows } = toFlowRows(items);
  const fresh = await countNewFlowJobs(db, jobs, rows);
  return { folded: fresh, skipped: items.length - fresh };
}
