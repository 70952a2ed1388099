import type { Config } from "@tally/shared/config";
import type { Logger } from "@tally/shared/logger";
import type { Express } from "express";
import { createHttpApp, type Registry } from "@tally/shared/http";
import { countersRoutes } from "./counters/counters.routes.js";
import { flowsRoutes } from "./flows/flows.routes.js";
import { messagesRoutes } from "./messages/messages.routes.js";
import type { IngestQueues } from "./queues.js";

export interface IngestAppDeps {
  config: Config;
  queues: IngestQueues;
  logger: Logger;
  registry: Registry;
  /** Milliseconds since the epoch: when a request is accepted. */
  clock: () => number;
  /** Resolves while Redis answers. */
  pingRedis: () => Promise<unknown>;
}

/** The ingest API: validates, answers fast, enqueues. Opens nothing itself. */
export function createApp({ config, queues, logger, registry, clock, pingRedis }: IngestAppDeps): Express {
  return createHttpApp({
    logger,
    registry,
    readiness: { redis: pingRedis },
    routes: (router) => {
      messagesRoutes(router, { queues, clock, maxBodyBytes: config.MAX_BODY_BYTES });
      countersRoutes(router, { queues, maxBodyBytes: config.MAX_BODY_BYTES });
      flowsRoutes(router, { queues, maxBodyBytes: config.MAX_BODY_BYTES, maxFlowsPerRequest: config.MAX_FLOWS_PER_REQUEST });
    },
  });
}
