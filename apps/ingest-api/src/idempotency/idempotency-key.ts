import { createHash } from "node:crypto";
import { validationFailed } from "@tally/shared/http";
import type { Request } from "express";

export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
const PRINTABLE_ASCII = /^[\x20-\x7e]{1,255}$/;

/** The request's `Idempotency-Key`, if it has one: 1–255 printable ASCII characters, else 422 naming it. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.headers["idempotency-key"];
  if (key === undefined) return undefined;
  if (typeof key !== "string" || !PRINTABLE_ASCII.test(key)) {
    throw validationFailed([{ path: IDEMPOTENCY_KEY_HEADER, message: "must be 1 to 255 printable ASCII characters" }]);
  }
  return key;
}

/** What makes two requests the same request: method, path and the body's SHA-256. */
export function requestFingerprint(method: string, path: string, bodyDigest: string): string {
  return createHash("sha256").update(`${method} ${path} ${bodyDigest}`).digest("hex");
}

/** The SHA-256 of a body read whole. */
export function bodyDigest(body: Buffer): string {
  return createHash("sha256").update(body).digest("hex");
}
