import { serviceUnavailable } from "@tally/shared/http";
import type { Logger } from "@tally/shared/logger";
import { type CountersJob, defaultJobOptions, type FlowsJob, type InlineUpload, MAX_EVENTS_PER_JOB, type MessagesJob, newJobId, type ProductsJob, QUEUE_NAMES } from "@tally/shared/jobs";
import { pendingUploadKey, type RedisConnection } from "@tally/shared/redis";
import type { CounterEvent, Flow, Message } from "@tally/shared/schemas";
import { Queue } from "bullmq";
import { ReplyError } from "ioredis";
import { createCoalescer } from "./coalescer.js";

/** How long an enqueue (or another Redis call a request waits on) may take before the request gets 503 rather than waiting on a slow Redis. */
export const REDIS_ANSWER_TIMEOUT_MS = 5000;
/**
 * The most bytes of products one job gathers from concurrent small uploads (NOTES: BullMQ is happiest
 * with jobs of up to ~256 KB); a single upload over it still goes, alone.
 */
const MAX_PRODUCTS_JOB_BYTES = 512 * 1024;
/** How long a pending upload's mark outlives its acceptance if no worker ever deletes it. */
export const PENDING_MARK_MS = 7 * 24 * 3_600_000;

/** How often each queue's backlog is read: one Redis call per queue per interval, not one per request. */
const BACKLOG_POLL_MS = 500;

export interface IngestQueues {
  messages: Queue<MessagesJob>;
  counters: Queue<CountersJob>;
  flows: Queue<FlowsJob>;
  products: Queue<ProductsJob>;
  /**
   * Queue a request's events; each resolves once Redis has all of them (or throws 503). A request is
   * queued whole or not at all; small concurrent requests share jobs.
   */
  enqueue: {
    /** Messages accepted during the quarter hour starting at `quarter`. */
    messages(messages: Message[], quarter: number, ids?: JobIds): Promise<void>;
    counters(counters: CounterEvent[], ids?: JobIds): Promise<void>;
    flows(flows: Flow[], ids?: JobIds): Promise<void>;
    /**
     * A small products upload, whole: marked pending (for its status) unless its claim already did
     * (`marked`), then queued in one job with the other small uploads accepted at the same moment.
     * Throws 503 if either step fails.
     */
    products(upload: InlineUpload, marked?: boolean): Promise<void>;
  };
  /**
   * Whether a job whose add went unanswered (`unconfirmedJobKeys`) is in Redis now; undefined if Redis
   * cannot say within the answer timeout. Asked on the connection the add went out on, after it, so
   * an add Redis was still holding has been carried out by the time it answers.
   */
  jobLanded(jobKey: string): Promise<boolean | undefined>;
  /** Whether the producer connection is up right now. */
  connected(): boolean;
  /** Jobs waiting in a queue as last read. */
  backlog(queue: Queue): number;
  /** Reads every queue's backlog now (it is also read every half second). */
  refreshBacklog(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The ids of a keyed request's jobs, by chunk number: the same on every attempt, so a retry can never
 * add a second job. Such a request gets jobs of its own: sharing one with other requests (the
 * coalescer's group commit) would make its jobs' contents, and so their ids, depend on its neighbours.
 */
export type JobIds = (chunk: number) => string;

export interface IngestQueuesOptions {
  prefix: string;
  logger: Logger;
}

/** The queues ingest produces to, sharing one fail-fast producer connection, and their backlogs. */
export function createIngestQueues(connection: RedisConnection, { prefix, logger }: IngestQueuesOptions): IngestQueues {
  const options = { connection, prefix, defaultJobOptions };
  const messages = new Queue<MessagesJob>(QUEUE_NAMES.messages, options);
  const counters = new Queue<CountersJob>(QUEUE_NAMES.counters, options);
  const flows = new Queue<FlowsJob>(QUEUE_NAMES.flows, options);
  const products = new Queue<ProductsJob>(QUEUE_NAMES.products, options);
  const all: Queue[] = [messages, counters, flows, products];

  const backlogs = new Map<string, number>();
  const refreshBacklog = async () => {
    if (connection.status !== "ready") return;
    const counts = await Promise.all(all.map((q) => q.count()));
    all.forEach((q, i) => backlogs.set(q.name, counts[i] ?? 0));
  };
  const poll = setInterval(() => {
    refreshBacklog().catch((err: unknown) => logger.debug({ err }, "could not read the queue backlog"));
  }, BACKLOG_POLL_MS);
  poll.unref();

  const connected = () => connection.status === "ready";
  const enqueuer = <E, J>(queue: Queue<J>, toJob: (events: E[], key: string) => J) => {
    const addJobs = (chunks: E[][], key: string, ids: JobIds = () => newJobId()) =>
      addJobsOr503(connected, queue, chunks.map((chunk, i) => ({ name: queue.name, data: toJob(chunk, key), opts: { jobId: ids(i) } })));
    const coalescer = createCoalescer<E>({ addJob: (events, key) => addJobs([events], key) });
    return (events: E[], key = "", ids?: JobIds) =>
      events.length <= MAX_EVENTS_PER_JOB && !ids ? coalescer.add(events, key) : addJobs(chunk(events, MAX_EVENTS_PER_JOB), key, ids);
  };
  const enqueueMessages = enqueuer(messages, (events: Message[], quarter) => ({ quarter: Number(quarter), messages: events }));
  const enqueueCounters = enqueuer(counters, (events: CounterEvent[]) => ({ counters: events }));
  const enqueueFlows = enqueuer(flows, (events: Flow[]) => ({ flows: events }));
  // Marks first, job second: a job never carries an upload whose status would be unknown. A mark left
  // by a failed add names an upload no client was told of, and expires.
  const uploadsCoalescer = createCoalescer<{ upload: InlineUpload; marked: boolean }>({
    addJob: async (pending) => {
      if (!connected()) throw serviceUnavailable("the queue is not reachable; nothing was accepted, try again");
      const uploads = pending.map((p) => p.upload);
      const marks = pending
        .filter((p) => !p.marked)
        .map(({ upload: u }) => connection.set(pendingUploadKey(prefix, u.uploadId), JSON.stringify({ products: u.products, acceptedAt: u.acceptedAt }), "PX", PENDING_MARK_MS));
      try {
        await Promise.race([Promise.all(marks), rejectAfter(REDIS_ANSWER_TIMEOUT_MS)]);
      } catch (error) {
        throw Object.assign(serviceUnavailable("the queue did not confirm the upload; try again"), { cause: error });
      }
      await addJobsOr503(connected, products, [{ name: products.name, data: { uploads }, opts: { jobId: newJobId() } }]);
    },
    maxEvents: MAX_PRODUCTS_JOB_BYTES,
    weight: (p) => p.upload.documents.length,
  });

  return {
    messages,
    counters,
    flows,
    products,
    enqueue: {
      messages: (events, quarter, ids) => enqueueMessages(events, String(quarter), ids),
      counters: (events, ids) => enqueueCounters(events, "", ids),
      flows: (events, ids) => enqueueFlows(events, "", ids),
      products: (upload, marked = false) => uploadsCoalescer.add([{ upload, marked }]),
    },
    async jobLanded(jobKey) {
      if (!connected()) return undefined;
      try {
        return (await Promise.race([connection.exists(jobKey), rejectAfter(REDIS_ANSWER_TIMEOUT_MS)])) === 1;
      } catch {
        return undefined;
      }
    },
    connected,
    backlog: (queue) => backlogs.get(queue.name) ?? 0,
    refreshBacklog,
    async close() {
      clearInterval(poll);
      await Promise.all(all.map((q) => q.close()));
    },
  };
}

function chunk<E>(events: E[], size: number): E[][] {
  const chunks = [];
  for (let start = 0; start < events.length; start += size) chunks.push(events.slice(start, start + size));
  return chunks;
}

/**
 * Adds jobs atomically (all or none) and resolves once Redis has them, or throws 503. While the
 * connection is down nothing is attempted: BullMQ would wait for it to come back, the request would
 * hang, and the jobs could land after the client was told they had failed. Each job has a UUIDv7 id
 * (`newJobId`): the worker's per-job ledgers key on it, and unlike BullMQ's counter it never starts
 * again from 1 if Redis loses its data.
 */
async function addJobsOr503<T>(connected: () => boolean, queue: Queue<T>, jobs: { name: string; data: T; opts: { jobId: string } }[]): Promise<void> {
  if (!connected()) throw serviceUnavailable("the queue is not reachable; nothing was accepted, try again");
  // One job (a coalesced group's) needs no bulk: addBulk builds an ioredis pipeline, ~0.2 ms of CPU each.
  const [only] = jobs;
  const adding = jobs.length === 1 && only ? queue.add(only.name as Parameters<Queue<T>["add"]>[0], only.data as Parameters<Queue<T>["add"]>[1], only.opts) : queue.addBulk(jobs as Parameters<Queue<T>["addBulk"]>[0]);
  try {
    await Promise.race([adding, rejectAfter(REDIS_ANSWER_TIMEOUT_MS)]);
  } catch (error) {
    // An error Redis answered with is an add carried out and refused; only silence leaves it open.
    const unconfirmed: UnconfirmedJobs = { jobKeys: error instanceof ReplyError ? [] : jobs.map((j) => queue.toKey(j.opts.jobId)) };
    throw Object.assign(serviceUnavailable("the queue did not confirm the jobs; try again"), { cause: error }, unconfirmed);
  }
}

/**
 * On the 503 of an add that was sent but not answered (a timeout, a dropped connection): the keys its
 * jobs have if they landed after all. Redis paused or slow still carries the add out later, and ioredis
 * resends a command a dropped connection left unanswered, so such jobs may land after the 503.
 */
interface UnconfirmedJobs {
  jobKeys: string[];
}

/** The keys of the jobs an enqueue's error says may have landed, or none if nothing was sent. */
export function unconfirmedJobKeys(error: unknown): string[] {
  const keys = (error as Partial<UnconfirmedJobs> | undefined)?.jobKeys;
  return Array.isArray(keys) ? keys : [];
}

/** Rejects after `ms`: raced against a Redis call, so a request answers 503 instead of hanging on it. */
export function rejectAfter(ms: number): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref());
}
