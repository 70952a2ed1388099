import { createMetricsRegistry } from "@tally/shared/http";
import { createLogger } from "@tally/shared/logger";
import type { CountersJob, FlowsJob, MessagesJob } from "@tally/shared/jobs";
import { createRedisConnection } from "@tally/shared/redis";
import { createDb } from "@tally/shared/db";
import { createTestDatabase, createTestRedis, eventually, listen, testConfig, type TestDatabase } from "@tally/testing";
import type { Job, Queue } from "bullmq";
import { createApp } from "../src/app.js";
import { createIdempotencyRecords, IDEMPOTENCY_LOCK_MS } from "../src/idempotency/idempotency-records.js";
import { createBodyDigests } from "../src/products/body-digests.js";
import { createIngestQueues } from "../src/queues.js";

/** The Redis prefix and database of an ingest process that another one can share. */
interface SharedStores {
  redis: ReturnType<typeof createTestRedis>;
  database: TestDatabase;
}

/** When the harness says every request was accepted: 14:54:30, so messages go to the 14:45 quarter. */
const ACCEPTED_AT = Date.UTC(2026, 10, 23, 14, 54, 30);

/**
 * The ingest app on a real Redis under a queue prefix of its own and a database of its own, with the
 * acceptance clock pinned; the products window and the idempotency keys use Redis's clock unless a test
 * sets `dedupNow`.
 * Pass `shared` to run a second ingest process against the first one's Redis and database.
 */
export async function startIngest(env: Record<string, string> = {}, shared?: SharedStores) {
  const redis = shared?.redis ?? createTestRedis();
  const database = shared?.database ?? (await createTestDatabase());
  const config = testConfig({ QUEUE_PREFIX: redis.prefix, DATABASE_URL: database.url, ...env });
  const connection = createRedisConnection(env.REDIS_URL ?? redis.url, "producer");
  connection.on("error", () => {});
  const queues = createIngestQueues(connection, { prefix: config.QUEUE_PREFIX, logger: createLogger("ingest-api", "silent") });
  const db = createDb(database.url, { max: 12 });
  const clock = { dedupNow: undefined as number | undefined };
  const digests = createBodyDigests({ redis: connection, prefix: config.QUEUE_PREFIX, windowMs: config.DEDUP_WINDOW_MS, clock: () => clock.dedupNow });
  const records = createIdempotencyRecords({ redis: connection, prefix: config.QUEUE_PREFIX, ttlMs: config.IDEMPOTENCY_TTL_MS, lockMs: IDEMPOTENCY_LOCK_MS, clock: () => clock.dedupNow });
  const app = createApp({
    config,
    queues,
    db,
    digests,
    records,
    logger: createLogger("ingest-api", "silent"),
    registry: createMetricsRegistry("ingest-api"),
    clock: () => ACCEPTED_AT,
    pingRedis: () => connection.ping(),
  });
  const server = await listen(app);
  // Until the producer connection is up ingest answers 503, rightly; tests want to start after that.
  if (env.REDIS_URL === undefined) await eventually(async () => (queues.connected() ? true : undefined), 5000, "Redis");
  return {
    url: server.url,
    app,
    redis,
    database,
    db,
    queues,
    clock,
    /** Every job waiting in the messages queue. */
    messageJobs: (): Promise<Job<MessagesJob>[]> => waiting(queues.messages),
    /** Every job waiting in the counters queue. */
    counterJobs: (): Promise<Job<CountersJob>[]> => waiting(queues.counters),
    /** Every job waiting in the flows queue. */
    flowJobs: (): Promise<Job<FlowsJob>[]> => waiting(queues.flows),
    /** POSTs a body as bytes, so fetch adds no Content-Type of its own. */
    post(path: string, body: string | Buffer | object, headers: Record<string, string> = { "content-type": "application/json" }) {
      return fetch(`${server.url}${path}`, {
        method: "POST",
        headers,
        body: Buffer.isBuffer(body) ? body : Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
      });
    },
    async close() {
      await server.close();
      await queues.close();
      connection.disconnect();
      await db.destroy();
      if (!shared) {
        await redis.clear();
        await database.drop();
      }
    },
  };
}

export type Ingest = Awaited<ReturnType<typeof startIngest>>;

function waiting<T>(queue: Queue<T>): Promise<Job<T>[]> {
  return queue.getJobs(["waiting", "prioritized", "delayed"]) as Promise<Job<T>[]>;
}
