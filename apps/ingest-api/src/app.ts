import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { Config } from "@tally/shared/config";
import type { Database } from "@tally/shared/db";
import type { Logger } from "@tally/shared/logger";
import type { Express } from "express";
import type { Kysely } from "kysely";
import { createHttpApp, type Registry } from "@tally/shared/http";
import type { BodyLimits } from "./body/metered-body.js";
import { countersRoutes } from "./counters/counters.routes.js";
import { flowsRoutes } from "./flows/flows.routes.js";
import { messagesRoutes } from "./messages/messages.routes.js";
import { createIngestMetrics } from "./metrics.js";
import { ingestOpenApi } from "./openapi.js";
import type { IdempotencyRecords } from "./idempotency/idempotency-records.js";
import type { BodyDigests } from "./products/body-digests.js";
import { productsRoutes } from "./products/products.routes.js";
import { createUploadSlots } from "./products/upload-slots.js";
import type { IngestQueues } from "./queues.js";

// The docs page's files, served as they are from swagger-ui-dist: resolved, never loaded (a browser bundle).
const require = createRequire(import.meta.url);
const swaggerUiAssets = dirname(require.resolve("swagger-ui-dist/package.json"));

export interface IngestAppDeps {
  config: Config;
  queues: IngestQueues;
  /** Products uploads are staged in Postgres before they are accepted: a pool of MAX_CONCURRENT_UPLOADS connections. */
  db: Kysely<Database>;
  digests: BodyDigests;
  /** The cluster's record of idempotency keys and their answers. */
  records: IdempotencyRecords;
  logger: Logger;
  registry: Registry;
  /** Milliseconds since the epoch: when a request is accepted. */
  clock: () => number;
  /** Resolves while Redis answers. */
  pingRedis: () => Promise<unknown>;
  /** True once the process is shutting down. */
  stopping?: () => boolean;
}

/** The ingest API: validates, answers fast, enqueues. Opens nothing itself. */
export function createApp({ config, queues, db, digests, records, logger, registry, clock, pingRedis, stopping }: IngestAppDeps): Express {
  const rate = { minBytesPerSecond: config.MIN_BODY_BYTES_PER_SECOND, windowMs: config.BODY_RATE_WINDOW_MS };
  const body: BodyLimits = { maxBytes: config.MAX_BODY_BYTES, maxBytesName: "MAX_BODY_BYTES", ...rate };
  const metrics = createIngestMetrics(registry, queues);
  const items = { maxItems: config.MAX_ITEMS_PER_REQUEST, maxItemsName: "MAX_ITEMS_PER_REQUEST", maxItemBytes: config.MAX_ITEM_BYTES };
  return createHttpApp({
    logger,
    registry,
    // Only what every route needs: a products upload pool that is busy, or a Postgres that is away,
    // must not take messages, counters and flows out of a load balancer's rotation with it.
    readiness: { redis: pingRedis },
    stopping,
    otherApi: { name: "query", port: config.QUERY_PORT },
    apiKeys: config.INGEST_API_KEYS,
    docs: { document: ingestOpenApi, swaggerUiAssets },
    onAnswered: metrics.countRejection,
    routes: (router) => {
      const common = { queues, records, metrics, body, maxBacklog: config.MAX_QUEUE_BACKLOG };
      messagesRoutes(router, { ...common, items, clock });
      countersRoutes(router, { ...common, items });
      flowsRoutes(router, { ...common, items: { ...items, maxItems: config.MAX_FLOWS_PER_REQUEST, maxItemsName: "MAX_FLOWS_PER_REQUEST" } });
      productsRoutes(router, {
        ...common,
        db,
        slots: createUploadSlots(config.MAX_CONCURRENT_UPLOADS),
        digests,
        body: { ...body, maxBytes: config.MAX_PRODUCTS_BODY_BYTES, maxBytesName: "MAX_PRODUCTS_BODY_BYTES" },
        maxProductBytes: config.MAX_PRODUCT_BYTES,
        fastPathBytes: config.PRODUCTS_FAST_PATH_BYTES,
        dedup: config.PRODUCTS_DEDUP,
        logger,
      });
    },
  });
}
