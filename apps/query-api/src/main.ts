import { loadConfigOrExit } from "@tally/shared/config";
import { createDb } from "@tally/shared/db";
import { createHttpServer, createMetricsRegistry } from "@tally/shared/http";
import { closeServer, listenOrExit, onShutdown } from "@tally/shared/lifecycle";
import { createLogger } from "@tally/shared/logger";
import { createApp } from "./app.js";

const config = loadConfigOrExit(process.env);
const logger = createLogger("query-api", config.LOG_LEVEL);
const db = createDb(config.QUERY_DATABASE_URL, { readOnly: true });

let stopping = false;
const app = createApp({ db, logger, registry: createMetricsRegistry("query-api"), clock: Date.now, apiKeys: config.QUERY_API_KEYS, stopping: () => stopping, ingestPort: config.INGEST_PORT });
const server = createHttpServer(app, logger);
await listenOrExit(server, config.QUERY_PORT, logger, "the query API");
logger.info({ port: config.QUERY_PORT }, "query API listening");

onShutdown(
  logger,
  [
    ["not ready", () => (stopping = true)],
    ["http server", () => closeServer(server)],
    ["database", () => db.destroy()],
  ],
  { timeoutMs: config.SHUTDOWN_TIMEOUT_MS },
);
