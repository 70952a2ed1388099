import createClient, { type Client } from "openapi-fetch";
import type { components as IngestComponents, paths as IngestPaths } from "./generated/ingest.js";
import type { components as QueryComponents, paths as QueryPaths } from "./generated/query.js";

export type { IngestPaths, QueryPaths };
/** An RFC 9457 problem, as every Tally API answers an error (422s name each bad field in `errors`). */
export type Problem = IngestComponents["schemas"]["Problem"];
/** An ingest 202's body: how many events the request put on the queue. */
export type Accepted = IngestComponents["schemas"]["Accepted"];
/** A usage message, as `POST /v1/messages` takes it (one, or an array). */
export type Message = IngestComponents["schemas"]["Message"];
/** Requests per domain at a Unix second, as `POST /v1/counters` takes it. (The generated type reads `timestamp` as a number; the API also takes a string of digits.) */
export type Counter = IngestComponents["schemas"]["Counter"];
/** Bytes between two applications in an hour, as `POST /v1/flows` takes an array of them. */
export type Flow = IngestComponents["schemas"]["Flow"];
/** A catalogue entry, as `POST /v1/products` takes an array of them: an `id` and any other fields. */
export type Product = IngestComponents["schemas"]["Product"];
/** Where an accepted products upload stands (the query API's `GET /v1/products/uploads/{id}`). */
export type UploadStatus = QueryComponents["schemas"]["UploadStatus"];

export interface TallyClientOptions {
  /** Sent as `Authorization: Bearer <apiKey>`, where the API's keys are set. */
  apiKey?: string | undefined;
  /** The fetch to send requests with (a test's double, one with a proxy); the global one by default. */
  fetch?: ((request: Request) => Promise<Response>) | undefined;
  /** More headers for every request (`user-agent`, say). */
  headers?: Record<string, string> | undefined;
}

export type IngestClient = Client<IngestPaths>;
export type QueryClient = Client<QueryPaths>;

/** A typed client of the ingest API at `baseUrl` (`http://127.0.0.1:3000`): `client.POST("/v1/messages", { body })`. */
export function createIngestClient(baseUrl: string, options: TallyClientOptions = {}): IngestClient {
  return createClient<IngestPaths>(clientOptions(baseUrl, options));
}

/** A typed client of the query API at `baseUrl` (`http://127.0.0.1:3001`): `client.GET("/v1/flows", { params: { query: { hour: "1" } } })`. */
export function createQueryClient(baseUrl: string, options: TallyClientOptions = {}): QueryClient {
  return createClient<QueryPaths>(clientOptions(baseUrl, options));
}

function clientOptions(baseUrl: string, { apiKey, fetch, headers }: TallyClientOptions) {
  return {
    baseUrl: baseUrl.replace(/\/+$/, ""),
    ...(fetch ? { fetch } : {}),
    headers: { ...headers, ...(apiKey !== undefined ? { authorization: `Bearer ${apiKey}` } : {}) },
  };
}
