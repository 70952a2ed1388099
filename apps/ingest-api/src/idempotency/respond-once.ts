import { randomUUID } from "node:crypto";
import { HttpError, validationFailed } from "@tally/shared/http";
import type { Response } from "express";
import { IDEMPOTENCY_KEY_HEADER } from "./idempotency-key.js";
import type { IdempotencyRecords, StoredAnswer } from "./idempotency-records.js";

/** What an attempt answers when it succeeds. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/** An attempt's hold on a key: `firstAt` is when the key was first used, the time its job ids carry. */
export interface KeyHold {
  key: string;
  token: string;
  firstAt: number;
  /** The products upload of an earlier attempt with this key, if one got as far as staging. */
  previousUpload: string | undefined;
}

/**
 * Claims `key` for this attempt, or gives the answer to send instead: the first one, to replay (same
 * key, same request, already answered). Throws 422 for the key used with another request, and 409
 * while another attempt holds it.
 */
export async function claimKey(records: IdempotencyRecords, key: string, fingerprint: string, upload = ""): Promise<{ hold: KeyHold } | { replay: StoredAnswer }> {
  const token = randomUUID();
  const claim = await records.claim(key, fingerprint, token, upload);
  if (claim.state === "mismatch") {
    throw validationFailed([{ path: IDEMPOTENCY_KEY_HEADER, message: "was already used for another request (another method, path or body)" }]);
  }
  if (claim.state === "in-flight") {
    const seconds = Math.max(1, Math.ceil((claim.lockedUntil - Date.now()) / 1000));
    throw new HttpError(409, "Conflict", `a request with this ${IDEMPOTENCY_KEY_HEADER} is still being processed; try again shortly`, { headers: { "Retry-After": String(seconds) } });
  }
  if (claim.state === "done") return { replay: claim.answer };
  return { hold: { key, token, firstAt: claim.firstAt, previousUpload: claim.previousUpload } };
}

/**
 * Keeps the attempt's answer for every retry. If keeping it fails, a retry runs the request again:
 * ids derived from the key make that change nothing, and it gets the same answer.
 */
export async function keepAnswer(records: IdempotencyRecords, hold: KeyHold, answer: Answer): Promise<StoredAnswer> {
  const stored = { status: answer.status, headers: { "Content-Type": "application/json; charset=utf-8", ...answer.headers }, body: JSON.stringify(answer.body) };
  await records.done(hold.key, hold.token, stored).catch(() => false);
  return stored;
}

/**
 * Keeps a refusal that is the request's final word (a 4xx: the same request is refused the same way),
 * or, for one that promised nothing (5xx, 429, 409), reopens the key for the next attempt, which keeps
 * the first attempt's time and so the same job ids.
 */
export async function keepRefusal(records: IdempotencyRecords, hold: KeyHold, error: unknown): Promise<void> {
  if (error instanceof HttpError && error.status < 500 && error.status !== 429 && error.status !== 409) {
    const problem = { status: error.status, headers: { "Content-Type": "application/problem+json", ...error.extra.headers }, body: JSON.stringify(error.toProblem()) };
    await records.done(hold.key, hold.token, problem).catch(() => false);
  } else {
    await records.reopen(hold.key, hold.token).catch(() => undefined);
  }
}

/** Sends a kept answer; `replayed` says it is a repeat (`Idempotent-Replayed: true`). */
export function sendStored(res: Response, answer: StoredAnswer, replayed: boolean): void {
  res.status(answer.status).set(answer.headers);
  if (replayed) res.set("Idempotent-Replayed", "true");
  res.send(answer.body);
}

/**
 * Runs one attempt at a keyed request and answers it. A retry with the same key and the same request
 * gets the first final answer again and changes nothing; with another request, 422; while an attempt
 * holds the key, 409.
 */
export async function respondOnce(records: IdempotencyRecords, res: Response, key: string, fingerprint: string, attempt: (hold: KeyHold) => Promise<Answer>): Promise<void> {
  const claim = await claimKey(records, key, fingerprint);
  if ("replay" in claim) return sendStored(res, claim.replay, true);
  let answer: Answer;
  try {
    answer = await attempt(claim.hold);
  } catch (error) {
    await keepRefusal(records, claim.hold, error);
    throw error;
  }
  sendStored(res, await keepAnswer(records, claim.hold, answer), false);
}
