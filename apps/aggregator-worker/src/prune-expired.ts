import type { Config } from "@tally/shared/config";
import type { Database } from "@tally/shared/db";
import type { Logger } from "@tally/shared/logger";
import { sql, type Kysely } from "kysely";

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
 * Deletes message uuids, rollup rows, job-ledger entries and applied product uploads older than their
 * retention. An
 * applied upload's staging went with it when it was applied; an unapplied one is never pruned.
 * Safe to run anywhere, any time.
 */
export async function pruneExpired(db: Kysely<Database>, now: number, retention: Retention) {
  const before = (days: number) => new Date(now - days * DAY_MS);
  const [uuids, minutes, hours, counterJobs, flowJobs, uploads] = await Promise.all([
    pruneMessageLedger(db, before(retention.MESSAGE_LEDGER_RETENTION_DAYS)),
    db.deleteFrom("domain_minute").where("minute", "<", before(retention.COUNTER_MINUTE_RETENTION_DAYS)).executeTakeFirst(),
    db.deleteFrom("domain_hour").where("hour", "<", before(retention.COUNTER_HOUR_RETENTION_DAYS)).executeTakeFirst(),
    db.deleteFrom("counter_job_ledger").where("folded_at", "<", before(retention.JOB_LEDGER_RETENTION_DAYS)).executeTakeFirst(),
    db.deleteFrom("flow_job_ledger").where("folded_at", "<", before(retention.JOB_LEDGER_RETENTION_DAYS)).executeTakeFirst(),
    db.deleteFrom("product_uploads").where("applied_at", "<", before(retention.JOB_LEDGER_RETENTION_DAYS)).executeTakeFirst(),
  ]);
  return {
    uuids,
    minutes: Number(minutes.numDeletedRows),
    hours: Number(hours.numDeletedRows),
    jobs: Number(counterJobs.numDeletedRows) + Number(flowJobs.numDeletedRows),
    uploads: Number(uploads.numDeletedRows),
  };
}

/**
 * Prunes now and every ten minutes while the worker runs. Several workers pruning at once only
 * repeat each other's (idempotent) deletes. Returns a stop function.
 */
export function startPruning(db: Kysely<Database>, config: Retention, logger: Logger, clock: () => number = Date.now): () => void {
  const run = () =>
    pruneExpired(db, clock(), config).then(
      (deleted) => logger.debug({ deleted }, "pruned expired rows"),
      (err: unknown) => logger.warn({ err }, "pruning failed; will try again"),
    );
  void run();
  const timer = setInterval(run, PRUNE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
