import {
  buildOpenApi,
  HttpError,
  malformedJson,
  payloadTooLarge,
  serviceUnavailable,
  tooManyRequests,
  unsupportedMediaType,
  validationFailed,
  type FieldError,
  type OperationSpec,
} from "@tally/shared/http";
import { counterSchema, flowSchema, messageSchema, productSchema } from "@tally/shared/schemas";
import { z } from "zod";

/** 202's body: how many events the request put on the queue. */
const acceptedSchema = z.object({ accepted: z.int().min(1) }).meta({ id: "Accepted" });

const JSON_TYPES = ["application/json"];
const MAX_BODY_BYTES = 5 * 1024 * 1024; // its default
/**
 * What every ingest POST may answer besides 202, each with a real problem as the example: `invalid`
 * names a field of that route's own items, `tooLarge` the limit that route hits first.
 */
const refusals = (invalid: FieldError, tooLarge = `the body is over the limit of ${MAX_BODY_BYTES} bytes (MAX_BODY_BYTES)`): OperationSpec["responses"] => ({
  400: { description: "Malformed JSON, naming where", example: malformedJson("the body is not valid JSON: Unexpected end of JSON input").toProblem() },
  408: {
    description: "The body arrived slower than MIN_BODY_BYTES_PER_SECOND; nothing was accepted",
    example: new HttpError(408, "Request timeout", "the body arrived slower than 16384 bytes/s over 10000 ms (MIN_BODY_BYTES_PER_SECOND); nothing was accepted").toProblem(),
  },
  409: {
    description: "A request with this Idempotency-Key is still being processed; see Retry-After",
    example: new HttpError(409, "Conflict", "a request with this Idempotency-Key is still being processed; try again shortly").toProblem(),
  },
  413: { description: "Body, item count or one item over a limit, naming it (from Content-Length before the body is read)", example: payloadTooLarge(tooLarge).toProblem() },
  415: { description: "A body declared as something other than JSON, or compressed", example: unsupportedMediaType("text/plain").toProblem() },
  422: {
    description: "Well-formed but invalid: every bad field named, by item index in a batch (at most 100); or an Idempotency-Key used for another request",
    example: validationFailed([invalid]).toProblem(),
  },
  429: {
    description: "Shedding load: a queue's backlog is over MAX_QUEUE_BACKLOG (products: too many uploads in progress); see Retry-After",
    example: tooManyRequests("50012 jobs are waiting in the messages queue (over 50000); try again shortly").toProblem(),
  },
  503: {
    description: "Redis (or, for products, Postgres) is unreachable; nothing was accepted; see Retry-After",
    example: serviceUnavailable("the queue is not reachable; nothing was accepted, try again").toProblem(),
  },
});
/** Every ingest POST takes one: the same key and request again gets the first answer, replayed. */
const idempotencyKey = {
  "Idempotency-Key": {
    description:
      "1–255 printable ASCII characters. The same key with the same method, path and body (within IDEMPOTENCY_TTL_MS, 24 h) gets the first answer again, " +
      "with `Idempotent-Replayed: true`, and changes nothing, even when the first answer was lost; with another request, 422; while the first is in flight, 409.",
    schema: z.string().min(1).max(255),
  },
};
const replayed = { "Idempotent-Replayed": { description: "`true` when this is the first answer to this Idempotency-Key, given again", schema: z.literal("true") } };
const accepted = (example: number) => ({ 202: { description: "Durably queued", schema: acceptedSchema, example: { accepted: example }, headers: replayed } });

// The payloads, named for the document (components/schemas), and so for @tally/client's types.
const message = messageSchema.meta({ id: "Message" });
const counter = counterSchema.meta({ id: "Counter" });
const flow = flowSchema.meta({ id: "Flow" });
const product = productSchema.meta({ id: "Product" });

const messageExample = { customerId: 1, type: "A", amount: "0.012", uuid: "a596b362-08be-419f-8070-9c3055566e7c" };
const flowExample = { src_app: "foo", dest_app: "bar", vpc_id: "vpc-0", bytes_tx: 100, bytes_rx: 300, hour: 1 };

const postCounters = (path: string): OperationSpec => ({
  method: "post",
  path,
  tags: ["counters"],
  summary: "Count requests per domain at a second",
  description: "`timestamp` is Unix seconds (a number or a string of digits); every other key is a domain and its count.",
  headers: idempotencyKey,
  body: { schema: z.union([counter, z.array(counter)]), contentTypes: JSON_TYPES, example: { timestamp: 1608102631, A: 3, B: 4 } },
  responses: { ...accepted(1), ...refusals({ path: "[1].A", message: "must be a non-negative integer count" }) },
});

const postFlows = (path: string): OperationSpec => ({
  method: "post",
  path,
  tags: ["flows"],
  summary: "Add bytes per application pair and hour",
  description: "A JSON array of at most MAX_FLOWS_PER_REQUEST flows (413 above it).",
  headers: idempotencyKey,
  body: { schema: z.array(flow), contentTypes: JSON_TYPES, example: [flowExample] },
  responses: {
    ...accepted(1),
    ...refusals({ path: "[0].bytes_tx", message: "must be an integer from 0 to 2^53-1" }, "more than 10000 flows: over the limit of 10000 per request (MAX_FLOWS_PER_REQUEST)"),
  },
});

/** Every route of the ingest API, described from the schemas that validate it. */
export const ingestOperations: OperationSpec[] = [
  {
    method: "post",
    path: "/v1/messages",
    tags: ["messages"],
    summary: "Record usage messages",
    description: "One message, a JSON array of them, or NDJSON. Each uuid counts once, ever (within retention). Dated at acceptance, to the UTC hour.",
    headers: idempotencyKey,
    body: { schema: z.union([message, z.array(message)]), contentTypes: [...JSON_TYPES, "application/x-ndjson"], example: [messageExample] },
    responses: { ...accepted(1), ...refusals({ path: "[0].amount", message: "must be digits with at most 15 before and 3 after the point" }) },
  },
  postCounters("/v1/counters"),
  postCounters("/api/events"),
  postFlows("/v1/flows"),
  postFlows("/flows"),
  {
    method: "post",
    path: "/v1/products",
    tags: ["products"],
    summary: "Update the catalogue",
    description:
      "A JSON array of products of any size (it streams). The same bytes (with PRODUCTS_DEDUP=json: the same documents, however written) accepted less than DEDUP_WINDOW_MS ago anywhere in the cluster are refused with 403. " +
      "A product Postgres's jsonb would refuse (a `\\u0000` escape, an unpaired surrogate escape, a number numeric cannot hold, nesting past 1,000 levels) is a 422 naming it. " +
      "A body of at most PRODUCTS_FAST_PATH_BYTES (256 KiB) with a Content-Length is read at once and queued through Redis; larger or chunked ones stream through Postgres: the same answers either way. " +
      "The 202's `Location` is where the query API serves the upload's status.",
    headers: idempotencyKey,
    body: { schema: z.array(product), contentTypes: JSON_TYPES, example: [{ id: 1, name: "kettle", price: "20.00" }] },
    responses: {
      202: { ...accepted(1)[202], headers: { ...replayed, Location: { description: "Where the query API serves the upload's status", schema: z.string() } } },
      403: {
        description: "An identical body was accepted less than DEDUP_WINDOW_MS ago (`acceptedAt`, `refusedUntil` say when)",
        example: new HttpError(403, "Duplicate body", "an identical body was accepted at 2026-11-23T13:00:00.000Z; it is refused until 2026-11-23T13:10:00.000Z", {
          fields: { acceptedAt: "2026-11-23T13:00:00.000Z", refusedUntil: "2026-11-23T13:10:00.000Z" },
        }).toProblem(),
      },
      ...refusals({ path: "[0].id", message: "is required" }, "a product is over the limit of 1048576 bytes (MAX_PRODUCT_BYTES), at byte 5242880"),
    },
  },
];

export const ingestOpenApi = buildOpenApi(
  { title: "Tally ingest API", version: "1.0.0", description: "Takes events in and answers 202 once they are durably queued." },
  ingestOperations,
);
