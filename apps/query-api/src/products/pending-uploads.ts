import { serviceUnavailable } from "@tally/shared/http";
import { productsJobSchema } from "@tally/shared/jobs";
import { createRedisConnection, productsJobKey, type RedisConnection } from "@tally/shared/redis";

import type { PendingUploads } from "./pending-upload.js";

/**
 * The query API's one use of Redis, read-only: a small products upload is accepted into a job, not
 * into Postgres, and its row appears only when a worker applies it. Until then its status comes from
 * its job (one HGET of the job's payload). Redis away: 503, since the upload may well exist.
 */
export function createPendingUploads(redis: RedisConnection, prefix: string): PendingUploads {
  return async (uploadId) => {
    const data = await redis.hget(productsJobKey(prefix, uploadId.toLowerCase()), "data").catch((error: unknown) => {
      throw Object.assign(serviceUnavailable("the queue (Redis) is not reachable to tell whether this upload is pending; try again"), { cause: error });
    });
    if (data === null) return undefined;
    const job = productsJobSchema.safeParse(JSON.parse(data));
    if (!job.success || job.data.products === undefined || job.data.acceptedAt === undefined) return undefined;
    return { products: job.data.products, acceptedAt: job.data.acceptedAt };
  };
}

/** A fail-fast connection for `createPendingUploads`, and its closing. */
export function connectPendingUploads(url: string, prefix: string, cluster: boolean): { pendingUploads: PendingUploads; close: () => Promise<void> } {
  const redis = createRedisConnection(url, "producer", { cluster });
  redis.on("error", () => {}); // a lookup while Redis is away answers 503; the connection retries by itself
  return { pendingUploads: createPendingUploads(redis, prefix), close: async () => void (await redis.quit()) };
}
