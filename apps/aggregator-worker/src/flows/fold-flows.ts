import type { Database } from "@tally/shared/db";
import type { FlowsJob } from "@tally/shared/jobs";
import type { Kysely } from "kysely";
import type { BatchItem, FoldResult } from "../batch-worker.js";
import type { LedgerJob } from "../job-ledger.js";
import { exactSum, sumPerJob } from "../sum-per-job.js";
import { countNewFlowJobs, type FlowRow } from "./flows.repository.js";

/** A batch's flows summed per job and key (hour, source, destination, VPC): many flows, one row per key. */
export function toFlowRows(items: readonly BatchItem<FlowsJob>[]): { jobs: LedgerJob[]; rows: FlowRow[] } {
  return sumPerJob<FlowsJob, FlowRow>(
    items,
    (data, jobId, sum) => {
      for (const f of data.flows) {
        // Names never hold U+0000 (isStorableText), so it separates them unambiguously.
        sum(`${f.hour}\u0000${f.src_app}\u0000${f.dest_app}\u0000${f.vpc_id}`, { job_id: jobId, ...f });
      }
    },
    // Exact once two flows of a key meet: two of 2^53-1 bytes already pass what a number holds.
    (into, row) => {
      into.bytes_tx = exactSum(into.bytes_tx, row.bytes_tx);
      into.bytes_rx = exactSum(into.bytes_rx, row.bytes_rx);
    },
  );
}

/** Folds a batch of flows jobs into the hourly rollup, exactly once per job: counts new and repeated jobs. */
export async function foldFlows(db: Kysely<Database>, items: readonly BatchItem<FlowsJob>[]): Promise<FoldResult> {
  const { jobs, rows } = toFlowRows(items);
  const fresh = await countNewFlowJobs(db, jobs, rows);
  return { folded: fresh, skipped: items.length - fresh };
}
