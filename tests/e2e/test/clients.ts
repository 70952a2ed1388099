import { createIngestClient, createQueryClient } from "@tally/client";
import type { System } from "@tally/testing";

/**
 * Typed clients of a system's two APIs, generated from their OpenAPI documents: every request an e2e
 * test makes through them also proves the documents against the real processes.
 */
export function clientsOf(system: System) {
  return { ingest: createIngestClient(system.ingestUrl), query: createQueryClient(system.queryUrl) };
}

/** The body of a 2xx answer; any other answer fails, showing its status and problem. */
export async function ok<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await request;
  if (!response.ok || data === undefined) throw new Error(`${response.status} ${response.url}: ${JSON.stringify(error)}`);
  return data;
}
