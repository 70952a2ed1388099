import express, { type RequestHandler } from "express";
import { malformedJson, unsupportedMediaType } from "@tally/shared/http";

export type BodyFormat = "json" | "ndjson";

const JSON_TYPES = new Set([
  "application/json",
  "text/json",
  // curl -d sends this by default; SPEC §2 reads it as JSON so the seed's examples work as written.
  "application/x-www-form-urlencoded",
]);
const NDJSON_TYPES = new Set(["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"]);
const UTF8 = new Set(["utf-8", "utf8", "us-ascii"]);

/** What a Content-Type says the body is; undefined for anything that is not JSON. */
export function bodyFormat(contentType: string | undefined): BodyFormat | undefined {
  if (contentType === undefined || contentType.trim() === "") return "json";
  const [mediaType = "", ...params] = contentType.toLowerCase().split(";").map((s) => s.trim());
  const charset = params.find((p) => p.startsWith("charset="))?.slice("charset=".length).replaceAll('"', "");
  if (charset !== undefined && !UTF8.has(charset)) return undefined;
  if (JSON_TYPES.has(mediaType) || /^application\/[\w.-]+\+json$/.test(mediaType)) return "json";
  if (NDJSON_TYPES.has(mediaType)) return "ndjson";
  return undefined;
}

/**
 * Reads a JSON or NDJSON body of at most `limit` bytes into `req.body` as a Buffer, after checking
 * its Content-Type (415). Parsing is left to `parseItems` so its errors can name the line.
 */
export function readJsonBody(limit: number): RequestHandler[] {
  return [
    (req, _res, next) => {
      if (bodyFormat(req.headers["content-type"]) === undefined) throw unsupportedMediaType(req.headers["content-type"] ?? "");
      next();
    },
    express.raw({ type: () => true, limit }),
  ];
}

/**
 * The items of a body: a JSON array's elements, a single JSON value as one item, or NDJSON's lines.
 * `batch` says whether the body was a list, so errors name items by index only when there are several.
 */
export function parseItems(body: unknown, contentType: string | undefined): { items: unknown[]; batch: boolean } {
  const text = Buffer.isBuffer(body) ? decodeUtf8(body, "the body") : "";
  if (text.trim() === "") throw malformedJson("the body is empty");
  if (bodyFormat(contentType) === "ndjson") return { items: parseNdjson(text), batch: true };
  const value = parseJson(text, "the body");
  return Array.isArray(value) ? { items: value, batch: true } : { items: [value], batch: false };
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

function parseNdjson(text: string): unknown[] {
  const items: unknown[] = [];
  const lines = text.split("\n");
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    items.push(parseJson(line, `line ${index + 1}`));
  }
  return items;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw malformedJson(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}
