import { loadConfigOrExit } from "@tally/shared/config";
import { createDb } from "@tally/shared/db";
import { closeServer, onShutdown } from "@tally/shared/lifecycle";
import { createLogger } from "@tally/shared/logger";
import { createMetricsRegistry } from "@tally/shared/http";
import { createRedisConnection } from "@tally/shared/queues";
import { createApp } from "./app.js";
import { createBodyDigests } from "./products/body-digests.js";
import { createIngestQueues } from "./queues.js";

const config = loadConfigOrExit(process.env);
const logger = createLogger("ingest-api", config.LOG_LEVEL);
const connection = createRedisConnection(config.REDIS_URL, "producer", { cluster: config.REDIS_CLUSTER });
connection.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
const queues = createIngestQueues(connection, { prefix: config.QUEUE_PREFIX, logger });
const db = createDb(config.DATABASE_URL);
// Redis's TIME decides the products window, so every ingest process of a cluster agrees.
const digests = createBodyDigests({ redis: connection, prefix: config.QUEUE_PREFIX, windowMs: config.DEDUP_WINDOW_MS, clock: () => undefined });

const app = createApp({
  config,
  queues,
  db,
  digests,
  logger,
  registry: createMetricsRegistry("ingest-api"),
  clock: Date.now,
  pingRedis: () => connection.ping(),
});
const server = app.listen(config.INGEST_PORT, () => logger.info({ port: config.INGEST_PORT }, "ingest API listening"));
// Products bodies may take minutes to arrive: no overall deadline, but a connection idle for a minute is cut.
server.requestTimeout = 0;
server.setTimeout(60_000);

onShutdown(logger, [
  ["http server", () => closeServer(server)],
  ["queues", () => queues.close()],
  ["database", () => db.destroy()],
  ["redis", () => connection.quit()],
]);
