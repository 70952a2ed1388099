import type { Database } from "@tally/shared/db";
import type { Logger } from "@tally/shared/logger";
import type { Kysely } from "kysely";
import { retryTransient } from "../retry-transient.js";
import { applyUpload } from "./apply-upload.js";
import { listUnappliedUploads } from "./products.repository.js";

/** How long an accepted upload is left to its job before the sweep applies it. */
export const SWEEP_GRACE_MS = 30_000;
/** Uploads applied per sweep at most; the rest wait for the next one. */
const SWEEP_LIMIT = 100;

export interface SweepOptions {
  graceMs?: number;
  /** Once aborted, the sweep finishes the upload it is applying and takes no other. */
  signal?: AbortSignal;
}

/**
 * Applies accepted uploads still unapplied `graceMs` after their acceptance: ingest commits an upload
 * before it enqueues its job, so a failed enqueue or a crash in between leaves an upload no job names.
 * An upload whose job is merely slow is applied twice at worst, which the version guard makes harmless.
 * One upload failing (a document Postgres cannot read as jsonb, say) does not hold up the others.
 * Returns how many uploads this sweep applied.
 */
export async function sweepUploads(db: Kysely<Database>, logger: Logger, now: number, { graceMs = SWEEP_GRACE_MS, signal }: SweepOptions = {}): Promise<number> {
  const uploadIds = await listUnappliedUploads(db, new Date(now - graceMs), SWEEP_LIMIT);
  let applied = 0;
  for (const uploadId of uploadIds) {
    if (signal?.aborted) break;
    try {
      if ((await retryTransient(() => applyUpload(db, uploadId), logger, signal)).applied) applied += 1;
    } catch (err) {
      logger.warn({ err, uploadId }, "applying an unapplied upload failed; the next sweep tries again");
    }
  }
  return applied;
}

/**
 * Sweeps now and every `everyMs` while the worker runs; a sweep still running when the next is due
 * lets it pass rather than applying the same uploads twice from one process. Returns a stop function
 * that resolves once the sweep in progress, if any, has finished the upload it was applying (an
 * upload cut short would be safe too, but the connections it uses are about to close).
 */
export function startUploadSweep(db: Kysely<Database>, logger: Logger, everyMs = 30_000, clock: () => number = Date.now): () => Promise<void> {
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= sweepUploads(db, logger, clock(), { signal: stopping.signal })
      .then(
        (applied) => logger.debug({ applied }, "swept unapplied uploads"),
        (err: unknown) => logger.warn({ err }, "sweeping unapplied uploads failed; will try again"),
      )
      .finally(() => {
        running = undefined;
      });
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    stopping.abort();
    await running;
  };
}
