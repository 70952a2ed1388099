import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { unauthorized } from "./problem.js";

/** What a request without a key is told. */
export const API_KEY_REQUIRED = "an API key is required: Authorization: Bearer <key>";

const sha256 = (text: string) => createHash("sha256").update(text).digest();

/**
 * Lets a request through only with `Authorization: Bearer <one of keys>`. Keys are compared as
 * SHA-256 digests with timingSafeEqual, against every key without stopping at a match, so the
 * answer's timing says nothing about how much of a key was right.
 */
export function requireApiKey(keys: readonly string[]): RequestHandler {
  const digests = keys.map(sha256);
  return (req, _res, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
    const given = sha256(match?.[1] ?? "");
    let allowed = false;
    for (const digest of digests) allowed = timingSafeEqual(digest, given) || allowed;
    if (!allowed) throw unauthorized(match ? "the API key is not valid" : API_KEY_REQUIRED);
    next();
  };
}
