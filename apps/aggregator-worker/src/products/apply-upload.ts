import type { Database } from "@tally/shared/db";
import type { Kysely } from "kysely";
import { applyStagedChunk, findUpload, markUploadApplied, nextStagedChunk } from "./products.repository.js";

/** What applying an upload did: nothing (absent, never accepted, applied or failed already) or applied it. */
export interface ApplyResult {
  applied: boolean;
  /** Products written; 0 when every document was already there or superseded by a later upload. */
  written: number;
}

/**
 * Applies an accepted upload's staged products to `products`, then marks it applied. Each staged chunk
 * (ingest's, about a megabyte) moves from staging to `products` in a statement of its own, so a
 * multi-gigabyte upload never holds one giant transaction; a crash part way leaves the upload
 * unapplied with the chunks not yet applied, and the next attempt goes on with those. Idempotent, and
 * safe to run concurrently for the same upload: the two share its chunks, and whoever finishes first
 * marks it. `beforeApplying` is told the digest of an upload it is about to apply (none on rows from before 0009).
 */
export async function applyUpload(db: Kysely<Database>, uploadId: string, beforeApplying?: (digest: string) => Promise<void>): Promise<ApplyResult> {
  const upload = await findUpload(db, uploadId);
  if (!upload?.accepted || upload.applied || upload.failed) return { applied: false, written: 0 };
  if (upload.digest && beforeApplying) await beforeApplying(upload.digest);
  let written = 0;
  for (let at = await nextStagedChunk(db, uploadId, -1); at !== undefined; at = await nextStagedChunk(db, uploadId, at)) {
    written += await applyStagedChunk(db, uploadId, at);
  }
  await markUploadApplied(db, uploadId);
  return { applied: true, written };
}
