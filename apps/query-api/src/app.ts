import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { Database } from "@tally/shared/db";
import { createHttpApp, type Registry } from "@tally/shared/http";
import type { Logger } from "@tally/shared/logger";
import type { Express } from "express";
import { sql, type Kysely } from "kysely";
import { topDomainsRoutes } from "./counters/top-domains.routes.js";
import { dashboardPageRoutes, dashboardRoutes } from "./dashboard/dashboard.routes.js";
import { flowsRoutes } from "./flows/flows.routes.js";
import { messagesRoutes } from "./messages/messages.routes.js";
import { queryOpenApi } from "./openapi.js";
import { productsRoutes } from "./products/products.routes.js";
import type { PendingUploads } from "./products/pending-upload.js";
import { uploadsRoutes } from "./products/uploads.routes.js";

// The docs page's files, served as they are from swagger-ui-dist: resolved, never loaded (a browser bundle).
const require = createRequire(import.meta.url);
const swaggerUiAssets = dirname(require.resolve("swagger-ui-dist/package.json"));

export interface QueryAppDeps {
  /** A read-only handle: every transaction is read-only. */
  db: Kysely<Database>;
  logger: Logger;
  registry: Registry;
  /** Milliseconds since the epoch: decides which window is the last complete one. */
  clock: () => number;
  /** Bearer keys required for every route but health, metrics, docs and the dashboard's page; none means open. */
  apiKeys?: readonly string[];
  /** True once the process is shutting down. */
  stopping?: () => boolean;
  /** Fast-path products uploads accepted but not yet applied, looked up in their queue (read-only); main always passes it, tests of other routes need not. */
  pendingUploads?: PendingUploads;
  /** Where the ingest API listens, for a 404 to point a POST of events at (3000 unless configured). */
  ingestPort?: number;
}

/** The query API: read-only answers from the rollups. Opens nothing itself. */
export function createApp({ db, logger, registry, clock, apiKeys, stopping, pendingUploads = async () => undefined, ingestPort = 3000 }: QueryAppDeps): Express {
  return createHttpApp({
    logger,
    registry,
    readiness: { postgres: () => sql`select 1`.execute(db) },
    apiKeys,
    stopping,
    otherApi: { name: "ingest", port: ingestPort },
    docs: { document: queryOpenApi, swaggerUiAssets },
    routes: (router) => {
      messagesRoutes(router, db);
      topDomainsRoutes(router, db, clock);
      flowsRoutes(router, db);
      uploadsRoutes(router, db, pendingUploads);
      productsRoutes(router, db);
      dashboardRoutes(router, db, clock);
    },
    // The dashboard's page and assets hold no data: open, so a browser can load them and ask for a key.
    publicRoutes: dashboardPageRoutes,
  });
}
