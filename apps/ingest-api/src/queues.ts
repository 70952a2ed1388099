import { randomUUID } from "node:crypto";
import { serviceUnavailable } from "@tally/shared/http";
import { defaultJobOptions, MAX_EVENTS_PER_JOB, QUEUE_NAMES, type CountersJob, type FlowsJob, type MessagesJob, type ProductsJob } from "@tally/shared/queues";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";

/** How long an enqueue may take before the request gets 503 rather than waiting on a slow Redis. */
const ENQUEUE_TIMEOUT_MS = 5000;

export interface IngestQueues {
  messages: Queue<MessagesJob>;
  counters: Queue<CountersJob>;
  flows: Queue<FlowsJob>;
  products: Queue<ProductsJob>;
  /** Whether the producer connection is up right now. */
  connected(): boolean;
  close(): Promise<void>;
}

/** The queues ingest produces to, sharing one fail-fast producer connection. */
export function createIngestQueues(connection: Redis, prefix: string): IngestQueues {
  const options = { connection, prefix, defaultJobOptions };
  const messages = new Queue<MessagesJob>(QUEUE_NAMES.messages, options);
  const counters = new Queue<CountersJob>(QUEUE_NAMES.counters, options);
  const flows = new Queue<FlowsJob>(QUEUE_NAMES.flows, options);
  const products = new Queue<ProductsJob>(QUEUE_NAMES.products, options);
  return {
    messages,
    counters,
    flows,
    products,
    connected: () => connection.status === "ready",
    async close() {
      await Promise.all([messages.close(), counters.close(), flows.close(), products.close()]);
    },
  };
}

/**
 * Queues events at most MAX_EVENTS_PER_JOB per job, all of a request's jobs in one atomic addBulk.
 * Each job gets a random id: the worker's per-job ledger keys on it, and unlike BullMQ's counter it
 * never starts again from 1 if Redis loses its data.
 */
export async function enqueueInJobs<E, J>(queues: IngestQueues, queue: Queue<J>, events: E[], toJob: (chunk: E[]) => J): Promise<void> {
  const jobs = [];
  for (let start = 0; start < events.length; start += MAX_EVENTS_PER_JOB) {
    jobs.push({ name: queue.name, data: toJob(events.slice(start, start + MAX_EVENTS_PER_JOB)), opts: { jobId: randomUUID() } });
  }
  await addJobsOr503(queues, queue, jobs);
}

/**
 * Adds jobs atomically (all or none) and resolves once Redis has them, or throws 503. While the
 * connection is down nothing is attempted: BullMQ would wait for it to come back, the request would
 * hang, and the jobs could land after the client was told they had failed.
 */
async function addJobsOr503<T>(queues: IngestQueues, queue: Queue<T>, jobs: { name: string; data: T; opts: { jobId: string } }[]): Promise<void> {
  if (!queues.connected()) throw serviceUnavailable("the queue is not reachable; nothing was accepted, try again");
  try {
    await Promise.race([queue.addBulk(jobs as Parameters<Queue<T>["addBulk"]>[0]), rejectAfter(ENQUEUE_TIMEOUT_MS)]);
  } catch (error) {
    throw Object.assign(serviceUnavailable("the queue did not confirm the jobs; try again"), { cause: error });
  }
}

function rejectAfter(ms: number): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref());
}
