import type { Config } from "@tally/shared/config";
import type { Database } from "@tally/shared/db";
import type { Logger } from "@tally/shared/logger";
import { sql, type Kysely } from "kysely";
import { dropExpiredPartitions, ensurePartitions, timePartitionedTables } from "./partitions.js";

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 10 * 60_000;
/** Ledger rows deleted per statement: short transactions that never hold up the workers' inserts for long. */
const LEDGER_DELETE_BATCH = 10_000;

type Retention = Pick<
  Config,
  "MESSAGE_LEDGER_RETENTION_DAYS" | "COUNTER_MINUTE_RETENTION_DAYS" | "COUNTER_HOUR_RETENTION_DAYS" | "JOB_LEDGER_RETENTION_DAYS"
>;

/**
 * Forgets message uuids first seen before `before`, a batch at a time: the ledger can hold billions of
 * rows, and one huge delete would hold its locks and bloat for the whole run.
 */
async function pruneMessageLedger(db: Kysely<Database>, before: Date): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = await sql`
      DELETE FROM message_ledger WHERE ctid = ANY (ARRAY(
        SELECT ctid FROM message_ledger WHERE seen_at < ${before} LIMIT ${LEDGER_DELETE_BATCH}
      ))`.execute(db);
    const n = Number(result.numAffectedRows ?? 0);
    deleted += n;
    if (n < LEDGER_DELETE_BATCH) return deleted;
  }
}

/**
 * Retention: forgets message uuids, drops the expired partitions of the time-partitioned rollups and
 * job ledgers (and deletes the late rows their DEFAULT partitions caught), and deletes applied product
 * uploads, each older than its retention. An applied upload's staging went with it when it was applied;
 * an unapplied one is never pruned. Safe to run anywhere, any time.
 */
export async function pruneExpired(db: Kysely<Database>, now: number, retention: Retention) {
  const before = (days: number) => new Date(now - days * DAY_MS);
  const [uuids, partitions, uploads] = await Promise.all([
    pruneMessageLedger(db, before(retention.MESSAGE_LEDGER_RETENTION_DAYS)),
    Promise.all(timePartitionedTables(retention).map((spec) => dropExpiredPartitions(db, spec, now))),
    db.deleteFrom("product_uploads").where("applied_at", "<", before(retention.JOB_LEDGER_RETENTION_DAYS)).executeTakeFirst(),
  ]);
  return {
    uuids,
    droppedPartitions: partitions.flatMap((p) => p.dropped),
    lateRows: partitions.reduce((sum, p) => sum + p.lateRows, 0),
    uploads: Number(uploads.numDeletedRows),
  };
}

/** Creates the partitions of every time-partitioned table from now to a few periods ahead. */
export async function createPartitionsAhead(db: Kysely<Database>, now: number, retention: Retention): Promise<string[]> {
  const created: string[] = [];
  // One table at a time: each creation briefly locks its table, and there is no hurry.
  for (const spec of timePartitionedTables(retention)) created.push(...(await ensurePartitions(db, spec, now)));
  return created;
}

/**
 * Creates partitions ahead and prunes, now and every ten minutes while the worker runs. Several workers
 * doing it at once only skip or repeat each other's (idempotent) work; one that cannot get a lock
 * in time tries again on its next pass. Returns a stop function.
 */
export function startPruning(db: Kysely<Database>, config: Retention, logger: Logger, clock: () => number = Date.now): () => void {
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
  const timer = setInterval(() => void run(), PRUNE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
