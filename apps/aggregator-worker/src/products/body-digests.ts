import { readFileSync } from "node:fs";
import { bodyDigestKey, pendingUploadKey, type RedisConnection } from "@tally/shared/redis";

interface ForgetCommand {
  forgetBodyDigest(key: string, uploadId: string): Promise<number>;
}

/** The worker's one use of the record of accepted bodies: releasing the window of an upload that failed. */
export function createBodyDigestRelease(redis: RedisConnection, prefix: string): (digest: string, uploadId: string) => Promise<boolean> {
  redis.defineCommand("forgetBodyDigest", { numberOfKeys: 1, lua: readFileSync(new URL("./forget-body-digest-1.lua", import.meta.url), "utf8") });
  const commands = redis as unknown as ForgetCommand;
  return async (digest, uploadId) => (await commands.forgetBodyDigest(bodyDigestKey(prefix, digest), uploadId)) === 1;
}

/** Deletes small uploads' pending marks, one command each (each mark has a slot of its own in a cluster). */
export function createPendingForget(redis: RedisConnection, prefix: string): (uploadIds: readonly string[]) => Promise<void> {
  return async (uploadIds) => {
    await Promise.all(uploadIds.map((id) => redis.unlink(pendingUploadKey(prefix, id))));
  };
}
