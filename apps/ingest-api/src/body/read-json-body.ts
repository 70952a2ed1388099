import { malformedJson, payloadTooLarge, unsupportedMediaType } from "@tally/shared/http";
import type { Request, RequestHandler, Response } from "express";
import { idempotencyKeyOf } from "../idempotency/idempotency-key.js";
import { readMeteredBody, type BodyLimits } from "./metered-body.js";

export type BodyFormat = "json" | "ndjson";

const JSON_TYPES = new Set([
  "application/json",
  "text/json",
  // curl -d sends this by default; SPEC §2 reads it as JSON so the seed's examples work as written.
  "application/x-www-form-urlencoded",
]);
const NDJSON_TYPES = new Set(["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"]);
const UTF8 = new Set(["utf-8", "utf8", "us-ascii"]);

/**
 * The Content-Types seen and what each says: clients send the same one with every request, so it is
 * parsed once. Bounded, since a client may send any string.
 */
const knownFormats = new Map<string, BodyFormat | undefined>();
const KNOWN_FORMATS_MAX = 64;

/** What a Content-Type says the body is; undefined for anything that is not JSON. */
export function bodyFormat(contentType: string | undefined): BodyFormat | undefined {
  if (contentType === undefined) return "json";
  if (knownFormats.has(contentType)) return knownFormats.get(contentType);
  const format = parseBodyFormat(contentType);
  if (knownFormats.size < KNOWN_FORMATS_MAX) knownFormats.set(contentType, format);
  return format;
}

function parseBodyFormat(contentType: string): BodyFormat | undefined {
  if (contentType.trim() === "") return "json";
  const [mediaType = "", ...params] = contentType.toLowerCase().split(";").map((s) => s.trim());
  const charset = params.find((p) => p.startsWith("charset="))?.slice("charset=".length).replaceAll('"', "");
  if (charset !== undefined && !UTF8.has(charset)) return undefined;
  if (JSON_TYPES.has(mediaType) || /^application\/[\w.-]+\+json$/.test(mediaType)) return "json";
  if (NDJSON_TYPES.has(mediaType)) return "ndjson";
  return undefined;
}

/**
 * Everything a route can refuse from the headers alone, before a byte of the body is read: a type it
 * does not take (415), any Content-Encoding (415: an inflated body's size is not the size sent), a
 * declared length over the limit (413, and the connection closes, since the body is never read).
 */
export function checkBodyHeaders(req: Request, limits: Pick<BodyLimits, "maxBytes" | "maxBytesName">, formats: readonly BodyFormat[]): BodyFormat {
  const type = req.headers["content-type"];
  const format = bodyFormat(type);
  if (format === undefined || !formats.includes(format)) throw unsupportedMediaType(type ?? "");
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") throw unsupportedMediaType(`${type ?? ""}; Content-Encoding ${encoding}`);
  if (Number(req.headers["content-length"] ?? 0) > limits.maxBytes) {
    throw payloadTooLarge(`the body is over the limit of ${limits.maxBytes} bytes (${limits.maxBytesName})`);
  }
  return format;
}

/** Tells a client that waits for it (`Expect: 100-continue`) to send the body: the route means to read it now. */
export function continueIfExpected(req: Request, res: Response): void {
  if (req.headers.expect?.toLowerCase() === "100-continue") res.writeContinue();
}

/**
 * Reads a JSON or NDJSON body into `req.body` as a Buffer, after `checkBodyHeaders`, metered (413 past
 * the limit, 408 if it trickles). Parsing is left to `parseItems`, which does it a slice at a time.
 */
export function readJsonBody(limits: BodyLimits): RequestHandler {
  return async (req, res, next) => {
    checkBodyHeaders(req, limits, ["json", "ndjson"]);
    idempotencyKeyOf(req); // a malformed key is refused before the body is read
    continueIfExpected(req, res);
    req.body = await readMeteredBody(req, limits);
    next();
  };
}

/** Fails on bytes that are not UTF-8, rather than turning them into U+FFFD: such a body is not JSON text (RFC 8259 §8.1). */
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The bytes as text, or a 400 naming `what` if they are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    throw malformedJson(`${what} is not UTF-8 text`);
  }
}
