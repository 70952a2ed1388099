import type { Config } from "@tally/shared/config";
import type { Database } from "@tally/shared/db";
import type { Logger } from "@tally/shared/logger";
import type { Express } from "express";
import { sql, type Kysely } from "kysely";
import { createHttpApp, type Registry } from "@tally/shared/http";
import { countersRoutes } from "./counters/counters.routes.js";
import { flowsRoutes } from "./flows/flows.routes.js";
import { messagesRoutes } from "./messages/messages.routes.js";
import { createIngestMetrics } from "./metrics.js";
import { ingestOpenApi } from "./openapi.js";
import type { BodyDigests } from "./products/body-digests.js";
import { productsRoutes } from "./products/products.routes.js";
import type { IngestQueues } from "./queues.js";

export interface IngestAppDeps {
  config: Config;
  queues: IngestQueues;
  /** Products are staged in Postgres before they are accepted. */
  db: Kysely<Database>;
  digests: BodyDigests;
  logger: Logger;
  registry: Registry;
  /** Milliseconds since the epoch: when a request is accepted. */
  clock: () => number;
  /** Resolves while Redis answers. */
  pingRedis: () => Promise<unknown>;
}

/** The ingest API: validates, answers fast, enqueues. Opens nothing itself. */
export function createApp({ config, queues, db, digests, logger, registry, clock, pingRedis }: IngestAppDeps): Express {
  return createHttpApp({
    logger,
    registry,
    readiness: { redis: pingRedis, postgres: () => sql`select 1`.execute(db) },
    apiKeys: config.INGEST_API_KEYS,
    openApi: ingestOpenApi,
    routes: (router) => {
      const metrics = createIngestMetrics(registry, queues);
      router.use(metrics.countRejections);
      const common = { queues, metrics, maxBodyBytes: config.MAX_BODY_BYTES, maxBacklog: config.MAX_QUEUE_BACKLOG };
      messagesRoutes(router, { ...common, clock });
      countersRoutes(router, common);
      flowsRoutes(router, { ...common, maxFlowsPerRequest: config.MAX_FLOWS_PER_REQUEST });
      const limits = { maxBodyBytes: config.MAX_PRODUCTS_BODY_BYTES, maxProductBytes: config.MAX_PRODUCT_BYTES };
      productsRoutes(router, { db, queues, metrics, digests, limits, maxBacklog: config.MAX_QUEUE_BACKLOG, logger });
    },
  });
}
