import { readFileSync } from "node:fs";
import { serviceUnavailable } from "@tally/shared/http";
import type { RedisConnection } from "@tally/shared/redis";
import { idempotencyRecordKey } from "@tally/shared/redis";
import { REDIS_ANSWER_TIMEOUT_MS, rejectAfter } from "../queues.js";

/** An answer as kept for replays: what a retry with the same key gets again. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type Claim =
  | { state: "claimed"; token: string; firstAt: number; previousUpload: string | undefined }
  | { state: "mismatch" }
  | { state: "in-flight"; lockedUntil: number }
  | { state: "done"; answer: StoredAnswer };

type ClaimReply = [state: string, ...rest: string[]];

interface IdempotencyCommands {
  claimIdempotencyKey(key: string, fingerprint: string, token: string, lockMs: number, ttlMs: number, now: string, upload: string): Promise<ClaimReply>;
  finishIdempotencyKey(key: string, token: string, outcome: "done" | "open", status: string, headers: string, body: string): Promise<number>;
}

export interface IdempotencyRecordsOptions {
  redis: RedisConnection;
  prefix: string;
  /** How long a key and its answer are kept (IDEMPOTENCY_TTL_MS). */
  ttlMs: number;
  /** How long one attempt holds a key before another may take over (its process may have died). */
  lockMs: number;
  /** Milliseconds since the epoch for tests; undefined in production, where Redis's TIME decides. */
  clock: () => number | undefined;
}

export type IdempotencyRecords = ReturnType<typeof createIdempotencyRecords>;

/**
 * How long one attempt holds a key. A keyed request's work after its body is read (validating,
 * queueing; for products, committing) takes seconds at most; a holder that died frees the key then.
 */
export const IDEMPOTENCY_LOCK_MS = 30_000;

const script = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), "utf8");

/**
 * The cluster-wide record of idempotency keys, in Redis, decided by Lua scripts on Redis's clock so
 * every ingest process agrees: which request a key was first used for (its fingerprint), when (job
 * ids are derived from that time), whether an attempt holds it now, and the answer once there is one.
 */
export function createIdempotencyRecords({ redis, prefix, ttlMs, lockMs, clock }: IdempotencyRecordsOptions) {
  redis.defineCommand("claimIdempotencyKey", { numberOfKeys: 1, lua: script("claim-idempotency-key-1.lua") });
  redis.defineCommand("finishIdempotencyKey", { numberOfKeys: 1, lua: script("finish-idempotency-key-1.lua") });
  const commands = redis as unknown as IdempotencyCommands;
  const unreachable = (error: unknown) => {
    throw Object.assign(serviceUnavailable("the idempotency record (Redis) is not reachable; nothing was accepted, try again"), { cause: error });
  };

  return {
    /** Claims `key` for an attempt at the request with this fingerprint, or says what to answer instead. */
    async claim(key: string, fingerprint: string, token: string, upload = ""): Promise<Claim> {
      const record = idempotencyRecordKey(prefix, key);
      const command = commands.claimIdempotencyKey(record, fingerprint, token, lockMs, ttlMs, String(clock() ?? ""), upload);
      const [state, ...rest] = await Promise.race([command, rejectAfter(REDIS_ANSWER_TIMEOUT_MS)]).catch((error: unknown) => {
        // A claim Redis answers too late may still land, and would hold the key for a retry to meet 409.
        // Sent on the same connection, this reopen runs right after it, and frees the key if it did.
        commands.finishIdempotencyKey(record, token, "open", "", "", "").catch(() => undefined);
        return unreachable(error);
      });
      if (state === "claimed") return { state, token, firstAt: Number(rest[0]), previousUpload: rest[1] || undefined };
      if (state === "in-flight") return { state, lockedUntil: Number(rest[0]) };
      if (state === "done") return { state, answer: { status: Number(rest[0]), headers: JSON.parse(rest[1] ?? "{}") as Record<string, string>, body: rest[2] ?? "" } };
      return { state: "mismatch" };
    },
    /** Keeps this attempt's answer for every retry. False if the key was taken over meanwhile. */
    async done(key: string, token: string, answer: StoredAnswer): Promise<boolean> {
      return (await commands.finishIdempotencyKey(idempotencyRecordKey(prefix, key), token, "done", String(answer.status), JSON.stringify(answer.headers), answer.body)) === 1;
    },
    /** Lets the next attempt take the key over: this one promised nothing. */
    async reopen(key: string, token: string): Promise<void> {
      await commands.finishIdempotencyKey(idempotencyRecordKey(prefix, key), token, "open", "", "", "");
    },
  };
}
