import { monitorEventLoopDelay } from "node:perf_hooks";

/** What running something cost the process it ran in: wall time, and the longest the event loop was held. */
export interface Cost<T> {
  result: T;
  ms: number;
  /** The longest stretch (ms) the event loop could not turn while `run` ran: what every other request waited. */
  maxLoopDelayMs: number;
}

/**
 * Runs `run` and measures its cost. For an app served in the test's own process, the loop delay is the
 * app's: a request that blocks for 10 s shows here as a 10 s delay, whatever status it answered.
 */
export async function measureCost<T>(run: () => Promise<T>): Promise<Cost<T>> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const started = performance.now();
  try {
    const result = await run();
    return { result, ms: performance.now() - started, maxLoopDelayMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}
