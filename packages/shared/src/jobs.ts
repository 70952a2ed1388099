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
 * A small products upload (the fast path), whole: its products and what Postgres would otherwise have
 * recorded at acceptance (its number and time, its size, its body's digest).
 */
export const inlineUploadSchema = z.object({
  uploadId: z.uuid(),
  /** The upload's acceptance number (Redis), which orders it against every other upload, either path. */
  acceptedSeq: z.int().positive(),
  /** When it was accepted, in ms since the epoch (Redis's clock). */
  acceptedAt: z.int().nonnegative(),
  /** Products in the body. */
  products: z.int().positive(),
  /** The body's SHA-256: the worker releases its window by it if the upload fails. */
  digest: z.string(),
  /** The products as a JSON array text, each exactly as posted, in body order. */
  documents: z.string(),
});
export type InlineUpload = z.infer<typeof inlineUploadSchema>;

/**
 * `products` job: either names a large upload staged in Postgres and accepted (`uploadId`; the job
 * only hurries things along: the worker's sweep applies any accepted upload whose job went missing),
 * or carries small uploads whole (`uploads`: ingest gathers those accepted together into one job,
 * each upload entirely in it). Both fields optional so jobs of the previous deploy still parse.
 */
export const productsJobSchema = z
  .object({
    uploadId: z.uuid().optional(),
    uploads: z.array(inlineUploadSchema).min(1).optional(),
  })
  .refine((job) => job.uploadId !== undefined || job.uploads !== undefined, "names a staged upload or carries small ones");
export type ProductsJob = z.infer<typeof productsJobSchema>;

/** Retries with backoff, then the failed set; completed jobs are kept briefly and bounded. */
export const defaultJobOptions: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 100_000 },
};
