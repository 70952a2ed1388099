import { readFileSync } from "node:fs";
import { bodyDigestKey, pendingUploadKey, type RedisConnection } from "@tally/shared/redis";

interface ForgetCommand {
  forgetBodyDigest(key: string, uploadId: string): Promise<number>;
}

interface ConfirmCommand {
  confirmAppliedBodyDigests(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>;
}

/** The worker's one use of the record of accepted bodies: releasing the window of an upload that failed. */
export function createBodyDigestRelease(redis: RedisConnection, prefix: string): (digest: string, uploadId: string) => Promise<boolean> {
  redis.defineCommand("forgetBodyDigest", { numberOfKeys: 1, lua: readFileSync(new URL("./forget-body-digest-1.lua", import.meta.url), "utf8") });
  const commands = redis as unknown as ForgetCommand;
  return async (digest, uploadId) => (await commands.forgetBodyDigest(bodyDigestKey(prefix, digest), uploadId)) === 1;
}

/** The most keys one command names (an UNLINK of marks, a confirm of windows): a batch's worth, in a command of bounded size. */
const KEYS_PER_COMMAND = 1000;

/**
 * Deletes small uploads' pending marks: on a single Redis one command for a batch's uploads; in a
 * cluster one command each (each mark has a slot of its own there).
 */
export function createPendingForget(redis: RedisConnection, prefix: string): (uploadIds: readonly string[]) => Promise<void> {
  const perCommand = redis.isCluster ? 1 : KEYS_PER_COMMAND;
  return async (uploadIds) => {
    const keys = uploadIds.map((id) => pendingUploadKey(prefix, id));
    const commands = [];
    for (let start = 0; start < keys.length; start += perCommand) commands.push(redis.unlink(...keys.slice(start, start + perCommand)));
    await Promise.all(commands);
  };
}

/**
 * Starts the windows of applied uploads whose claims are still pending (ingest's confirm was lost), so
 * that the same body is refused for the whole window even then: on a single Redis one call for a
 * batch's uploads, in a cluster one call each (each digest has a slot of its own there).
 */
export function createAppliedConfirm(redis: RedisConnection, prefix: string, windowMs: number): (uploads: readonly { digest: string; uploadId: string }[]) => Promise<void> {
  redis.defineCommand("confirmAppliedBodyDigests", { lua: readFileSync(new URL("./confirm-applied-body-digest-n.lua", import.meta.url), "utf8") });
  const commands = redis as unknown as ConfirmCommand;
  const perCommand = redis.isCluster ? 1 : KEYS_PER_COMMAND;
  return async (uploads) => {
    const calls = [];
    for (let start = 0; start < uploads.length; start += perCommand) {
      const group = uploads.slice(start, start + perCommand);
      const keys = group.map((u) => bodyDigestKey(prefix, u.digest));
      calls.push(commands.confirmAppliedBodyDigests(keys.length, ...keys, windowMs, ...group.map((u) => u.uploadId)));
    }
    await Promise.all(calls);
  };
}
