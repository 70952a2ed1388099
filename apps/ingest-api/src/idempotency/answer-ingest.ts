import { derivedJobId } from "@tally/shared/jobs";
import type { Request, Response } from "express";
import type { JobIds } from "../queues.js";
import { bodyDigest, idempotencyKeyOf, requestFingerprint } from "./idempotency-key.js";
import type { IdempotencyRecords } from "./idempotency-records.js";
import { respondOnce, type Answer, type KeyHold } from "./respond-once.js";

/**
 * Answers a messages, counters or flows request whose body `readJsonBody` read: at once, or, with an
 * `Idempotency-Key`, once for all its retries (`respondOnce`). `run` queues the request's jobs, with
 * ids derived from the key when it holds one.
 */
export async function answerIngest(req: Request, res: Response, records: IdempotencyRecords, run: (hold: KeyHold | undefined) => Promise<Answer>): Promise<void> {
  const key = idempotencyKeyOf(req);
  if (key === undefined) {
    const answer = await run(undefined);
    sendJson(res, answer.status, answer.body);
    return;
  }
  await respondOnce(records, res, key, requestFingerprint(req.method, req.path, bodyDigest(req.body as Buffer)), run);
}

/** The ids of a keyed request's jobs: its key's first use and the chunk's number, the same on every attempt. */
export function keyedJobIds(hold: KeyHold | undefined): JobIds | undefined {
  return hold && ((chunk) => derivedJobId(hold.firstAt, `${hold.key}:${chunk}`));
}

/**
 * The answer as JSON, written directly: the busiest route's answer, where express's `res.json()` spent
 * more than the write itself looking the content type's charset up again on every call.
 */
function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
