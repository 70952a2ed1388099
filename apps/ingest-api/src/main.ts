import { loadConfigOrExit } from "@tally/shared/config";
import { createDb } from "@tally/shared/db";
import { closeServer, listenOrExit, onShutdown } from "@tally/shared/lifecycle";
import { createLogger } from "@tally/shared/logger";
import { createHttpServer, createMetricsRegistry } from "@tally/shared/http";
import { createRedisConnection } from "@tally/shared/redis";
import { createApp } from "./app.js";
import { createIdempotencyRecords, IDEMPOTENCY_LOCK_MS } from "./idempotency/idempotency-records.js";
import { createBodyDigests } from "./products/body-digests.js";
import { createIngestQueues } from "./queues.js";

const config = loadConfigOrExit(process.env);
const logger = createLogger("ingest-api", config.LOG_LEVEL);
const connection = createRedisConnection(config.REDIS_URL, "producer", { cluster: config.REDIS_CLUSTER });
connection.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
const queues = createIngestQueues(connection, { prefix: config.QUEUE_PREFIX, logger });
// Only products uploads use Postgres here, each on a connection of its own for as long as it streams.
const db = createDb(config.DATABASE_URL, { max: config.MAX_CONCURRENT_UPLOADS });
// Redis's TIME decides the products window, so every ingest process of a cluster agrees.
const digests = createBodyDigests({ redis: connection, prefix: config.QUEUE_PREFIX, windowMs: config.DEDUP_WINDOW_MS, clock: () => undefined });
// Likewise the idempotency keys: a key's first use dates the job ids every retry re-derives.
const records = createIdempotencyRecords({ redis: connection, prefix: config.QUEUE_PREFIX, ttlMs: config.IDEMPOTENCY_TTL_MS, lockMs: IDEMPOTENCY_LOCK_MS, clock: () => undefined });

let stopping = false;
const app = createApp({
  config,
  queues,
  db,
  digests,
  records,
  logger,
  registry: createMetricsRegistry("ingest-api"),
  clock: Date.now,
  pingRedis: () => connection.ping(),
  stopping: () => stopping,
});
const server = createHttpServer(app, logger);
// Products bodies may take minutes to arrive: no overall deadline (slow bodies are cut by their rate), but a connection idle for a minute is cut.
server.requestTimeout = 0;
server.setTimeout(60_000);
await listenOrExit(server, config.INGEST_PORT, logger, "the ingest API");
logger.info({ port: config.INGEST_PORT }, "ingest API listening");

onShutdown(
  logger,
  [
    ["not ready", () => (stopping = true)],
    ["http server", () => closeServer(server)],
    ["queues", () => queues.close()],
    ["database", () => db.destroy()],
    ["redis", () => connection.quit()],
  ],
  { timeoutMs: config.SHUTDOWN_TIMEOUT_MS },
);
