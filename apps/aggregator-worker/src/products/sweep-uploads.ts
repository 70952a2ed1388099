import type { Logger } from "@tally/shared/logger";
import { retryTransient } from "../retry-transient.js";
import { listUnappliedUploads } from "./products.repository.js";
import { settleUpload, type SettleDeps } from "./settle-upload.js";

/** How long an accepted upload is left to its job before the sweep applies it. */
const SWEEP_GRACE_MS = 30_000;
/**
 * How often a worker sweeps: well inside a pending claim's minute, so that an upload accepted with its
 * confirm and its job both lost has its window confirmed by the sweep (30–40 s after acceptance)
 * before the claim could expire and let the same body be accepted again.
 */
const SWEEP_EVERY_MS = 10_000;
/** Uploads settled per sweep at most; the next sweep goes on from the last one. */
const SWEEP_LIMIT = 100;

export interface SweepOptions {
  graceMs?: number;
  /** Start after this acceptance number (where the last sweep stopped); 0 from the oldest. */
  afterSeq?: number;
  /** Once aborted, the sweep finishes the upload it is applying and takes no other. */
  signal?: AbortSignal;
}

export interface SweepResult {
  applied: number;
  failed: number;
  /** Where the next sweep goes on from: 0 once this one reached the newest pending upload. */
  nextAfterSeq: number;
}

/**
 * Settles accepted uploads still pending `graceMs` after their acceptance: ingest commits an upload
 * before it enqueues its job, so a failed enqueue or a crash in between leaves an upload no job names.
 * An upload whose job is merely slow is applied twice at worst, which the version guard makes harmless.
 * One that can never be applied ends failed (`settleUpload`) and leaves the sweep's path for good, and
 * each sweep goes on where the last stopped: however many uploads are stuck, every one is reached.
 */
export async function sweepUploads(deps: SettleDeps, now: number, { graceMs = SWEEP_GRACE_MS, afterSeq = 0, signal }: SweepOptions = {}): Promise<SweepResult> {
  const pending = await listUnappliedUploads(deps.db, new Date(now - graceMs), SWEEP_LIMIT, afterSeq);
  const result: SweepResult = { applied: 0, failed: 0, nextAfterSeq: pending.length < SWEEP_LIMIT ? 0 : (pending.at(-1)?.seq ?? 0) };
  for (const { uploadId, seq } of pending) {
    if (signal?.aborted) return { ...result, nextAfterSeq: seq - 1 };
    try {
      const settled = await retryTransient(() => settleUpload(deps, uploadId), deps.logger, signal);
      if (settled === "applied") result.applied += 1;
      if (settled === "failed") result.failed += 1;
    } catch (err) {
      deps.logger.warn({ err, uploadId }, "the sweep could not reach Postgres for an upload; the next sweep tries again");
    }
  }
  return result;
}

/**
 * Sweeps now and every `everyMs` while the worker runs; a sweep still running when the next is due
 * lets it pass rather than applying the same uploads twice from one process. Returns a stop function
 * that resolves once the sweep in progress, if any, has finished the upload it was applying (an
 * upload cut short would be safe too, but the connections it uses are about to close).
 */
export function startUploadSweep(deps: SettleDeps, logger: Logger, everyMs = SWEEP_EVERY_MS, clock: () => number = Date.now): () => Promise<void> {
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  let afterSeq = 0;
  const run = () => {
    running ??= sweepUploads(deps, clock(), { afterSeq, signal: stopping.signal })
      .then(
        (result) => {
          afterSeq = result.nextAfterSeq;
          logger.debug(result, "swept pending uploads");
        },
        (err: unknown) => logger.warn({ err }, "sweeping pending uploads failed; will try again"),
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
