import { loadConfigOrExit } from "@tally/shared/config";
import { createDb } from "@tally/shared/db";
import { createMetricsRegistry } from "@tally/shared/http";
import { closeServer, onShutdown } from "@tally/shared/lifecycle";
import { createLogger } from "@tally/shared/logger";
import { createApp } from "./app.js";

const config = loadConfigOrExit(process.env);
const logger = createLogger("query-api", config.LOG_LEVEL);
const db = createDb(config.QUERY_DATABASE_URL, { readOnly: true });

const app = createApp({ db, logger, registry: createMetricsRegistry("query-api"), clock: Date.now, apiKeys: config.QUERY_API_KEYS });
const server = app.listen(config.QUERY_PORT, () => logger.info({ port: config.QUERY_PORT }, "query API listening"));

onShutdown(logger, [
  ["http server", () => closeServer(server)],
  ["database", () => db.destroy()],
]);
