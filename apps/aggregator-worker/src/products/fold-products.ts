import type { ProductsJob } from "@tally/shared/jobs";
import type { BatchItem, FoldResult } from "../batch-worker.js";
import type { InlineUpload } from "./inline-uploads.repository.js";
import { settleInlineUploads } from "./settle-inline-uploads.js";
import { settleUpload, type SettleDeps } from "./settle-upload.js";

/**
 * Settles the uploads a batch of products jobs carries or names. Fast-path uploads (their products in
 * the job) are applied together, many per transaction (`settleInlineUploads`). Staged uploads are
 * applied one after another, each in chunks: an upload may be gigabytes, and every step is idempotent,
 * so a batch retried after a failure part way only replays what already landed. Either way an upload
 * that can never be applied ends failed without failing the batch or its job. The order of applying
 * does not matter: every document carries its upload's acceptance number, and the later one wins.
 */
export async function foldProducts(deps: SettleDeps, items: readonly BatchItem<ProductsJob>[]): Promise<FoldResult> {
  // uuids compare case-insensitively in Postgres; a job delivered twice in one batch is settled once.
  const jobs = new Map<string, ProductsJob>();
  for (const { data } of items) {
    const uploadId = data.uploadId.toLowerCase();
    if (!jobs.has(uploadId)) jobs.set(uploadId, { ...data, uploadId });
  }
  const inline: InlineUpload[] = [];
  const staged: string[] = [];
  for (const job of jobs.values()) {
    const upload = inlineUpload(job);
    if (upload) inline.push(upload);
    else staged.push(job.uploadId);
  }
  let applied = (await settleInlineUploads(deps, inline)).applied;
  for (const uploadId of staged) {
    if ((await settleUpload(deps, uploadId)) === "applied") applied += 1;
  }
  return { folded: applied, skipped: items.length - applied };
}

/** The fast-path upload a job carries, or undefined if it only names a staged one. */
function inlineUpload({ uploadId, acceptedSeq, acceptedAt, products, digest, documents }: ProductsJob): InlineUpload | undefined {
  if (documents === undefined || acceptedSeq === undefined || acceptedAt === undefined || products === undefined) return undefined;
  return { uploadId, acceptedSeq, acceptedAt, products, digest: digest ?? null, documents };
}
