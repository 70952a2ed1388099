import type { Database } from "@tally/shared/db";
import type { Logger } from "@tally/shared/logger";
import { MINUTE_MS } from "@tally/shared/time";
import type { Kysely } from "kysely";
import { createPartitionsAhead } from "./partitions.js";
import { pruneExpired, type Retention } from "./prune-expired.js";

const UPKEEP_EVERY_MS = 10 * MINUTE_MS;

/**
 * Creates partitions ahead and prunes, now and every ten minutes while the worker runs. Several workers
 * doing it at once only skip or repeat each other's (idempotent) work; one that cannot get a lock
 * in time tries again on its next pass. Returns a stop function.
 */
export function startUpkeep(db: Kysely<Database>, config: Retention, logger: Logger, clock: () => number = Date.now): () => void {
  const run = async () => {
    try {
      const created = await createPartitionsAhead(db, clock(), config);
      if (created.length > 0) logger.info({ created }, "created partitions ahead");
      const pruned = await pruneExpired(db, clock(), config);
      if (pruned.droppedPartitions.length > 0) logger.info({ dropped: pruned.droppedPartitions }, "dropped expired partitions");
      logger.debug({ pruned }, "pruned expired rows");
    } catch (err) {
      logger.warn({ err }, "partition upkeep or pruning failed; will try again");
    }
  };
  void run();
  const timer = setInterval(() => void run(), UPKEEP_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
