import type { Registry } from "@tally/shared/http";
import { Counter, Gauge, Histogram } from "prom-client";
import type { Queue } from "bullmq";

/** What a worker process exposes at /metrics besides Node's own metrics. */
export function createWorkerMetrics(registry: Registry, queues: readonly Queue[]) {
  const registers = [registry];
  new Gauge({
    name: "tally_queue_jobs",
    help: "Jobs in each queue by state, read from Redis when scraped",
    labelNames: ["queue", "state"] as const,
    registers,
    async collect() {
      for (const queue of queues) {
        const counts = await queue.getJobCounts("waiting", "active", "delayed", "failed", "prioritized");
        for (const [state, n] of Object.entries(counts)) this.set({ queue: queue.name, state }, n);
      }
    },
  });
  return {
    batchJobs: new Histogram({
      name: "tally_batch_jobs",
      help: "Jobs folded together in one batch",
      labelNames: ["queue"] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    batchSeconds: new Histogram({
      name: "tally_batch_duration_seconds",
      help: "Time to fold one batch into Postgres, retries included",
      labelNames: ["queue"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    lagSeconds: new Histogram({
      name: "tally_worker_lag_seconds",
      help: "From a job being queued to its batch committing",
      labelNames: ["queue"] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    folded: new Counter({
      name: "tally_folded_total",
      help: "Newly counted: message uuids, counters and flows jobs, products uploads",
      labelNames: ["queue"] as const,
      registers,
    }),
    uploadsFailed: new Counter({
      name: "tally_product_uploads_failed_total",
      help: "Accepted products uploads that could not be applied: marked failed, their body window released",
      registers,
    }),
    skipped: new Counter({
      name: "tally_duplicates_skipped_total",
      help: "Seen before and skipped: repeated message uuids, redelivered jobs, uploads already applied",
      labelNames: ["queue"] as const,
      registers,
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
