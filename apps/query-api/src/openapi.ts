import { buildOpenApi, HttpError, notFound, serviceUnavailable, validationFailed, type FieldError, type OperationSpec } from "@tally/shared/http";
import { MAX_PRODUCT_ID_LENGTH } from "@tally/shared/schemas";
import { z } from "zod";
import { seedTopResponse, topDomainsQuery, topDomainsResponse } from "./counters/top-domains.schema.js";
import { dashboardSummaryResponse } from "./dashboard/dashboard.schema.js";
import { flowsPageResponse, flowsQuery } from "./flows/flows-query.schema.js";
import { messagesStatsQuery, messagesStatsResponse } from "./messages/messages-stats.schema.js";
import { productParams, productResponse } from "./products/products.schema.js";
import { uploadStatusResponse } from "./products/uploads.schema.js";

/** 422, with a real problem naming a parameter of the route as the example. */
const invalid = (...errors: FieldError[]) => ({ 422: { description: "A parameter is invalid: each one named", example: validationFailed(errors).toProblem() } });
const unavailable = {
  503: {
    description: "Postgres is unreachable, or a statement ran past QUERY_STATEMENT_TIMEOUT_MS (ask for less); see Retry-After",
    example: serviceUnavailable("the database is not reachable right now; try again").toProblem(),
  },
};

const getFlows = (path: string): OperationSpec => ({
  method: "get",
  path,
  tags: ["flows"],
  summary: "Bytes per (src_app, dest_app, vpc_id) in an hour, a page at a time",
  description: "By `page`, or by the `nextCursor` of a previous answer, which reads deep pages as fast as the first.",
  query: flowsQuery,
  responses: {
    200: {
      description: "A page",
      schema: flowsPageResponse,
      example: { items: [{ src_app: "foo", dest_app: "bar", vpc_id: "vpc-0", hour: 1, bytes_tx: 300, bytes_rx: 900 }], total: 1, page: 1, size: 50, nextCursor: null, asOf: "2026-11-23T14:59:59.000Z", failedJobs: 0, failedJobsInHour: false },
    },
    ...invalid({ path: "size", message: "must be between 1 and 1000" }),
    ...unavailable,
  },
});

const seedTop = (path: string, window: "minute" | "hour"): OperationSpec => ({
  method: "get",
  path,
  tags: ["counters"],
  summary: `The seed's shape: top 10 domains of the last complete ${window}`,
  responses: { 200: { description: "Most requests first", schema: seedTopResponse, example: [{ Domain: "C", NumberOfRequests: 8 }] }, ...unavailable },
});

/** Every route of the query API, described from the schemas that validate and type it. */
export const queryOperations: OperationSpec[] = [
  {
    method: "get",
    path: "/v1/stats/messages",
    tags: ["messages"],
    summary: "Count and exact total per customer and type over [from, to), or per bucket of a zone's hours, days or months",
    description:
      "With `window`, one item per customer, type and bucket of the zone's calendar (`tz`, UTC by default), daylight saving included; " +
      "the first and last buckets are clipped to [from, to) and sum only that part. By `page`, or by the `nextCursor` of a previous answer.",
    query: messagesStatsQuery,
    responses: {
      200: {
        description: "One item per customer and type (and bucket), ordered by customerId, type, then bucket start",
        schema: messagesStatsResponse,
        example: {
          from: "2026-10-24T23:00:00.000Z",
          to: "2026-10-26T00:00:00.000Z",
          window: "day",
          tz: "Europe/Lisbon",
          items: [{ customerId: 1, type: "A", start: "2026-10-24T23:00:00.000Z", end: "2026-10-26T00:00:00.000Z", count: 3, totalAmount: "0.036" }],
          total: 1,
          page: 1,
          size: 50,
          nextCursor: null,
          asOf: "2026-11-24T00:00:01.000Z",
          complete: true,
          failedJobs: 0,
        },
      },
      ...invalid({ path: "tz", message: "must be an IANA time zone name such as Europe/Lisbon, Asia/Kolkata or UTC" }),
      ...unavailable,
    },
  },
  {
    method: "get",
    path: "/v1/stats/domains/top",
    tags: ["counters"],
    summary: "The busiest domains of a minute or an hour (by default the last complete one)",
    query: topDomainsQuery,
    responses: {
      200: {
        description: "Most requests first, ties by domain name",
        schema: topDomainsResponse,
        example: {
          window: "hour",
          start: "2020-12-16T07:00:00.000Z",
          end: "2020-12-16T08:00:00.000Z",
          items: [{ domain: "B", requests: 4 }],
          asOf: "2020-12-16T08:00:01.000Z",
          complete: true,
          failedJobs: 0,
        },
      },
      ...invalid({ path: "start", message: "must be on a whole hour" }),
      ...unavailable,
    },
  },
  seedTop("/stats/minutes", "minute"),
  seedTop("/api/stats/minutes", "minute"),
  seedTop("/stats/hours", "hour"),
  seedTop("/api/stats/hours", "hour"),
  getFlows("/v1/flows"),
  getFlows("/flows"),
  {
    method: "get",
    path: "/v1/products/:id",
    tags: ["products"],
    summary: "A product's current document",
    params: { id: { description: "The product's id (integer ids in decimal)", schema: productParams.shape.id } },
    responses: {
      200: {
        description: "The document from the body accepted last",
        schema: productResponse,
        example: { id: 1, data: { id: 1, name: "kettle" }, updatedAt: "2026-11-23T13:00:00.000Z" },
      },
      404: { description: "No accepted body had this id", example: notFound('no product with id "sku-404"').toProblem() },
      ...invalid({ path: "id", message: `must be at most ${MAX_PRODUCT_ID_LENGTH} characters` }),
      ...unavailable,
    },
  },
  {
    method: "get",
    path: "/v1/products/uploads/:id",
    tags: ["products"],
    summary: "Where an accepted products upload stands: pending, applied, or failed and why",
    description:
      "The URL a products 202 names in `Location`. An upload that cannot be applied (which ingest's checks are there to prevent) ends `failed` " +
      "with its reason, and its body is no longer refused as a duplicate: it may be sent again. A small upload (queued through Redis) is pending " +
      "from Redis until a worker records it in Postgres: while Redis cannot be asked, an id Postgres does not know is answered 503, not 404.",
    params: { id: { description: "The upload's id, from the 202's Location", schema: z.uuid() } },
    responses: {
      200: {
        description: "The upload's status",
        schema: uploadStatusResponse,
        example: { id: "0190c3a4-5e6f-7a8b-9c0d-1e2f3a4b5c6d", status: "applied", products: 2, acceptedAt: "2026-11-23T13:00:00.000Z", appliedAt: "2026-11-23T13:00:00.250Z", failedAt: null, reason: null },
      },
      404: { description: "No accepted upload has this id", example: notFound('no accepted upload with id "0190c3a4-5e6f-7a8b-9c0d-1e2f3a4b5c6e"').toProblem() },
      ...unavailable,
    },
  },
  {
    method: "get",
    path: "/v1/dashboard/summary",
    tags: ["dashboard"],
    summary: "What the dashboard shows besides the top domains: throughput and how far behind the workers are",
    description:
      "Counter requests per minute over the last 30 complete minutes, messages per hour, and each queue's fold lag from the workers' watermarks. " +
      "Computed at most once every 5 s (`generatedAt` says when) and shared by every caller.",
    responses: {
      200: {
        description: "The summary",
        schema: dashboardSummaryResponse,
        example: {
          generatedAt: "2026-11-23T14:54:30.000Z",
          requestsPerMinute: {
            from: "2026-11-23T14:24:00.000Z",
            to: "2026-11-23T14:54:00.000Z",
            minutes: [
              { minute: "2026-11-23T14:52:00.000Z", requests: 120 },
              { minute: "2026-11-23T14:53:00.000Z", requests: 97 },
            ],
          },
          messages: { lastHour: { start: "2026-11-23T13:00:00.000Z", count: 5400 }, currentHour: { start: "2026-11-23T14:00:00.000Z", count: 4870 } },
          queues: [
            { queue: "messages", asOf: "2026-11-23T14:54:28.000Z", computedAt: "2026-11-23T14:54:29.000Z", lagMs: 1000, recordedAgoMs: 1000 },
            { queue: "flows", asOf: null, computedAt: null, lagMs: null, recordedAgoMs: null },
          ],
        },
      },
      ...unavailable,
    },
  },
  {
    method: "get",
    path: "/dashboard",
    tags: ["dashboard"],
    open: true,
    summary: "A live dashboard: top domains, throughput and queue lag, refreshed every 5 s",
    description:
      "An HTML page whose script and style are served from `/dashboard/assets/`. Open even where API keys are set: it holds no data, " +
      "and asks for a key (kept in the tab's sessionStorage) when the JSON routes answer 401.",
    responses: {
      200: { description: "HTML", schema: z.string(), mediaType: "text/html" },
      503: {
        description: "The page's script has not been built (`pnpm build`)",
        example: new HttpError(503, "Dashboard not built", "the dashboard's script is missing: run `pnpm --filter @tally/query-api build`").toProblem(),
      },
    },
  },
];

export const queryOpenApi = buildOpenApi(
  { title: "Tally query API", version: "1.0.0", description: "Read-only answers from the rollups." },
  queryOperations,
);
