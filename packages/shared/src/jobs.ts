import type { DefaultJobOptions } from "bullmq";
import { z } from "zod";
import { flowSchema } from "./schemas/flows.schema.js";
import { messageSchema } from "./schemas/messages.schema.js";
import { HOUR_MS, QUARTER_HOUR_MS } from "./time.js";

// What ingest puts on the queues and the worker takes off them: the contract between the two, and
// the names the query API reads freshness by. Types only from bullmq: importing this loads no queue code.

export { derivedJobId, jobIdTime, newJobId } from "./job-id.js";

/** BullMQ queue names, one per event kind. */
export const QUEUE_NAMES = {
  messages: "messages",
  counters: "counters",
  flows: "flows",
  products: "products",
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** The most events ingest puts into one job: many per job is what makes BullMQ fast (NOTES: ~1k). */
export const MAX_EVENTS_PER_JOB = 1000;

/**
 * `messages` job: messages accepted during the quarter hour starting at `quarter` (epoch ms), from one
 * or several requests (ingest gathers small concurrent requests into one job).
 * uuids are lower-cased by ingest so the ledger compares them case-insensitively.
 * Jobs queued by a release before migration 0011 carry `hour` instead (messages dated to the hour):
 * they still parse, as the quarter the hour starts with, where their messages were always counted.
 */
export const messagesJobSchema = z
  .object({
    quarter: z.number().int().nonnegative().multipleOf(QUARTER_HOUR_MS).optional(),
    hour: z.number().int().nonnegative().multipleOf(HOUR_MS).optional(),
    messages: z.array(messageSchema).min(1),
  })
  .transform(({ quarter, hour, messages }, ctx) => {
    const at = quarter ?? hour;
    if (at === undefined || (quarter !== undefined && hour !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["quarter"], message: "needs a quarter (or, from the previous release, an hour), not both" });
      return z.NEVER;
    }
    return { quarter: at, messages };
  });
export type MessagesJob = z.output<typeof messagesJobSchema>;

/**
 * `counters` job: counters of one request (or part of one). The worker's job-id ledger makes each
 * job count once, since counters carry no id of their own.
 */
export const countersJobSchema = z.object({
  counters: z
    .array(
      z.object({
        timestamp: z.number().int().nonnegative(),
        counts: z.array(z.tuple([z.string().min(1), z.number().int().nonnegative()])).min(1),
      }),
    )
    .min(1),
});
export type CountersJob = z.infer<typeof countersJobSchema>;

/** `flows` job: flows of one request (or part of one); like counters, counted once per job id. */
export const flowsJobSchema = z.object({
  flows: z.array(flowSchema).min(1),
});
export type FlowsJob = z.infer<typeof flowsJobSchema>;

/**
 * `products` job: names an upload whose products are staged in Postgres and accepted. The job only
 * hurries things along: the worker's sweep applies any accepted upload whose job went missing.
 */
export const productsJobSchema = z.object({
  uploadId: z.uuid(),
});
export type ProductsJob = z.infer<typeof productsJobSchema>;

/** Retries with backoff, then the failed set; completed jobs are kept briefly and bounded. */
export const defaultJobOptions: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 100_000 },
};
