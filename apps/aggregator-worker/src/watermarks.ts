import type { Database } from "@tally/shared/db";
import type { Logger } from "@tally/shared/logger";
import type { Queue } from "bullmq";
import type { Kysely } from "kysely";
import { failedSpans } from "./failed-spans.js";

/**
 * An enqueue in flight when the queue was read may land just after: its events were accepted a
 * moment before. The watermark stays this far behind "now" so it never claims them folded.
 */
const IN_FLIGHT_MARGIN_MS = 1000;
const EVERY_MS = 1000;

/**
 * Every event accepted before the returned time has been folded: the queue time of the oldest job
 * not yet completed (active, waiting or retrying), or, with none, `now` less a margin.
 */
export async function foldedUpTo(queue: Queue, now: number): Promise<number> {
  const [oldest, retrying] = await Promise.all([
    // Lists are in queue order: the first of each is its oldest job.
    queue.getJobs(["active", "waiting", "prioritized"], 0, 0, true),
    // Delayed jobs (retries) are ordered by when they run next, not when they were queued.
    queue.getJobs(["delayed"], 0, 999, true),
  ]);
  return Math.min(now - IN_FLIGHT_MARGIN_MS, ...[...oldest, ...retrying].map((job) => job.timestamp));
}

/**
 * Records every queue's watermark in Postgres once a second, with what its failed set holds (jobs, and
 * the span of their event times: `failedSpans`); the later computation wins. Returns a stop function.
 */
export function startWatermarks(db: Kysely<Database>, queues: readonly Queue[], logger: Logger, clock: () => number = Date.now): () => void {
  const failedSpan = failedSpans();
  const run = async () => {
    const computedAt = clock();
    const rows = await Promise.all(
      queues.map(async (queue) => {
        const [asOf, failed] = await Promise.all([foldedUpTo(queue, computedAt), failedSpan(queue)]);
        return { queue: queue.name, as_of: new Date(asOf), computed_at: new Date(computedAt), failed_jobs: failed.jobs, failed_from: failed.from, failed_to: failed.to };
      }),
    );
    await db
      .insertInto("fold_watermarks")
      .values(rows)
      .onConflict((oc) =>
        oc
          .column("queue")
          .doUpdateSet((eb) => ({
            as_of: eb.ref("excluded.as_of"),
            computed_at: eb.ref("excluded.computed_at"),
            failed_jobs: eb.ref("excluded.failed_jobs"),
            failed_from: eb.ref("excluded.failed_from"),
            failed_to: eb.ref("excluded.failed_to"),
          }))
          .where("fold_watermarks.computed_at", "<", (eb) => eb.ref("excluded.computed_at")),
      )
      .execute();
  };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    run()
      .catch((err: unknown) => logger.debug({ err }, "could not record watermarks"))
      .finally(() => (running = false));
  }, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
