import { isRetryableDbError } from "@tally/shared/db";
import type { InlineUpload } from "@tally/shared/jobs";
import { applyInlineUploads, recordInlineUploadFailed } from "./inline-uploads.repository.js";
import { reportFailed, type SettleDeps } from "./settle-upload.js";

/** What settling a batch of fast-path uploads did. */
export interface InlineSettled {
  applied: number;
  failed: number;
}

/**
 * Brings fast-path uploads to an end, many in one transaction (`applyInlineUploads`). When Postgres
 * refuses the batch for a reason that may be one upload's (a document it cannot store, which ingest's
 * checks should have made impossible), the batch is halved and each half settled on its own, down to
 * the one upload at fault, which is recorded failed with its reason, counted, and releases its body's
 * window: one poisoned upload costs its batch-mates a few more statements, never their outcome. A
 * transient error (Postgres away, a deadlock) is thrown instead, for the whole batch to be retried.
 */
export async function settleInlineUploads(deps: SettleDeps, uploads: readonly InlineUpload[]): Promise<InlineSettled> {
  if (uploads.length === 0) return { applied: 0, failed: 0 };
  try {
    const applied = await applyInlineUploads(deps.db, uploads);
    await Promise.all([forgetPending(deps, uploads), confirmApplied(deps, uploads)]);
    return { applied, failed: 0 };
  } catch (error) {
    if (isRetryableDbError(error)) throw error;
    const [only] = uploads;
    if (uploads.length === 1 && only) return { applied: 0, failed: (await failInlineUpload(deps, only, error)) ? 1 : 0 };
    const half = Math.ceil(uploads.length / 2);
    const first = await settleInlineUploads(deps, uploads.slice(0, half));
    const second = await settleInlineUploads(deps, uploads.slice(half));
    return { applied: first.applied + second.applied, failed: first.failed + second.failed };
  }
}

async function failInlineUpload(deps: SettleDeps, upload: InlineUpload, error: unknown): Promise<boolean> {
  const reason = error instanceof Error ? error.message : String(error);
  const recorded = await recordInlineUploadFailed(deps.db, upload, reason);
  await forgetPending(deps, [upload]);
  if (recorded) await reportFailed(deps, upload.uploadId, reason, upload.digest);
  return recorded;
}

/** Deletes the pending marks of uploads now recorded in Postgres; a mark left behind expires by itself. */
async function forgetPending(deps: SettleDeps, uploads: readonly InlineUpload[]): Promise<void> {
  await deps.forgetPending(uploads.map((u) => u.uploadId)).catch((err: unknown) => deps.logger.warn({ err }, "could not delete pending upload marks; they expire by themselves"));
}

/**
 * Starts the windows of applied uploads if ingest's confirm was lost (a claim left pending would expire
 * within a minute, and the same body be accepted again); one whose window cannot be started now keeps
 * it pending, as before.
 */
async function confirmApplied(deps: SettleDeps, uploads: readonly InlineUpload[]): Promise<void> {
  await deps.confirmApplied(uploads).catch((err: unknown) => deps.logger.warn({ err }, "could not confirm applied uploads' body windows"));
}
