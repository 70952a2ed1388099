/** Tally's two HTTP APIs. */
export type ApiName = "ingest" | "query";

/** The other API, to point a lost request at: its name and the port it listens on. */
export interface OtherApi {
  name: ApiName;
  port: number;
}

const INGEST = /^\/(?:v1\/(?:messages|counters|flows|products)|api\/events|flows)$/;
const QUERY = /^\/(?:v1\/(?:stats\/.+|flows|products\/.+|dashboard\/.+)|stats\/.+|api\/stats\/.+|flows|dashboard(?:\/.*)?)$/;

/** Which API serves this method and path, by the shape of Tally's routes; undefined for neither. */
export function servedBy(method: string, path: string): ApiName | undefined {
  if (method === "POST" && INGEST.test(path)) return "ingest";
  if ((method === "GET" || method === "HEAD") && QUERY.test(path)) return "query";
  return undefined;
}

/**
 * What a 404 says: where this API's routes are listed and, for a request meant for the other API (a
 * GET of stats sent to ingest's port, say), which API and port serve it.
 */
export function notFoundDetail(method: string, path: string, otherApi: OtherApi | undefined): string {
  const base = `no route for ${method} ${path}`;
  if (otherApi && servedBy(method, path) === otherApi.name) {
    return `${base} here: it is served by the ${otherApi.name} API (port ${otherApi.port} by default). The routes of this API are listed at /docs`;
  }
  return `${base}. The routes of this API are listed at /docs (and /openapi.json)`;
}
