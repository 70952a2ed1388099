import { createHash } from "node:crypto";
import { MAX_LISTED_ERRORS, malformedJson, payloadTooLarge, validationFailed, type FieldError } from "@tally/shared/http";
import { cpuPacer } from "../body/cpu-turns.js";
import { decodeUtf8 } from "../body/read-json-body.js";
import { canonicalJson } from "./canonical-json.js";
import { checkProduct } from "./check-product.js";
import { sha256OffThread, type StreamHash } from "./sha256-off-thread.js";
import { ArraySplitter, ElementTooLargeError, MalformedJsonError } from "@tally/shared/json";

/**
 * Consecutive valid products, as one JSON array of the bytes posted, the first of them at
 * `firstPosition` in the body. `json` is only valid until the promise of the `stage` call it was given
 * to settles: its memory is then reused for a later chunk.
 */
export interface StagedChunk {
  firstPosition: number;
  json: Buffer;
}

/**
 * A chunk being built, in memory kept from one chunk to the next. A fresh string or buffer per chunk
 * (1 MB) outlived its insert, and V8's old generation grew by a hundred MB between collections.
 */
class ChunkBuffer {
  private memory = Buffer.alloc(0);
  firstPosition = 0;
  count = 0;
  length = 0;

  add(position: number, element: Buffer): void {
    if (this.count === 0) this.firstPosition = position;
    const needed = this.length + element.length + 2; // "[" or ",", and the closing "]"
    if (needed > this.memory.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.memory.length * 2, 64 * 1024));
      this.memory.copy(grown, 0, 0, this.length);
      this.memory = grown;
    }
    this.memory[this.length++] = this.count === 0 ? OPEN_SQUARE : COMMA;
    this.length += element.copy(this.memory, this.length);
    this.count++;
  }

  /** The chunk as a JSON array (a view of this buffer's memory), and a fresh start for the next one. */
  take(): StagedChunk {
    this.memory[this.length++] = CLOSE_SQUARE;
    const chunk = { firstPosition: this.firstPosition, json: this.memory.subarray(0, this.length) };
    this.count = 0;
    this.length = 0;
    return chunk;
  }
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

const [OPEN_SQUARE, COMMA, CLOSE_SQUARE] = [0x5b, 0x2c, 0x5d];

/** Products handed to `stage` at once: enough to make each insert worth a round trip, bounded in memory. */
const BATCH_PRODUCTS = 2000;
const BATCH_BYTES = 1024 * 1024;

/**
 * Reads a products body as it streams (metered by the caller: its size and rate): SHA-256 (on a thread of its own) over the
 * exact bytes, the top-level array split into elements, each checked (400 malformed, 422 without a
 * valid id or with anything Postgres jsonb would refuse: `checkProduct`), and the valid ones handed
 * to `stage` in chunks, one insert in flight while the next chunk is parsed. A body that is JSON but
 * not an array is a 422. Memory stays bounded whatever the body's size. Resolves with the digest and the number of products.
 */
export async function readProducts(
  body: AsyncIterable<Buffer> | Iterable<Buffer>,
  { maxProductBytes, dedup = "bytes" }: ProductsLimits,
  stage: (chunk: StagedChunk) => Promise<void>,
): Promise<{ digest: string; count: number }> {
  const checker = productsChecker(dedup, sha256OffThread);
  // Two chunks' memory, taking turns: one being inserted while the next is built.
  let building = new ChunkBuffer();
  let inserting = new ChunkBuffer();
  let staging: Promise<void> = Promise.resolve();
  const flush = async () => {
    await staging; // `inserting`'s chunk is in Postgres: its memory is free again
    staging = stage(building.take());
    staging.catch(() => {}); // awaited at the next flush; this only keeps it from counting as unhandled
    [building, inserting] = [inserting, building];
  };

  // The elements each chunk of the body ends are checked in a plain loop, not handed over one by one
  // through an async generator: a promise per element was a tenth of the time.
  const splitter = new ArraySplitter(maxProductBytes, { copies: false });
  const found: Buffer[] = [];
  const pace = cpuPacer();
  try {
    for await (const chunk of arraysOnly(body, maxProductBytes)) {
      const hashing = checker.bytes(chunk);
      if (hashing) await hashing;
      let problem: unknown;
      try {
        splitter.write(chunk, found);
      } catch (error) {
        problem = error; // after the elements before it, whatever the chunking
      }
      for (const element of found) {
        const turn = pace();
        if (turn) await turn;
        const position = checker.element(element);
        if (position === STOP) return await checker.finish();
        if (position === undefined) continue;
        building.add(position, element);
        if (building.count >= BATCH_PRODUCTS || building.length >= BATCH_BYTES) await flush();
      }
      found.length = 0;
      if (problem !== undefined) throw problem;
    }
    splitter.end();
    const result = await checker.finish();
    if (building.count > 0) await flush();
    await staging;
    return result;
  } catch (error) {
    throw asHttpError(error, maxProductBytes);
  } finally {
    checker.abandon();
  }
}

/**
 * `readProducts` for a body already read whole (the fast path's, at most PRODUCTS_FAST_PATH_BYTES):
 * the same checks and the same answers, without a stream's generators and a promise per element. The
 * body is split at once; its elements are checked in turn, taking turns with other requests only once
 * a slice of CPU is used up. Resolves with the digest and the number of products.
 */
export async function readWholeProducts(bytes: Buffer, { maxProductBytes, dedup = "bytes" }: ProductsLimits): Promise<{ digest: string; count: number }> {
  // Small enough to hash here: a thread's round trip would cost more than the hashing.
  const checker = productsChecker(dedup, sha256Here);
  checker.bytes(bytes);
  // As splitJsonArray hands them over: the elements before a problem first, then the problem.
  const found: Buffer[] = [];
  let problem: unknown;
  try {
    if (!startsLikeArray(bytes)) notAnArray([bytes]);
    const splitter = new ArraySplitter(maxProductBytes, { copies: false });
    splitter.write(bytes, found);
    splitter.end();
  } catch (error) {
    problem = error;
  }
  const pace = cpuPacer();
  for (const element of found) {
    const turn = pace();
    if (turn) await turn;
    // Enough errors listed: what follows, the problem included, is never looked at.
    if (checker.element(element) === STOP) return await checker.finish();
  }
  if (problem !== undefined) throw asHttpError(problem, maxProductBytes);
  return await checker.finish();
}

/** Returned by a checker's `element` once the errors listed reach MAX_LISTED_ERRORS: stop reading. */
const STOP = Symbol("stop");

/**
 * The checks both readers make, in order: SHA-256 over the exact bytes (by `hashBytes`), or with dedup
 * "json" over the canonical form of the valid products, each element a valid product (`checkProduct`: 400 thrown
 * if it is not JSON, field errors gathered otherwise), and at the end 422 with every error gathered, or
 * for an empty array.
 */
function productsChecker(dedup: "bytes" | "json", hashBytes: () => StreamHash) {
  const bodyHash = dedup === "bytes" ? hashBytes() : undefined;
  const canonicalHash = dedup === "json" ? createHash("sha256") : undefined;
  const errors: FieldError[] = [];
  let position = 0;
  return {
    /** Some of the body's bytes, in order; a promise to wait for before the next call, if any. */
    bytes(chunk: Buffer): Promise<void> | undefined {
      return bodyHash?.update(chunk);
    },
    /** The next element: its position if it is a valid product (and none before it was invalid), undefined if not, or STOP. */
    element(element: Buffer): number | undefined | typeof STOP {
      const at = position++;
      const document = decodeUtf8(element, `product [${at}]`);
      const invalid = checkProduct(document, at);
      if (invalid.length > 0) {
        errors.push(...invalid);
        return errors.length >= MAX_LISTED_ERRORS ? STOP : undefined;
      }
      if (errors.length > 0) return undefined;
      canonicalHash?.update(`${at === 0 ? "[" : ","}${canonicalJson(document)}`);
      return at;
    },
    /** Throws 422 for what was found wrong; else the digest and the number of products. */
    async finish(): Promise<{ digest: string; count: number }> {
      if (errors.length > 0) throw validationFailed(errors, { stoppedEarly: errors.length >= MAX_LISTED_ERRORS });
      if (position === 0) throw validationFailed([{ path: "", message: "must contain at least one product" }]);
      const digest = canonicalHash ? canonicalHash.update("]").digest("hex") : await bodyHash!.digest();
      return { digest, count: position };
    },
    /** Forgets the body's hash if it was never finished. */
    abandon(): void {
      bodyHash?.abandon();
    },
  };
}

/** SHA-256 on this thread, for bodies small enough that a thread's round trip would cost more. */
function sha256Here(): StreamHash {
  const hash = createHash("sha256");
  return {
    update: (bytes) => void hash.update(bytes),
    digest: async () => hash.digest("hex"),
    abandon: () => {},
  };
}

function asHttpError(error: unknown, maxProductBytes: number): unknown {
  if (error instanceof MalformedJsonError) return malformedJson(error.message);
  if (error instanceof ElementTooLargeError) {
    return payloadTooLarge(`a product is over the limit of ${maxProductBytes} bytes (MAX_PRODUCT_BYTES), at byte ${error.offset}`);
  }
  return error;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** The first byte of a chunk that is not whitespace, if any. */
function firstByte(chunk: Buffer): number | undefined {
  return chunk.find((byte) => !WHITESPACE.has(byte));
}

/** Whether a whole body starts like a JSON array (or is only whitespace, for the splitter to call empty). */
function startsLikeArray(bytes: Buffer): boolean {
  const first = firstByte(bytes);
  return first === undefined || first === OPEN_SQUARE;
}

/** A whole body that is not a JSON array: 400 if it is not JSON, 422 if it is JSON of another shape. */
function notAnArray(parts: Buffer[]): never {
  try {
    JSON.parse(decodeUtf8(Buffer.concat(parts), "the body"));
  } catch (error) {
    throw malformedJson(`the body is not a JSON array of products, nor JSON at all: ${(error as Error).message}`);
  }
  throw validationFailed([{ path: "", message: "must be a JSON array of products" }]);
}

/**
 * The chunks of a body that starts like a JSON array, unchanged. Any other body is read whole (as one
 * value, so at most `maxValueBytes`) to tell what is wrong with it: 400 if it is not JSON, 422 if it is
 * JSON of another shape. An empty body passes through, for the splitter to call empty.
 */
async function* arraysOnly(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, maxValueBytes: number): AsyncGenerator<Buffer> {
  const iterator = Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
  const head: Buffer[] = [];
  let first: number | undefined;
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    head.push(next.value);
    first = firstByte(next.value);
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
  notAnArray(head);
}
