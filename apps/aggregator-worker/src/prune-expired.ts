import type { Config } from "@tally/shared/config";
import type { Database } from "@tally/shared/db";
import { sql, type Kysely } from "kysely";
import { dropExpiredPartitions, timePartitionedTables } from "./partitions.js";
import { DAY_MS } from "@tally/shared/time";

/** Ledger rows deleted per statement: short transactions that never hold up the workers' inserts for long. */
const LEDGER_DELETE_BATCH = 10_000;

export type Retention = Pick<
  Config,
  | "MESSAGE_LEDGER_RETENTION_DAYS"
  | "COUNTER_MINUTE_RETENTION_DAYS"
  | "COUNTER_HOUR_RETENTION_DAYS"
  | "JOB_LEDGER_RETENTION_DAYS"
  | "PRODUCT_UPLOAD_RETENTION_DAYS"
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
 * job ledgers (and deletes the late rows their DEFAULT partitions caught), and deletes the records of
 * product uploads applied or failed longer ago than their retention (their staging went when they
 * ended); a pending upload is never pruned. Safe to run anywhere, any time.
 */
export async function pruneExpired(db: Kysely<Database>, now: number, retention: Retention) {
  const before = (days: number) => new Date(now - days * DAY_MS);
  const [uuids, partitions, uploads] = await Promise.all([
    pruneMessageLedger(db, before(retention.MESSAGE_LEDGER_RETENTION_DAYS)),
    Promise.all(timePartitionedTables(retention).map((spec) => dropExpiredPartitions(db, spec, now))),
    db
      .deleteFrom("product_uploads")
      .where((eb) => eb.or([eb("applied_at", "<", before(retention.PRODUCT_UPLOAD_RETENTION_DAYS)), eb("failed_at", "<", before(retention.PRODUCT_UPLOAD_RETENTION_DAYS))]))
      .executeTakeFirst(),
  ]);
  return {
    uuids,
    droppedPartitions: partitions.flatMap((p) => p.dropped),
    lateRows: partitions.reduce((sum, p) => sum + p.lateRows, 0),
    uploads: Number(uploads.numDeletedRows),
  };
}
