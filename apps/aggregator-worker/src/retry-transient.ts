import { isRetryableDbError } from "@tally/shared/db";
import type { Logger } from "@tally/shared/logger";

/**
 * Retries `run` while it fails with a transient database error (deadlock, serialization failure,
 * Postgres restarting), with backoff up to `budgetMs`; then the error goes to BullMQ, which retries
 * the jobs later. Every effect is idempotent, so running a batch again is safe.
 */
export async function retryTransient<T>(run: () => Promise<T>, logger: Logger, budgetMs = 30_000): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isRetryableDbError(error) || Date.now() >= deadline) throw error;
      const delay = Math.min(50 * 2 ** attempt, 2000) * (0.5 + Math.random() / 2);
      logger.warn({ err: error, attempt, delayMs: Math.round(delay) }, "transient database error; retrying batch");
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
