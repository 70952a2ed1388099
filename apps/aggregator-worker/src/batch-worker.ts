import type { RedisConnection } from "@tally/shared/redis";
import { isRetryableDbError } from "@tally/shared/db";
import type { Logger } from "@tally/shared/logger";
import { UnrecoverableError, Worker } from "bullmq";
import { z } from "zod";
import { createBatcher } from "./batcher.js";
import type { WorkerMetrics } from "./metrics.js";
import { retryTransient } from "./retry-transient.js";

/** A job as a fold sees it: its payload, parsed, its id (the key of a per-job ledger), and when it was queued. */
export interface BatchItem<J> {
  jobId: string;
  data: J;
  queuedAt: number;
}

/** What a fold did: how many things it counted for the first time, and how many it had seen before. */
export interface FoldResult {
  folded: number;
  skipped: number;
}

export interface BatchWorkerOptions<J> {
  queueName: string;
  schema: z.ZodType<J>;
  /** Applies a batch of jobs in one transaction, idempotently. */
  fold: (items: BatchItem<J>[]) => Promise<FoldResult>;
  connection: RedisConnection;
  prefix: string;
  /** Jobs held at once; also the most folded together. */
  concurrency: number;
  lingerMs: number;
  /** BullMQ lockDuration and stalledInterval: a dead worker's jobs return after about twice this. */
  lockMs: number;
  logger: Logger;
  metrics: WorkerMetrics;
}

/**
 * A BullMQ worker whose jobs are folded into the database in batches: up to `concurrency` jobs are
 * taken at once and each completes only when the batch holding it has committed.
 */
export function startBatchWorker<J>({ queueName, schema, fold, connection, prefix, concurrency, lingerMs, lockMs, logger, metrics }: BatchWorkerOptions<J>) {
  const log = logger.child({ queue: queueName });
  /** Folded so far: what tests and metrics read to see that jobs really are batched. */
  const stats = { batches: 0, jobs: 0 };
  // Aborted on shutdown: a batch waiting out a database outage then hands its jobs back to BullMQ.
  const closing = new AbortController();
  const batcher = createBatcher<BatchItem<J>>({
    maxItems: concurrency,
    lingerMs,
    fold: async (items) => {
      const started = performance.now();
      const result = await retryTransient(() => fold(items), log, closing.signal);
      const seconds = (performance.now() - started) / 1000;
      stats.batches += 1;
      stats.jobs += items.length;
      const labels = { queue: queueName };
      metrics.batchJobs.observe(labels, items.length);
      metrics.batchSeconds.observe(labels, seconds);
      metrics.folded.inc(labels, result.folded);
      metrics.skipped.inc(labels, result.skipped);
      const now = Date.now();
      for (const item of items) metrics.lagSeconds.observe(labels, (now - item.queuedAt) / 1000);
      log.debug({ jobs: items.length, ...result, ms: Math.round(seconds * 1000) }, "batch folded");
    },
    mayBeOneItem: (error) => !isRetryableDbError(error),
  });

  const worker = new Worker(
    queueName,
    async (job) => {
      const parsed = schema.safeParse(job.data);
      // Retrying cannot fix a payload that does not parse: straight to the failed set, with the reason.
      if (!parsed.success) throw new UnrecoverableError(`invalid job data: ${z.prettifyError(parsed.error)}`);
      await batcher.add({ jobId: String(job.id), data: parsed.data, queuedAt: job.timestamp });
    },
    // A job whose holders die (twice, say, through a Redis outage) is run again rather than failed:
    // every fold is idempotent, so another attempt is always safe, and failing it would lose it.
    { connection, prefix, concurrency, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 10 },
  );
  worker.on("failed", (job, err) => log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, "job failed"));
  worker.on("error", (err) => log.error({ err: err.message }, "worker error"));

  return {
    worker,
    stats,
    /** Stops taking jobs, lets the ones held finish their batch, and waits for it. */
    async close(): Promise<void> {
      closing.abort();
      await worker.close();
      await batcher.drain();
    },
  };
}
