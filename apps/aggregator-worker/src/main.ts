import { loadConfigOrExit } from "@tally/shared/config";
import { createDb } from "@tally/shared/db";
import { onShutdown } from "@tally/shared/lifecycle";
import { createLogger } from "@tally/shared/logger";
import { createRedisConnection } from "@tally/shared/queues";
import { startWorkers } from "./workers.js";

const config = loadConfigOrExit(process.env);
const logger = createLogger("aggregator-worker", config.LOG_LEVEL);
const connection = createRedisConnection(config.REDIS_URL, "worker");
connection.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
const db = createDb(config.DATABASE_URL);

const workers = startWorkers({ config, db, connection, logger });
logger.info({ concurrency: config.WORKER_CONCURRENCY, prefix: config.QUEUE_PREFIX }, "aggregator worker started");

onShutdown(logger, [
  ["workers", () => workers.close()],
  ["database", () => db.destroy()],
  ["redis", () => connection.quit()],
]);
