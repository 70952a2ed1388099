import { isRetryableDbError } from "@tally/shared/db";
import type { Logger } from "@tally/shared/logger";

const MAX_DELAY_MS = 5000;

/**
 * Retries `run` while it fails with a transient database error (deadlock, serialization failure,
 * Postgres restarting or away), with backoff up to 5 s, for as long as it takes: a Postgres outage
 * makes the worker wait, not burn its jobs' attempts. Once `signal` is aborted (shutdown) the last
 * error goes to BullMQ, which retries those jobs later. Every effect is idempotent, so running a
 * batch again is safe.
 */
export async function retryTransient<T>(run: () => Promise<T>, logger: Logger, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isRetryableDbError(error) || signal?.aborted) throw error;
      const delay = Math.min(50 * 2 ** attempt, MAX_DELAY_MS) * (0.5 + Math.random() / 2);
      if (attempt === 1 || attempt % 10 === 0) logger.warn({ err: error, attempt, delayMs: Math.round(delay) }, "transient database error; retrying batch");
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
