import type { Database } from "@tally/shared/db";
import type { FlowsJob } from "@tally/shared/queues";
import type { Kysely } from "kysely";
import type { BatchItem, FoldResult } from "../batch-worker.js";
import { countNewFlowJobs, type FlowRow } from "./flows.repository.js";

/**
 * Pre-aggregates a batch per job and key (many flows, one row per key), keeping each job once: the
 * ledger decides which jobs are new, so their rows stay apart until then.
 */
export function toFlowRows(items: readonly BatchItem<FlowsJob>[]): { jobIds: string[]; rows: FlowRow[] } {
  const rows = new Map<string, FlowRow>();
  const jobIds = new Set<string>();
  for (const { jobId, data } of items) {
    if (jobIds.has(jobId)) continue;
    jobIds.add(jobId);
    for (const f of data.flows) {
      const key = JSON.stringify([jobId, f.hour, f.src_app, f.dest_app, f.vpc_id]);
      const row = rows.get(key);
      if (row) {
        row.bytesTx += f.bytes_tx;
        row.bytesRx += f.bytes_rx;
      } else {
        rows.set(key, { jobId, hour: f.hour, srcApp: f.src_app, destApp: f.dest_app, vpcId: f.vpc_id, bytesTx: f.bytes_tx, bytesRx: f.bytes_rx });
      }
    }
  }
  return { jobIds: [...jobIds], rows: [...rows.values()] };
}

/** Folds a batch of flows jobs into the hourly rollup, exactly once per job: counts new and repeated jobs. */
export async function foldFlows(db: Kysely<Database>, items: readonly BatchItem<FlowsJob>[]): Promise<FoldResult> {
  const { jobIds, rows } = toFlowRows(items);
  const fresh = await countNewFlowJobs(db, jobIds, rows);
  return { folded: fresh, skipped: items.length - fresh };
}
