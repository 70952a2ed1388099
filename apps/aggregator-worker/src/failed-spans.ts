import { countersJobSchema, flowsJobSchema, messagesJobSchema, QUEUE_NAMES } from "@tally/shared/jobs";
import { QUARTER_HOUR_MS } from "@tally/shared/time";
import type { Queue } from "bullmq";

/**
 * The jobs in a queue's failed set, and the span of event times they carry, in the queue's own unit
 * (epoch ms; the flow `hour` for flows). `from`/`to` null while jobs > 0: the span is not known (a job
 * that does not parse, or more failed jobs than are read), so every window counts as touched.
 */
export interface FailedSpan {
  jobs: number;
  from: number | null;
  to: number | null;
}

/** Failed jobs read to find the span at most; past this the span is "unknown". */
const MAX_READ = 1000;

/** Where a job's events fall, by queue: undefined for a job that does not parse, or a kind with no time. */
const SPANS: Record<string, (data: unknown) => [number, number] | undefined> = {
  [QUEUE_NAMES.messages]: (data) => {
    const job = messagesJobSchema.safeParse(data);
    // An old job's `hour` is folded into the hour's first quarter, so that quarter is all it touches.
    return job.success ? [job.data.quarter, job.data.quarter + QUARTER_HOUR_MS - 1] : undefined;
  },
  [QUEUE_NAMES.counters]: (data) => {
    const job = countersJobSchema.safeParse(data);
    if (!job.success) return undefined;
    const seconds = job.data.counters.map((c) => c.timestamp);
    return [Math.min(...seconds) * 1000, Math.max(...seconds) * 1000 + 999];
  },
  [QUEUE_NAMES.flows]: (data) => {
    const job = flowsJobSchema.safeParse(data);
    if (!job.success) return undefined;
    const hours = job.data.flows.map((f) => f.hour);
    return [Math.min(...hours), Math.max(...hours)];
  },
};

/**
 * Reads a queue's failed set as a span. Cheap when nothing failed (one count); the jobs themselves are
 * read only when their number changed since the last call, since they may be large.
 */
export function failedSpans(): (queue: Queue) => Promise<FailedSpan> {
  const last = new Map<string, FailedSpan>();
  return async (queue) => {
    const jobs = await queue.getFailedCount();
    const known = last.get(queue.name);
    if (known?.jobs === jobs) return known;
    const span = jobs === 0 ? { jobs, from: null, to: null } : await readSpan(queue, jobs);
    last.set(queue.name, span);
    return span;
  };
}

async function readSpan(queue: Queue, jobs: number): Promise<FailedSpan> {
  const spanOf = SPANS[queue.name];
  if (!spanOf || jobs > MAX_READ) return { jobs, from: null, to: null };
  let from = Infinity;
  let to = -Infinity;
  for (const job of await queue.getFailed(0, MAX_READ - 1)) {
    const span = spanOf(job.data);
    if (!span) return { jobs, from: null, to: null };
    from = Math.min(from, span[0]);
    to = Math.max(to, span[1]);
  }
  return Number.isFinite(from) ? { jobs, from, to } : { jobs, from: null, to: null };
}
