import { loadConfigOrExit } from "@tally/shared/config";
import { closeServer, onShutdown } from "@tally/shared/lifecycle";
import { createLogger } from "@tally/shared/logger";
import { createMetricsRegistry } from "@tally/shared/http";
import { createRedisConnection } from "@tally/shared/queues";
import { createApp } from "./app.js";
import { createIngestQueues } from "./queues.js";

const config = loadConfigOrExit(process.env);
const logger = createLogger("ingest-api", config.LOG_LEVEL);
const connection = createRedisConnection(config.REDIS_URL, "producer");
connection.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
const queues = createIngestQueues(connection, config.QUEUE_PREFIX);

const app = createApp({
  config,
  queues,
  logger,
  registry: createMetricsRegistry("ingest-api"),
  clock: Date.now,
  pingRedis: () => connection.ping(),
});
const server = app.listen(config.INGEST_PORT, () => logger.info({ port: config.INGEST_PORT }, "ingest API listening"));

onShutdown(logger, [
  ["http server", () => closeServer(server)],
  ["queues", () => queues.close()],
  ["redis", () => connection.quit()],
]);
