import { createHash } from "node:crypto";
import { isStorableText } from "@tally/shared/schemas";
import { decodeCursorValues, encodeCursorValues } from "../opaque-cursor.js";

/** Where a cursor walk stands: the last key handed out, and the query it was handed out for. */
export interface MessagesCursor {
  /** A digest of the query's parameters other than the page (see queryDigest). */
  query: string;
  customerId: number;
  type: string;
  /** The start of the last item's bucket (epoch ms); `from` without a window. */
  bucket: number;
}

/** Names a query (interval, filters, window, zone), so a cursor cannot be used with another. */
export function queryDigest(parts: readonly (string | number | undefined)[]): string {
  return createHash("sha256").update(JSON.stringify(parts.map((p) => p ?? null))).digest("base64url").slice(0, 16);
}

/** An opaque cursor for the key after which the next page starts. */
export function encodeMessagesCursor(c: MessagesCursor): string {
  return encodeCursorValues([c.query, c.customerId, c.type, c.bucket]);
}

/** The key a cursor stands for, or undefined if it is not one of ours. */
export function decodeMessagesCursor(cursor: string): MessagesCursor | undefined {
  const [query, customerId, type, bucket] = decodeCursorValues(cursor, 4) ?? [];
  if (typeof query !== "string" || typeof type !== "string" || !isStorableText(type) || type.length > 128) return undefined;
  if (!Number.isSafeInteger(customerId) || (customerId as number) < 0 || !Number.isSafeInteger(bucket)) return undefined;
  return { query, customerId: customerId as number, type, bucket: bucket as number };
}
