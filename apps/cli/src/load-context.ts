import type { IngestPaths } from "@tally/client";
import type { Post } from "./http-post.js";
import type { Kind, LoadOptions } from "./parse-args.js";
import type { RetryBudget } from "./retry-policy.js";
import type { Summary } from "./summary.js";

/** What a loader needs: the options, where outcomes go, and the shared transport and patience. */
export interface LoadContext {
  options: LoadOptions;
  summary: Summary;
  budget: RetryBudget;
  post: Post;
  /** For the progress line: bytes of the file read so far, and (products) elements streamed, in the current attempt. */
  progress: { bytesRead: number; eventsRead: number };
  /** Prefix of the X-Request-Id and Idempotency-Key each request carries: its logs can be found, its retries are safe. */
  runId: string;
  /** Aborted on Ctrl-C: stop reading, let requests in flight finish. */
  signal: AbortSignal;
}

// `satisfies`: each route is one the ingest API's OpenAPI document has.
const ROUTES = {
  messages: "/v1/messages",
  counters: "/v1/counters",
  flows: "/v1/flows",
  products: "/v1/products",
} satisfies Record<Kind, keyof IngestPaths>;

export function endpoint(options: LoadOptions): string {
  return `${options.url}${ROUTES[options.kind]}`;
}

/**
 * A batch's headers. `requestId` names the batch: it is its X-Request-Id and its Idempotency-Key, the
 * same on every retry, so a retry after an answer that never arrived counts the batch once, whatever
 * its kind, and an answer the API already gave comes back replayed.
 */
export function requestHeaders(options: LoadOptions, requestId: string): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, application/problem+json",
    "user-agent": "tally-cli/0.1.0",
    "x-request-id": requestId,
    "idempotency-key": requestId,
  };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
  return headers;
}
