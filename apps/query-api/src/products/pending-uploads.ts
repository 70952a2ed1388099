import { serviceUnavailable } from "@tally/shared/http";
import { createRedisConnection, pendingUploadKey, type RedisConnection } from "@tally/shared/redis";
import { z } from "zod";

import type { PendingUploads } from "./pending-upload.js";

/** What ingest marks a small upload pending with. */
const pendingMark = z.object({ products: z.int().positive(), acceptedAt: z.int().nonnegative() });

/**
 * The query API's one use of Redis, read-only: a small products upload is accepted into a job, not
 * into Postgres, and its row appears only when a worker applies it. Until then ingest's pending mark
 * tells its status (one GET). Redis away: 503, since the upload may well exist.
 */
export function createPendingUploads(redis: RedisConnection, prefix: string): PendingUploads {
  return async (uploadId) => {
    const mark = await redis.get(pendingUploadKey(prefix, uploadId)).catch((error: unknown) => {
      throw Object.assign(serviceUnavailable("Redis is not reachable to tell whether this upload is pending; try again"), { cause: error });
    });
    const parsed = mark === null ? undefined : pendingMark.safeParse(JSON.parse(mark));
    return parsed?.success ? parsed.data : undefined;
  };
}

/** A fail-fast connection for `createPendingUploads`, and its closing. */
export function connectPendingUploads(url: string, prefix: string, cluster: boolean): { pendingUploads: PendingUploads; close: () => Promise<void> } {
  const redis = createRedisConnection(url, "producer", { cluster });
  redis.on("error", () => {}); // a lookup while Redis is away answers 503; the connection retries by itself
  return { pendingUploads: createPendingUploads(redis, prefix), close: async () => void (await redis.quit()) };
}
