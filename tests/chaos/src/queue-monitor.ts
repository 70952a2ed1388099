import { Queue } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import { KINDS, type Kind } from "./bodies.js";

/** Queue states that still hold work: a queue is drained when all are 0. */
const PENDING_STATES = ["waiting", "active", "delayed", "prioritized", "waiting-children"] as const;

export type QueueCounts = Record<Kind, Record<string, number>>;

export interface FailedJob {
  queue: Kind;
  id: string;
  reason: string;
  stalls: number;
  attempts: number;
  finishedOn: number;
  data: unknown;
}

/**
 * Reads the four queues' job counts (BullMQ's own view, under the system's prefix) without taking any
 * job. Every call has a deadline: while Redis is away it fails instead of waiting.
 */
export function createQueueMonitor(redisUrl: string, prefix: string) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  connection.on("error", () => undefined); // Redis is restarted on purpose; the calls' own errors say enough
  const queues = Object.fromEntries(KINDS.map((kind) => [kind, new Queue(kind, { connection, prefix })])) as Record<Kind, Queue>;
  for (const q of Object.values(queues)) q.on("error", () => undefined);

  const counts = async (): Promise<QueueCounts> => {
    const all = await withDeadline(Promise.all(KINDS.map((k) => queues[k].getJobCounts(...PENDING_STATES, "failed", "completed"))), 3000);
    return Object.fromEntries(KINDS.map((k, i) => [k, all[i]!])) as QueueCounts;
  };
  return {
    counts,
    /** Jobs held by workers right now, over all queues (0 if Redis does not answer). */
    async active(): Promise<number> {
      const c = await counts().catch(() => undefined);
      return c ? KINDS.reduce((n, k) => n + (c[k].active ?? 0), 0) : 0;
    },
    /** Every job in the failed sets: why, when, after how many stalls and attempts, and what it carried. */
    async failedJobs(): Promise<FailedJob[]> {
      const jobs = await Promise.all(KINDS.map((k) => queues[k].getFailed(0, -1)));
      return jobs.flat().map((j) => ({
        queue: j.queueName as Kind,
        id: String(j.id),
        reason: j.failedReason,
        stalls: j.stalledCounter,
        attempts: j.attemptsMade,
        finishedOn: j.finishedOn ?? 0,
        data: j.data as unknown,
      }));
    },
    async close(): Promise<void> {
      await Promise.allSettled(Object.values(queues).map((q) => q.close()));
      connection.disconnect();
    },
  };
}

export type QueueMonitor = ReturnType<typeof createQueueMonitor>;

/** Whether every queue is empty of pending work. */
function drained(counts: QueueCounts): boolean {
  return KINDS.every((k) => PENDING_STATES.every((s) => (counts[k][s] ?? 0) === 0));
}

/** Accepted products uploads still waiting to be applied (by their job or the sweep). */
async function unappliedUploads(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM product_uploads WHERE accepted_seq IS NOT NULL AND applied_at IS NULL");
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

/**
 * Waits until every queue is drained and every accepted upload is applied, seen twice in a row a
 * second apart (a job retried with backoff sits in `delayed`, so it counts as pending). Gives up after
 * `timeoutMs`, returning what it saw last.
 */
export async function waitForDrain(monitor: QueueMonitor, databaseUrl: string, timeoutMs: number): Promise<{ ok: boolean; ms: number; last: string }> {
  const started = Date.now();
  let quietSince: number | undefined;
  let last = "";
  while (Date.now() - started < timeoutMs) {
    try {
      const [counts, unapplied] = await Promise.all([monitor.counts(), unappliedUploads(databaseUrl)]);
      last = `${JSON.stringify(counts)} unapplied uploads: ${unapplied}`;
      if (drained(counts) && unapplied === 0) {
        quietSince ??= Date.now();
        if (Date.now() - quietSince >= 1000) return { ok: true, ms: Date.now() - started, last };
      } else {
        quietSince = undefined;
      }
    } catch (error) {
      last = `could not read: ${String(error)}`;
      quietSince = undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { ok: false, ms: Date.now() - started, last };
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
