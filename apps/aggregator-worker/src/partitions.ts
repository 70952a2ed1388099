import type { Config } from "@tally/shared/config";
import type { Database } from "@tally/shared/db";
import { sql, type Kysely } from "kysely";
import { DAY_MS } from "@tally/shared/time";

/**
 * How long partition DDL waits for a lock before giving up until the next pass. Creating or dropping a
 * partition locks the parent against everything, and queries queue behind a waiting lock: a short wait
 * keeps readers and workers from stalling behind a long-running query.
 */
const DDL_LOCK_TIMEOUT = "1s";
/** Day partitions are created this many days ahead; month partitions, one month ahead. */
const DAYS_AHEAD = 3;

export type Span = "day" | "month";

export type PartitionRetention = Pick<Config, "COUNTER_MINUTE_RETENTION_DAYS" | "COUNTER_HOUR_RETENTION_DAYS" | "JOB_LEDGER_RETENTION_DAYS">;

/** A table partitioned by range of a timestamptz column (migration 0007), with its own DEFAULT partition. */
export interface TimePartitioned {
  table: keyof Database & string;
  column: string;
  span: Span;
  /** Days its rows are kept, or undefined for ever. */
  retentionDays: number | undefined;
}

export function timePartitionedTables(retention: PartitionRetention): TimePartitioned[] {
  return [
    { table: "domain_minute", column: "minute", span: "day", retentionDays: retention.COUNTER_MINUTE_RETENTION_DAYS },
    { table: "domain_hour", column: "hour", span: "month", retentionDays: retention.COUNTER_HOUR_RETENTION_DAYS },
    // Kept for ever: the partitions keep each month's indexes small, and can be archived month by month.
    { table: "message_rollup", column: "quarter", span: "month", retentionDays: undefined },
    { table: "counter_job_ledger", column: "queued_at", span: "day", retentionDays: retention.JOB_LEDGER_RETENTION_DAYS },
    { table: "flow_job_ledger", column: "queued_at", span: "day", retentionDays: retention.JOB_LEDGER_RETENTION_DAYS },
  ];
}

export function periodStart(at: number, span: Span): number {
  const d = new Date(at);
  return span === "day" ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function nextPeriod(start: number, span: Span): number {
  const d = new Date(start);
  return span === "day"
    ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)
    : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** `domain_minute_p20261123`, `domain_hour_p202611`: sorted by name is sorted by time. */
export function partitionName(table: string, start: number, span: Span): string {
  return `${table}_p${new Date(start).toISOString().slice(0, span === "day" ? 10 : 7).replaceAll("-", "")}`;
}

/** One partition and its range in ms: MINVALUE as -Infinity, MAXVALUE as Infinity. The DEFAULT partition has no range. */
export interface Partition {
  name: string;
  from: number;
  to: number;
  isDefault: boolean;
}

export async function listPartitions(db: Kysely<Database>, table: string): Promise<Partition[]> {
  // The bounds are read back from their text form, cast in SQL so that no time zone setting matters.
  const { rows } = await sql<{ name: string; is_default: boolean; from: Date | null; to: Date | null }>`
    SELECT name, bound = 'DEFAULT' AS is_default,
           (regexp_match(bound, 'FROM \\(''([^'']*)''\\)'))[1]::timestamptz AS "from",
           (regexp_match(bound, 'TO \\(''([^'']*)''\\)'))[1]::timestamptz AS "to"
    FROM (
      SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass(${table})
    ) p
    ORDER BY name`.execute(db);
  return rows.map((r) => ({
    name: r.name,
    isDefault: r.is_default,
    from: r.from ? r.from.getTime() : -Infinity,
    to: r.to ? r.to.getTime() : Infinity,
  }));
}

/**
 * Creates the partition [start, end) of `spec.table`, moving into it any rows the DEFAULT partition
 * caught for that range. The parent is locked against writes (not reads) first: an insert already
 * routed to the DEFAULT partition for this range when the partition is attached fails the DEFAULT's
 * new constraint (found by the test racing folds against this), so in-flight folds finish first and
 * new ones wait the few milliseconds this takes.
 */
async function createPartition(db: Kysely<Database>, spec: TimePartitioned, start: number, end: number): Promise<boolean> {
  const name = partitionName(spec.table, start, spec.span);
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL lock_timeout = ${sql.lit(DDL_LOCK_TIMEOUT)}`.execute(trx);
    await sql`LOCK TABLE ${sql.table(spec.table)} IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
    // Another worker may have created it while this one waited for the lock.
    const { rows } = await sql<{ exists: boolean }>`SELECT to_regclass(${name}) IS NOT NULL AS exists`.execute(trx);
    if (rows[0]!.exists) return false;
    const from = new Date(start);
    const to = new Date(end);
    await sql`CREATE TABLE ${sql.table(name)} (LIKE ${sql.table(spec.table)} INCLUDING DEFAULTS)`.execute(trx);
    await sql`
      WITH moved AS (
        DELETE FROM ${sql.table(`${spec.table}_default`)} WHERE ${sql.ref(spec.column)} >= ${from} AND ${sql.ref(spec.column)} < ${to}
        RETURNING *
      )
      INSERT INTO ${sql.table(name)} SELECT * FROM moved`.execute(trx);
    // Attached rather than created as a partition: the rows move in before its indexes are built.
    await sql`ALTER TABLE ${sql.table(spec.table)} ATTACH PARTITION ${sql.table(name)}
      FOR VALUES FROM (${sql.lit(from.toISOString())}) TO (${sql.lit(to.toISOString())})`.execute(trx);
    return true;
  });
}

/**
 * Makes sure the partitions from the current period to a few ahead exist. Periods already covered by
 * some partition (the legacy one, say) are left alone. Returns the names it created.
 */
export async function ensurePartitions(db: Kysely<Database>, spec: TimePartitioned, now: number): Promise<string[]> {
  const existing = (await listPartitions(db, spec.table)).filter((p) => !p.isDefault);
  const horizon = spec.span === "day" ? periodStart(now, "day") + DAYS_AHEAD * DAY_MS : nextPeriod(periodStart(now, "month"), "month");
  const created: string[] = [];
  for (let start = periodStart(now, spec.span); start <= horizon; start = nextPeriod(start, spec.span)) {
    const end = nextPeriod(start, spec.span);
    if (existing.some((p) => p.from < end && start < p.to)) continue;
    if (await createPartition(db, spec, start, end)) created.push(partitionName(spec.table, start, spec.span));
  }
  return created;
}

/**
 * Drops the partitions wholly older than the retention, then deletes the DEFAULT partition's rows
 * older than it (late rows caught there). Rows are kept at least `retentionDays`, and go a partition
 * at a time. Returns the partitions dropped and the late rows deleted.
 */
export async function dropExpiredPartitions(db: Kysely<Database>, spec: TimePartitioned, now: number): Promise<{ dropped: string[]; lateRows: number }> {
  if (spec.retentionDays === undefined) return { dropped: [], lateRows: 0 };
  const cutoff = now - spec.retentionDays * DAY_MS;
  const dropped: string[] = [];
  for (const p of await listPartitions(db, spec.table)) {
    if (p.isDefault || p.to > cutoff) continue;
    await db.transaction().execute(async (trx) => {
      await sql`SET LOCAL lock_timeout = ${sql.lit(DDL_LOCK_TIMEOUT)}`.execute(trx);
      await sql`DROP TABLE IF EXISTS ${sql.table(p.name)}`.execute(trx);
    });
    dropped.push(p.name);
  }
  const late = await sql`DELETE FROM ${sql.table(`${spec.table}_default`)} WHERE ${sql.ref(spec.column)} < ${new Date(cutoff)}`.execute(db);
  return { dropped, lateRows: Number(late.numAffectedRows ?? 0) };
}

/** Creates the partitions of every time-partitioned table from now to a few periods ahead. */
export async function createPartitionsAhead(db: Kysely<Database>, now: number, retention: PartitionRetention): Promise<string[]> {
  const created: string[] = [];
  // One table at a time: each creation briefly locks its table, and there is no hurry.
  for (const spec of timePartitionedTables(retention)) created.push(...(await ensurePartitions(db, spec, now)));
  return created;
}
