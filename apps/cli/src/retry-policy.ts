import { setTimeout as sleep } from "node:timers/promises";

/** Without a Retry-After, the first retry waits this long, then twice as long each time … */
const FIRST_BACKOFF_MS = 1000;
/** … up to this. */
const MAX_BACKOFF_MS = 30_000;
/** A `Retry-After: 0` must not turn into a busy loop against an overloaded API. */
const MIN_RETRY_MS = 100;

/**
 * The wait a `Retry-After` header asks for (RFC 9110 §10.2.3: delay-seconds or an HTTP-date), in ms;
 * undefined when absent or unreadable, so the caller backs off on its own.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  // Only a real HTTP-date (it names a weekday or a month), not whatever Date.parse might make of "1e3".
  const date = /[a-z]{3}/i.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** 1 s, 2 s, 4 s … capped at 30 s, for the `retry`-th retry of one batch (0-based). */
export function backoffMs(retry: number): number {
  return Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.min(retry, 30));
}

/** How long to wait before retrying a 429 or 503: what the server asked, else the batch's backoff. */
export function retryDelayMs(retryAfter: string | undefined, retry: number, now: number): number {
  return Math.max(MIN_RETRY_MS, parseRetryAfter(retryAfter, now) ?? backoffMs(retry));
}

/**
 * The run's patience, shared by every batch. Retries are unbounded in number, but once the API has made
 * no progress (no answer other than "later" or a network error) for `maxWaitMs`, the whole run stops:
 * with the API down, every batch would otherwise wait out its own max-wait, one after another.
 * Also counts the wall-clock time during which at least one batch was waiting, for the summary.
 */
export class RetryBudget {
  /** Why the run stopped sending, once it has. */
  stopped: string | undefined;
  private lastProgressAt: number;
  private waiting = 0;
  private waitingSince = 0;
  private waitedMs = 0;
  private readonly abort = new AbortController();

  private readonly clock: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<unknown>;

  constructor(
    private readonly maxWaitMs: number,
    /** Time itself, for tests. */
    time: { clock?: () => number; sleep?: (ms: number, signal: AbortSignal) => Promise<unknown> } = {},
  ) {
    this.clock = time.clock ?? Date.now;
    this.sleep = time.sleep ?? ((ms, signal) => sleep(ms, undefined, { signal }));
    this.lastProgressAt = this.clock();
  }

  /** The API gave a definite answer (accepted or rejected): the stall clock starts again. */
  progressed(): void {
    this.lastProgressAt = this.clock();
  }

  /** Stops the run: batches waiting wake up and give up, later ones are not sent. */
  stop(reason: string): void {
    this.stopped ??= reason;
    this.abort.abort();
  }

  /** Waits `ms` before a retry; false, and the run stopped, if that would pass max-wait without progress. */
  async wait(ms: number, lastAnswer: string): Promise<boolean> {
    if (this.stopped !== undefined) return false;
    if (this.clock() + ms - this.lastProgressAt > this.maxWaitMs) {
      this.stop(`gave up: the API took no request within --max-wait (${formatMs(this.maxWaitMs)}); last answer: ${lastAnswer}`);
      return false;
    }
    if (this.waiting++ === 0) this.waitingSince = this.clock();
    try {
      await this.sleep(ms, this.abort.signal);
    } catch {
      // Aborted by stop(): fall through and report it.
    } finally {
      if (--this.waiting === 0) this.waitedMs += this.clock() - this.waitingSince;
    }
    return this.stopped === undefined;
  }

  /** Whether some batch is waiting to retry right now. */
  get isWaiting(): boolean {
    return this.waiting > 0;
  }

  /** Wall-clock ms during which at least one batch was waiting to retry. */
  waited(): number {
    return this.waitedMs + (this.waiting > 0 ? this.clock() - this.waitingSince : 0);
  }
}

/** 90000 → "90 s", 600000 → "10 min". */
function formatMs(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000} min`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}
