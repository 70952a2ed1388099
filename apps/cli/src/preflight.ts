import { createIngestClient } from "@tally/client";

/** Nothing accepts connections at the URL: no API to wait for, so the run stops before it starts. */
export class NothingListening extends Error {
  override readonly name = "NothingListening";

  constructor(readonly url: string) {
    super(`nothing is listening at ${url}: is the ingest API running? (start it with pnpm start, or point --url at it)`);
  }
}

/** How long the check waits for an answer; a slow or silent address is left to the run's own retries. */
const PREFLIGHT_TIMEOUT_MS = 5000;

/**
 * Asks the ingest API's `/healthz` once before any batch is read or sent. A refused connection
 * throws NothingListening at once: the batches would otherwise retry it for --max-wait (10 min by
 * default), which helps when the API is restarting, not when it was never started. Any other
 * outcome, an answer or not, lets the run go on and meet it with its usual retries.
 */
export async function checkSomethingListens(url: string, fetchImpl?: (request: Request) => Promise<Response>): Promise<void> {
  const client = createIngestClient(url, { fetch: fetchImpl, headers: { "user-agent": "tally-cli/0.1.0" } });
  try {
    await client.GET("/healthz", { signal: AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS) });
  } catch (error) {
    if (connectionRefused(error)) throw new NothingListening(url);
  }
}

/** fetch's "fetch failed" with ECONNREFUSED underneath (for every address, where a name had several). */
function connectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown; errors?: { code?: unknown }[] } }).cause;
  if (cause?.code !== "ECONNREFUSED") return false;
  return cause.errors === undefined || cause.errors.every((e) => e.code === "ECONNREFUSED");
}
