import { loadConfigOrExit } from "@tally/shared/config";
import { createDb } from "@tally/shared/db";
import { createHttpServer, createMetricsRegistry } from "@tally/shared/http";
import { closeServer, listenOrExit, onShutdown } from "@tally/shared/lifecycle";
import { createLogger } from "@tally/shared/logger";
import { createApp } from "./app.js";
import { connectPendingUploads } from "./products/pending-uploads.js";

const config = loadConfigOrExit(process.env);
const logger = createLogger("query-api", config.LOG_LEVEL);
const db = createDb(config.QUERY_DATABASE_URL, { readOnly: true, statementTimeoutMs: config.QUERY_STATEMENT_TIMEOUT_MS });
// Redis only to tell whether a small products upload is pending (its job); never written to.
const uploads = connectPendingUploads(config.REDIS_URL, config.QUEUE_PREFIX, config.REDIS_CLUSTER);

let stopping = false;
const app = createApp({ db, logger, registry: createMetricsRegistry("query-api"), clock: Date.now, apiKeys: config.QUERY_API_KEYS, stopping: () => stopping, pendingUploads: uploads.pendingUploads, ingestPort: config.INGEST_PORT });
const server = createHttpServer(app, logger);
await listenOrExit(server, config.QUERY_PORT, logger, "the query API");
logger.info({ port: config.QUERY_PORT }, "query API listening");

onShutdown(
  logger,
  [
    ["not ready", () => (stopping = true)],
    ["http server", () => closeServer(server)],
    ["database", () => db.destroy()],
    ["redis", () => uploads.close()],
  ],
  { timeoutMs: config.SHUTDOWN_TIMEOUT_MS },
);
