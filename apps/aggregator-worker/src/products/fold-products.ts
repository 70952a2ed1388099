import type { InlineUpload, ProductsJob } from "@tally/shared/jobs";
import type { BatchItem, FoldResult } from "../batch-worker.js";
import { settleInlineUploads } from "./settle-inline-uploads.js";
import { settleUpload, type SettleDeps } from "./settle-upload.js";

/**
 * Settles the uploads a batch of products jobs carries or names. Small uploads (their products in the
 * job, several to a job) are applied together, many per transaction (`settleInlineUploads`). Staged uploads are
 * applied one after another, each in chunks: an upload may be gigabytes, and every step is idempotent,
 * so a batch retried after a failure part way only replays what already landed. Either way an upload
 * that can never be applied ends failed without failing the batch or its job. The order of applying
 * does not matter: every document carries its upload's acceptance number, and the later one wins.
 */
export async function foldProducts(deps: SettleDeps, items: readonly BatchItem<ProductsJob>[]): Promise<FoldResult> {
  // uuids compare case-insensitively in Postgres; an upload delivered twice in one batch is settled once.
  const inline = new Map<string, InlineUpload>();
  const staged = new Set<string>();
  for (const { data } of items) {
    for (const upload of data.uploads ?? []) {
      const uploadId = upload.uploadId.toLowerCase();
      if (!inline.has(uploadId)) inline.set(uploadId, { ...upload, uploadId });
    }
    if (data.uploadId !== undefined) staged.add(data.uploadId.toLowerCase());
  }
  let applied = (await settleInlineUploads(deps, [...inline.values()])).applied;
  for (const uploadId of staged) {
    if ((await settleUpload(deps, uploadId)) === "applied") applied += 1;
  }
  return { folded: applied, skipped: inline.size + staged.size - applied };
}
