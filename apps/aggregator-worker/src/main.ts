import { loadConfigOrExit } from "@tally/shared/config";
import { createDb } from "@tally/shared/db";
import { createHttpApp, createHttpServer, createMetricsRegistry } from "@tally/shared/http";
import { closeServer, listenOrExit, onShutdown } from "@tally/shared/lifecycle";
import { createLogger } from "@tally/shared/logger";
import { createRedisConnection } from "@tally/shared/redis";
import { sql } from "kysely";
import { startWorkers } from "./workers.js";

const config = loadConfigOrExit(process.env);
const logger = createLogger("aggregator-worker", config.LOG_LEVEL);
const connection = createRedisConnection(config.REDIS_URL, "worker", { cluster: config.REDIS_CLUSTER });
connection.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
const db = createDb(config.DATABASE_URL);
const registry = createMetricsRegistry("aggregator-worker");

// Health and metrics only: the worker takes its work from the queues, not from HTTP.
let stopping = false;
const app = createHttpApp({
  logger,
  registry,
  readiness: { redis: () => connection.ping(), postgres: () => sql`select 1`.execute(db) },
  stopping: () => stopping,
  routes: () => {},
});
const server = createHttpServer(app, logger);
await listenOrExit(server, config.WORKER_PORT, logger, "the worker's metrics server");
logger.info({ address: server.address() }, "worker metrics listening");

// Only once the port is ours: a process that is about to exit must not have taken jobs.
const workers = startWorkers({ config, db, connection, logger, registry });
logger.info({ concurrency: config.WORKER_CONCURRENCY, prefix: config.QUEUE_PREFIX }, "aggregator worker started");
// bull-board (and its UI's files) is loaded only where the dashboard is asked for.
const admin =
  config.ADMIN_PORT === undefined
    ? undefined
    : createHttpServer((await import("./admin-board.js")).createAdminBoard(workers.queues, config.ADMIN_ALLOW_ACTIONS), logger);
if (admin) {
  await listenOrExit(admin, config.ADMIN_PORT!, logger, "the queue dashboard");
  logger.info({ port: config.ADMIN_PORT, actions: config.ADMIN_ALLOW_ACTIONS }, "queue dashboard at /admin/queues");
}

onShutdown(
  logger,
  [
    ["not ready", () => (stopping = true)],
    ["workers", () => workers.close()],
    ["http server", () => closeServer(server)],
    ["queue dashboard", () => (admin ? closeServer(admin) : undefined)],
    ["database", () => db.destroy()],
    ["redis", () => connection.quit()],
  ],
  { timeoutMs: config.SHUTDOWN_TIMEOUT_MS },
);
