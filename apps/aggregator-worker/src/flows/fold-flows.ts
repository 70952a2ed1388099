import type { Database } from "@tally/shared/db";
import type { FlowsJob } from "@tally/shared/jobs";
import type { Kysely } from "kysely";
import type { BatchItem, FoldResult } from "../batch-worker.js";
import type { LedgerJob } from "../job-ledger.js";
import { sumPerJob } from "../sum-per-job.js";
import { countNewFlowJobs, type FlowRow } from "./flows.repository.js";

/** A batch's flows summed per job and key (hour, source, destination, VPC): many flows, one row per key. */
export function toFlowRows(items: readonly BatchItem<FlowsJob>[]): { jobs: LedgerJob[]; rows: FlowRow[] } {
  return sumPerJob<FlowsJob, FlowRow>(
    items,
    (data, jobId, sum) => {
      for (const f of data.flows) {
        // BigInt: a few flows of 2^53-1 bytes already pass what a number holds exactly.
        const row = { jobId, hour: f.hour, srcApp: f.src_app, destApp: f.dest_app, vpcId: f.vpc_id, bytesTx: BigInt(f.bytes_tx), bytesRx: BigInt(f.bytes_rx) };
        sum(JSON.stringify([f.hour, f.src_app, f.dest_app, f.vpc_id]), row);
      }
    },
    (into, row) => {
      into.bytesTx += row.bytesTx;
      into.bytesRx += row.bytesRx;
    },
  );
}

/** Folds a batch of flows jobs into the hourly rollup, exactly once per job: counts new and repeated jobs. */
export async function foldFlows(db: Kysely<Database>, items: readonly BatchItem<FlowsJob>[]): Promise<FoldResult> {
  const { jobs, rows } = toFlowRows(items);
  const fresh = await countNewFlowJobs(db, jobs, rows);
  return { folded: fresh, skipped: items.length - fresh };
}
