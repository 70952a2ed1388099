import { createHash } from "node:crypto";
import { MAX_LISTED_ERRORS, malformedJson, payloadTooLarge, toFieldErrors, validationFailed, type FieldError } from "@tally/shared/http";
import { productSchema } from "@tally/shared/schemas";
import { cpuPacer } from "../body/cpu-turns.js";
import { decodeUtf8 } from "../body/read-json-body.js";
import { findUnstorable } from "./storable.js";
import { ElementTooLargeError, MalformedJsonError, splitJsonArray } from "@tally/shared/json";

/** A product ready for staging: its place in the body and its exact JSON. */
export interface StagedProduct {
  position: number;
  document: string;
}

export interface ProductsLimits {
  maxProductBytes: number;
}

/** Products handed to `stage` at once: enough to make each insert worth a round trip, bounded in memory. */
const BATCH_PRODUCTS = 2000;
const BATCH_BYTES = 1024 * 1024;

/**
 * Reads a products body as it streams (metered by the caller: its size and rate): SHA-256 over the
 * exact bytes, the top-level array split into elements, each checked (400 malformed, 422 without a
 * valid id), and the valid ones handed to `stage` in batches, one insert in flight while the next batch
 * is parsed. Memory stays bounded whatever the body's size. Resolves with the digest and the number of products.
 */
export async function readProducts(
  body: AsyncIterable<Buffer>,
  { maxProductBytes }: ProductsLimits,
  stage: (batch: StagedProduct[]) => Promise<void>,
): Promise<{ digest: string; count: number }> {
  const hash = createHash("sha256");
  async function* hashed() {
    for await (const chunk of body) {
      hash.update(chunk);
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
    for await (const element of splitJsonArray(hashed(), { maxElementBytes: maxProductBytes })) {
      await pace();
      const document = decodeUtf8(element, `product [${position}]`);
      const value = parseElement(document, position);
      const result = productSchema.safeParse(value);
      const invalid = result.success ? findUnstorable(value, document, [position]) : undefined;
      if (!result.success || invalid) {
        errors.push(...(invalid ? [invalid] : toFieldErrors(result.error!.issues, [position])));
        if (errors.length >= MAX_LISTED_ERRORS) break;
      } else if (errors.length === 0) {
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
  return { digest: hash.digest("hex"), count: position };
}

function parseElement(text: string, position: number): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw malformedJson(`product [${position}] is not valid JSON: ${(error as Error).message}`);
  }
}

function asHttpError(error: unknown, maxProductBytes: number): unknown {
  if (error instanceof MalformedJsonError) return malformedJson(`${error.message} (at byte ${error.offset})`);
  if (error instanceof ElementTooLargeError) {
    return payloadTooLarge(`a product is over the limit of ${maxProductBytes} bytes (MAX_PRODUCT_BYTES), at byte ${error.offset}`);
  }
  return error;
}

