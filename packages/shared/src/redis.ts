import { createHash } from "node:crypto";
import { Cluster, Redis } from "ioredis";

/** A connection to one Redis, or to a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

/**
 * A Redis connection for one role. Producers fail fast while Redis is away (so a request gets 503
 * instead of hanging); workers wait and retry forever, as BullMQ requires. With `cluster`, `url` is
 * one node of a Redis Cluster and the others are discovered from it.
 */
export function createRedisConnection(url: string, role: "producer" | "worker", { cluster = false } = {}): RedisConnection {
  const options =
    role === "producer"
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 }
      : { maxRetriesPerRequest: null, enableReadyCheck: true };
  if (!cluster) return new Redis(url, options);
  const { hostname, port, username, password } = new URL(url);
  return new Cluster([{ host: hostname, port: Number(port || 6379) }], {
    redisOptions: { ...options, username: username || undefined, password: password || undefined },
    enableOfflineQueue: role !== "producer",
    enableReadyCheck: true,
  });
}

/**
 * The Redis key under which a products body's digest is recorded. Its own hash tag (the digest)
 * spreads the records over a cluster's slots instead of piling them onto the queues' slot.
 */
export function bodyDigestKey(prefix: string, digest: string): string {
  return `${prefix.replaceAll(/[{}]/g, "")}:products:digest:{${digest}}`;
}

/**
 * The Redis key marking a small (fast-path) products upload accepted and not applied yet, holding
 * its size and acceptance time: the query API answers its status from it until a worker has recorded
 * the upload in Postgres (and deleted it). Its own hash tag (the upload's id) spreads the marks over
 * a cluster's slots.
 */
export function pendingUploadKey(prefix: string, uploadId: string): string {
  return `${prefix.replaceAll(/[{}]/g, "")}:products:pending:{${uploadId.toLowerCase()}}`;
}

/**
 * The Redis key of the products acceptance number, which orders every accepted upload (both paths).
 * It keeps the prefix's hash tag, so in a cluster it lives in the queues' slot.
 */
export function productAcceptanceKey(prefix: string): string {
  return `${prefix}:products:acceptance`;
}

/**
 * The Redis key under which an idempotency key's record is kept. Its own hash tag (a digest of the
 * client's key, which may hold any printable character) spreads the records over a cluster's slots.
 */
export function idempotencyRecordKey(prefix: string, idempotencyKey: string): string {
  return `${prefix.replaceAll(/[{}]/g, "")}:idempotency:{${createHash("sha256").update(idempotencyKey).digest("hex")}}`;
}
