import type { Config } from "@tally/shared/config";
import type { Database } from "@tally/shared/db";
import type { Logger } from "@tally/shared/logger";
import { countersJobSchema, flowsJobSchema, messagesJobSchema, productsJobSchema, QUEUE_NAMES } from "@tally/shared/jobs";
import type { RedisConnection } from "@tally/shared/redis";
import type { Registry } from "@tally/shared/http";
import { Queue } from "bullmq";
import type { Kysely } from "kysely";
import { startBatchWorker } from "./batch-worker.js";
import { foldCounters } from "./counters/fold-counters.js";
import { foldFlows } from "./flows/fold-flows.js";
import { foldMessages } from "./messages/fold-messages.js";
import { createWorkerMetrics } from "./metrics.js";
import { createAppliedConfirm, createBodyDigestRelease, createPendingForget } from "./products/body-digests.js";
import { foldProducts } from "./products/fold-products.js";
import { startUploadSweep } from "./products/sweep-uploads.js";
import { startUpkeep } from "./upkeep.js";
import { startWatermarks } from "./watermarks.js";

export interface WorkersDeps {
  config: Config;
  db: Kysely<Database>;
  connection: RedisConnection;
  logger: Logger;
  registry: Registry;
}

/** One batch worker per event kind, all in this process, with the pruning, the upload sweep and metrics. */
export function startWorkers({ config, db, connection, logger, registry }: WorkersDeps) {
  // Read-only handles on the queues, for their job counts in /metrics.
  const queues = Object.values(QUEUE_NAMES).map((name) => new Queue(name, { connection, prefix: config.QUEUE_PREFIX }));
  const metrics = createWorkerMetrics(registry, queues);
  const common = {
    connection,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    lingerMs: config.BATCH_LINGER_MS,
    lockMs: config.WORKER_LOCK_MS,
    logger,
    metrics,
  };
  const settle = {
    db,
    releaseDigest: createBodyDigestRelease(connection, config.QUEUE_PREFIX),
    forgetPending: createPendingForget(connection, config.QUEUE_PREFIX),
    confirmApplied: createAppliedConfirm(connection, config.QUEUE_PREFIX, config.DEDUP_WINDOW_MS),
    failed: metrics.uploadsFailed,
    logger,
  };
  const workers = [
    startBatchWorker({
      ...common,
      queueName: QUEUE_NAMES.messages,
      schema: messagesJobSchema,
      fold: (items) => foldMessages(db, items.map((i) => i.data)),
    }),
    startBatchWorker({ ...common, queueName: QUEUE_NAMES.counters, schema: countersJobSchema, fold: (items) => foldCounters(db, items) }),
    startBatchWorker({ ...common, queueName: QUEUE_NAMES.flows, schema: flowsJobSchema, fold: (items) => foldFlows(db, items) }),
    startBatchWorker({ ...common, queueName: QUEUE_NAMES.products, schema: productsJobSchema, fold: (items) => foldProducts(settle, items) }),
  ];
  const stopUpkeep = startUpkeep(db, config, logger);
  const stopSweep = startUploadSweep(settle, logger);
  const stopWatermarks = startWatermarks(db, queues, logger);
  return {
    workers,
    queues,
    async close(): Promise<void> {
      stopUpkeep();
      stopWatermarks();
      await Promise.all([stopSweep(), ...workers.map((w) => w.close())]);
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}
