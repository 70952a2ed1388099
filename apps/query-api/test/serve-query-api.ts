import { createDb } from "@tally/shared/db";
import { createMetricsRegistry } from "@tally/shared/http";
import { createLogger } from "@tally/shared/logger";
import { listen } from "@tally/testing";
import { createApp, type QueryAppDeps } from "../src/app.js";

/** The query API on a read-only connection to a test's database, quiet, on a free port. */
export async function serveQueryApi(
  databaseUrl: string,
  { statementTimeoutMs, ...deps }: Partial<Pick<QueryAppDeps, "clock" | "apiKeys" | "pendingUploads">> & { statementTimeoutMs?: number } = {},
) {
  const readOnly = createDb(databaseUrl, { readOnly: true, statementTimeoutMs });
  const server = await listen(createApp({ db: readOnly, logger: createLogger("query-api", "silent"), registry: createMetricsRegistry("query-api"), clock: Date.now, ...deps }));
  return {
    url: server.url,
    readOnly,
    async close() {
      await server.close();
      await readOnly.destroy();
    },
  };
}
