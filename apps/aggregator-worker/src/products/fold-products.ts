import type { ProductsJob } from "@tally/shared/jobs";
import type { BatchItem, FoldResult } from "../batch-worker.js";
import { settleUpload, type SettleDeps } from "./settle-upload.js";

/**
 * Settles the uploads a batch of products jobs names, one after another. Unlike the other folds this
 * is not one transaction: an upload may be gigabytes, so it is applied in chunks, and every step is
 * idempotent, so a batch retried after a failure part way only replays what already landed. An upload
 * that can never be applied ends failed (`settleUpload`) without failing the batch or its job.
 */
export async function foldProducts(deps: SettleDeps, items: readonly BatchItem<ProductsJob>[]): Promise<FoldResult> {
  // uuids compare case-insensitively in Postgres; a job delivered twice in one batch is settled once.
  const uploadIds = [...new Set(items.map((i) => i.data.uploadId.toLowerCase()))];
  let applied = 0;
  for (const uploadId of uploadIds) {
    if ((await settleUpload(deps, uploadId)) === "applied") applied += 1;
  }
  return { folded: applied, skipped: items.length - applied };
}
