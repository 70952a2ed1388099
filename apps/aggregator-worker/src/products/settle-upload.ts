import type { Database } from "@tally/shared/db";
import { isRetryableDbError } from "@tally/shared/db";
import type { Logger } from "@tally/shared/logger";
import type { Kysely } from "kysely";
import type { Counter } from "prom-client";
import { applyUpload } from "./apply-upload.js";
import { markUploadFailed } from "./products.repository.js";

export interface SettleDeps {
  db: Kysely<Database>;
  /** Releases an accepted body's dedup window (its digest, the upload that holds it). */
  releaseDigest: (digest: string, uploadId: string) => Promise<boolean>;
  /** Deletes the pending marks of small uploads (their status comes from Postgres once recorded there). */
  forgetPending: (uploadIds: readonly string[]) => Promise<void>;
  /** Starts the windows of accepted uploads whose claims ingest could not confirm. */
  confirmApplied: (uploads: readonly { digest: string; uploadId: string }[]) => Promise<void>;
  /** Counts uploads ended failed. */
  failed: Counter;
  logger: Logger;
}

export type Settled = "applied" | "unchanged" | "failed";

/**
 * Brings an upload to an end: applied, or, when it can never be (Postgres refuses a document, say,
 * which ingest's checks should have made impossible), failed for good. A failed upload is marked with
 * its reason for the status route, its staging is deleted, its body's window is released so the client
 * can send it again, and it is counted: visible, and never retried in a loop. A transient error
 * (Postgres away, a deadlock) is thrown instead: the upload is pending still, and will be tried again.
 * `unchanged`: nothing to do (no such upload, or it had ended already).
 */
export async function settleUpload({ db, ...deps }: SettleDeps, uploadId: string): Promise<Settled> {
  try {
    // Ingest's confirm may have been lost after its commit: the window must hold all the same, and
    // from before the apply, which can outlast the claim's minute (gigabytes, or Postgres restarting).
    const confirm = async (digest: string) => {
      await deps.confirmApplied([{ digest, uploadId }]).catch((err: unknown) => deps.logger.warn({ err, uploadId }, "could not confirm an accepted upload's body window"));
    };
    const { applied } = await applyUpload(db, uploadId, confirm);
    return applied ? "applied" : "unchanged";
  } catch (error) {
    if (isRetryableDbError(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    const ended = await markUploadFailed(db, uploadId, reason);
    if (!ended) return "unchanged";
    await reportFailed(deps, uploadId, reason, ended.digest);
    return "failed";
  }
}

/** Counts, logs and releases the body window of an upload just recorded failed (by either path). */
export async function reportFailed(
  { releaseDigest, failed, logger }: Pick<SettleDeps, "releaseDigest" | "failed" | "logger">,
  uploadId: string,
  reason: string,
  digest: string | null,
): Promise<void> {
  failed.inc();
  logger.warn({ uploadId, reason }, "an accepted upload cannot be applied; it is marked failed and its body may be sent again");
  if (digest) {
    await releaseDigest(digest, uploadId).catch((err: unknown) => logger.warn({ err, uploadId }, "could not release a failed upload's body window; it expires by itself"));
  }
}
