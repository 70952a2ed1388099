import { createHash } from "node:crypto";
import { MAX_LISTED_ERRORS, malformedJson, payloadTooLarge, validationFailed, type FieldError } from "@tally/shared/http";
import { cpuPacer } from "../body/cpu-turns.js";
import { decodeUtf8 } from "../body/read-json-body.js";
import { canonicalJson } from "./canonical-json.js";
import { checkProduct } from "./check-product.js";
import { ElementTooLargeError, MalformedJsonError, splitJsonArray } from "@tally/shared/json";

/** A product ready for staging: its place in the body and its exact JSON. */
export interface StagedProduct {
  position: number;
  document: string;
}

export interface ProductsLimits {
  maxProductBytes: number;
  /**
   * What the digest is of (PRODUCTS_DEDUP): the body's exact bytes, or, with "json", the canonical form
   * (RFC 8785, `canonicalJson`) of its array, so the same documents with other key order, spacing or
   * escapes have one digest.
   */
  dedup?: "bytes" | "json";
}

/** Products handed to `stage` at once: enough to make each insert worth a round trip, bounded in memory. */
const BATCH_PRODUCTS = 2000;
const BATCH_BYTES = 1024 * 1024;

/**
 * Reads a products body as it streams (metered by the caller: its size and rate): SHA-256 over the
 * exact bytes, the top-level array split into elements, each checked (400 malformed, 422 without a
 * valid id or with anything Postgres jsonb would refuse: `checkProduct`), and the valid ones handed
 * to `stage` in batches, one insert in flight while the next batch is parsed. A body that is JSON but
 * not an array is a 422. Memory stays bounded whatever the body's size. Resolves with the digest and the number of products.
 */
export async function readProducts(
  body: AsyncIterable<Buffer> | Iterable<Buffer>,
  { maxProductBytes, dedup = "bytes" }: ProductsLimits,
  stage: (batch: StagedProduct[]) => Promise<void>,
): Promise<{ digest: string; count: number }> {
  const hash = createHash("sha256");
  const canonical = dedup === "json";
  async function* hashed() {
    for await (const chunk of body) {
      if (!canonical) hash.update(chunk);
      yield chunk;
    }
  }

  const errors: FieldError[] = [];
  let batch: StagedProduct[] = [];
  let batchBytes = 0;
  let position = 0;
  let staging: Promise<void> = Promise.resolve();
  const flush = async () => {
    await staging;
    staging = stage(batch);
    staging.catch(() => {}); // awaited at the next flush; this only keeps it from counting as unhandled
    batch = [];
    batchBytes = 0;
  };

  // Elements already split come out of the generator without a turn of the event loop: take turns.
  const pace = cpuPacer();
  try {
    for await (const element of splitJsonArray(arraysOnly(hashed(), maxProductBytes), { maxElementBytes: maxProductBytes })) {
      await pace();
      const document = decodeUtf8(element, `product [${position}]`);
      const invalid = checkProduct(document, position);
      if (invalid.length > 0) {
        errors.push(...invalid);
        if (errors.length >= MAX_LISTED_ERRORS) break;
      } else if (errors.length === 0) {
        if (canonical) hash.update(`${position === 0 ? "[" : ","}${canonicalJson(document)}`);
        batch.push({ position, document });
        batchBytes += element.length;
        if (batch.length >= BATCH_PRODUCTS || batchBytes >= BATCH_BYTES) await flush();
      }
      position++;
    }
  } catch (error) {
    throw asHttpError(error, maxProductBytes);
  }
  if (errors.length > 0) throw validationFailed(errors, { stoppedEarly: errors.length >= MAX_LISTED_ERRORS });
  if (position === 0) throw validationFailed([{ path: "", message: "must contain at least one product" }]);
  if (batch.length > 0) await flush();
  await staging;
  if (canonical) hash.update("]");
  return { digest: hash.digest("hex"), count: position };
}

function asHttpError(error: unknown, maxProductBytes: number): unknown {
  if (error instanceof MalformedJsonError) return malformedJson(error.message);
  if (error instanceof ElementTooLargeError) {
    return payloadTooLarge(`a product is over the limit of ${maxProductBytes} bytes (MAX_PRODUCT_BYTES), at byte ${error.offset}`);
  }
  return error;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const OPEN_SQUARE = 0x5b;

/**
 * The chunks of a body that starts like a JSON array, unchanged. Any other body is read whole (as one
 * value, so at most `maxValueBytes`) to tell what is wrong with it: 400 if it is not JSON, 422 if it is
 * JSON of another shape. An empty body passes through, for the splitter to call empty.
 */
async function* arraysOnly(chunks: AsyncIterable<Buffer>, maxValueBytes: number): AsyncGenerator<Buffer> {
  const iterator = chunks[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let first: number | undefined;
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    head.push(next.value);
    first = next.value.find((byte) => !WHITESPACE.has(byte));
    if (first !== undefined) break;
  }
  if (first === undefined || first === OPEN_SQUARE) {
    yield* head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    return;
  }
  let bytes = head.reduce((n, chunk) => n + chunk.length, 0);
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    bytes += next.value.length;
    if (bytes > maxValueBytes) throw payloadTooLarge(`the body is not a JSON array, and over ${maxValueBytes} bytes (MAX_PRODUCT_BYTES) as one value`);
    head.push(next.value);
  }
  try {
    JSON.parse(decodeUtf8(Buffer.concat(head), "the body"));
  } catch (error) {
    throw malformedJson(`the body is not a JSON array of products, nor JSON at all: ${(error as Error).message}`);
  }
  throw validationFailed([{ path: "", message: "must be a JSON array of products" }]);
}
