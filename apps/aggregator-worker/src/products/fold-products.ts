import type { Database } from "@tally/shared/db";
import type { ProductsJob } from "@tally/shared/queues";
import type { Kysely } from "kysely";
import type { BatchItem, FoldResult } from "../batch-worker.js";
import { applyUpload } from "./apply-upload.js";

/**
 * Applies the uploads a batch of products jobs names, one after another. Unlike the other folds this
 * is not one transaction: an upload may be gigabytes, so it is applied in chunks, and every step is
 * idempotent, so a batch retried after a failure part way only replays what already landed.
 */
export async function foldProducts(db: Kysely<Database>, items: readonly BatchItem<ProductsJob>[]): Promise<FoldResult> {
  // uuids compare case-insensitively in Postgres; a job delivered twice in one batch is applied once.
  const uploadIds = [...new Set(items.map((i) => i.data.uploadId.toLowerCase()))];
  let applied = 0;
  for (const uploadId of uploadIds) {
    if ((await applyUpload(db, uploadId)).applied) applied += 1;
  }
  return { folded: applied, skipped: items.length - applied };
}
