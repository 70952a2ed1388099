import { createMetricsRegistry } from "@tally/shared/http";
import { createLogger } from "@tally/shared/logger";
import { type CountersJob, defaultJobOptions, type FlowsJob, type messagesJobSchema, type ProductsJob, QUEUE_NAMES } from "@tally/shared/jobs";
import { createRedisConnection } from "@tally/shared/redis";
import { createTestDatabase, createTestRedis, eventually, testConfig } from "@tally/testing";
import { Queue } from "bullmq";
import { sql } from "kysely";
import type { z } from "zod";
import { createWorkerMetrics } from "../src/metrics.js";
import { createAppliedConfirm, createBodyDigestRelease, createPendingForget } from "../src/products/body-digests.js";
import type { SettleDeps } from "../src/products/settle-upload.js";
import { startWorkers } from "../src/workers.js";

/** A test's own database and queue prefix, a producer to fill the queues, and workers on demand. */
export async function createWorkerHarness() {
  const database = await createTestDatabase();
  const redis = createTestRedis();
  const config = testConfig({
    DATABASE_URL: database.url,
    QUEUE_PREFIX: redis.prefix,
    WORKER_CONCURRENCY: "16",
    BATCH_LINGER_MS: "5",
    // Fixtures have fixed dates; a run weeks from now must not prune them mid-test.
    COUNTER_MINUTE_RETENTION_DAYS: "36500",
    COUNTER_HOUR_RETENTION_DAYS: "36500",
  });
  const producer = createRedisConnection(redis.url, "worker");
  const options = { connection: producer, prefix: redis.prefix, defaultJobOptions };
  // What a producer may have queued: this release's jobs, and the previous release's (`hour`).
  const messages = new Queue<z.input<typeof messagesJobSchema>>(QUEUE_NAMES.messages, options);
  const counters = new Queue<CountersJob>(QUEUE_NAMES.counters, options);
  const flows = new Queue<FlowsJob>(QUEUE_NAMES.flows, options);
  const products = new Queue<ProductsJob>(QUEUE_NAMES.products, options);
  const queues: Queue[] = [messages, counters, flows, products];
  const running: { close(): Promise<void> }[] = [];
  const connections = [producer];
  const registry = createMetricsRegistry("worker");
  /** What settling uploads needs, as a worker process has it; `failed` counts into `registry`. */
  const settle: SettleDeps = {
    db: database.db,
    releaseDigest: createBodyDigestRelease(producer, redis.prefix),
    forgetPending: createPendingForget(producer, redis.prefix),
    confirmApplied: createAppliedConfirm(producer, redis.prefix, 600_000),
    failed: createWorkerMetrics(registry, []).uploadsFailed,
    logger: createLogger("worker", "silent"),
  };

  return {
    db: database.db,
    redis: producer,
    prefix: redis.prefix,
    settle,
    registry,
    messages,
    counters,
    flows,
    products,
    /** Starts one more worker process's worth of workers, on a connection of its own. */
    startWorkers() {
      const connection = createRedisConnection(redis.url, "worker");
      connections.push(connection);
      const registry = createMetricsRegistry("worker");
      const workers = startWorkers({ config, db: database.db, connection, logger: createLogger("worker", "silent"), registry });
      running.push(workers);
      return { ...workers, registry };
    },
    /** Resolves once every job of every queue is completed or failed. */
    async drained(timeoutMs = 15_000) {
      await eventually(
        async () => {
          const counts = await Promise.all(queues.map((q) => q.getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children")));
          return counts.every((c) => Object.values(c).every((n) => n === 0)) ? true : undefined;
        },
        timeoutMs,
        "the queue to drain",
      );
    },
    /** Every job in a failed set, as "queue: reason". */
    async failedJobs() {
      const failed = await Promise.all(queues.map(async (q) => (await q.getFailed()).map((j) => `${q.name}: ${j.failedReason}`)));
      return failed.flat();
    },
    async rollup() {
      const { rows } = await sql<{ quarter: Date; customer_id: string; type: string; count: string; total: string }>`
        SELECT quarter, customer_id, type, count, total FROM message_rollup ORDER BY quarter, customer_id, type`.execute(database.db);
      return rows.map((r) => ({ quarter: r.quarter.toISOString(), customerId: Number(r.customer_id), type: r.type, count: Number(r.count), total: r.total }));
    },
    async close() {
      await Promise.all(running.map((w) => w.close()));
      await Promise.all(queues.map((q) => q.close()));
      for (const c of connections) c.disconnect();
      await redis.clear();
      await database.drop();
    },
  };
}
