import { sql, type Kysely } from "kysely";

/**
 * Partitions the high-volume rollups and the job ledgers by time, so that retention drops a whole
 * partition (instant, no bloat) instead of deleting rows. The worker creates later partitions ahead
 * and drops expired ones; a DEFAULT partition catches rows outside every partition (a counter dated
 * years back or ahead) so that no insert ever fails for want of one.
 *
 * Existing rows are not copied: each table becomes the partition `<table>_legacy` covering everything
 * before the cut-over (the start of the current day or month), and only its rows from the cut-over on
 * move into the new partitions. An empty table (a new install) is dropped instead.
 *
 * The job ledgers gain `queued_at`, the time BullMQ queued the job: unlike `folded_at` it is the same on
 * every delivery, so (job_id, queued_at) still stops a job counting twice, and it is the partition key.
 * Their legacy rows get `-infinity` and keep a unique index on job_id alone, which ON CONFLICT DO NOTHING
 * checks too: a job folded before the migration and delivered again after it still counts once.
 *
 * The list of tables is frozen here on purpose; the worker's own list (partitions.ts) may grow.
 */
type Span = "day" | "month";

interface Rollup {
  table: string;
  column: string;
  span: Span;
  primaryKey: readonly string[];
  /** Secondary indexes, by name: their SQL column lists. */
  indexes: Readonly<Record<string, string>>;
}

const ROLLUPS: readonly Rollup[] = [
  { table: "domain_minute", column: "minute", span: "day", primaryKey: ["minute", "domain"], indexes: { domain_minute_top: "minute, requests DESC, domain" } },
  { table: "domain_hour", column: "hour", span: "month", primaryKey: ["hour", "domain"], indexes: { domain_hour_top: "hour, requests DESC, domain" } },
  {
    table: "message_rollup",
    column: "hour",
    span: "month",
    primaryKey: ["hour", "customer_id", "type"],
    indexes: { message_rollup_customer_hour: "customer_id, hour" },
  },
];

const JOB_LEDGERS = ["counter_job_ledger", "flow_job_ledger"] as const;

function periodStart(at: Date, span: Span): Date {
  return span === "day"
    ? new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()))
    : new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

function nextPeriod(start: Date, span: Span): Date {
  return span === "day"
    ? new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + 1))
    : new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

function partitionName(table: string, start: Date, span: Span): string {
  const digits = start.toISOString().slice(0, span === "day" ? 10 : 7).replaceAll("-", "");
  return `${table}_p${digits}`;
}

async function isEmpty(db: Kysely<unknown>, table: string): Promise<boolean> {
  const { rows } = await sql<{ any: boolean }>`SELECT EXISTS (SELECT 1 FROM ${sql.table(table)}) AS any`.execute(db);
  return !rows[0]!.any;
}

/** The new parent with its keys, its DEFAULT partition, and partitions for the current and next period. */
async function createPartitioned(db: Kysely<unknown>, table: string, column: string, span: Span, cutOver: Date, likeTable: string) {
  await sql`CREATE TABLE ${sql.table(table)} (LIKE ${sql.table(likeTable)} INCLUDING DEFAULTS) PARTITION BY RANGE (${sql.ref(column)})`.execute(db);
  await sql`CREATE TABLE ${sql.table(`${table}_default`)} PARTITION OF ${sql.table(table)} DEFAULT`.execute(db);
  for (let start = cutOver, n = 0; n < 2; start = nextPeriod(start, span), n++) {
    const end = nextPeriod(start, span);
    await sql`CREATE TABLE ${sql.table(partitionName(table, start, span))} PARTITION OF ${sql.table(table)}
      FOR VALUES FROM (${sql.lit(start.toISOString())}) TO (${sql.lit(end.toISOString())})`.execute(db);
  }
}

/** Attaches the old table as the partition before the cut-over, or drops it if it holds nothing. */
async function adoptLegacy(db: Kysely<unknown>, table: string, legacy: string, cutOver: Date) {
  if (await isEmpty(db, legacy)) {
    await sql`DROP TABLE ${sql.table(legacy)}`.execute(db);
    return;
  }
  await sql`ALTER TABLE ${sql.table(table)} ATTACH PARTITION ${sql.table(legacy)}
    FOR VALUES FROM (MINVALUE) TO (${sql.lit(cutOver.toISOString())})`.execute(db);
}

async function partitionRollup(db: Kysely<unknown>, { table, column, span, primaryKey, indexes }: Rollup, now: Date) {
  const legacy = `${table}_legacy`;
  const cutOver = periodStart(now, span);
  await sql`ALTER TABLE ${sql.table(table)} RENAME TO ${sql.table(legacy)}`.execute(db);
  // Index names are per schema: the legacy table's go out of the way, and ATTACH adopts them as the
  // partition's own indexes because their definitions match the parent's.
  await sql`ALTER INDEX ${sql.table(`${table}_pkey`)} RENAME TO ${sql.table(`${legacy}_pkey`)}`.execute(db);
  for (const name of Object.keys(indexes)) {
    await sql`ALTER INDEX ${sql.table(name)} RENAME TO ${sql.table(name.replace(table, legacy))}`.execute(db);
  }
  await createPartitioned(db, table, column, span, cutOver, legacy);
  await sql`ALTER TABLE ${sql.table(table)} ADD CONSTRAINT ${sql.id(`${table}_pkey`)} PRIMARY KEY (${sql.join(primaryKey.map((c) => sql.ref(c)))})`.execute(db);
  for (const [name, columns] of Object.entries(indexes)) {
    await sql`CREATE INDEX ${sql.id(name)} ON ${sql.table(table)} (${sql.raw(columns)})`.execute(db);
  }
  // Rows from the cut-over on (the current period, or dated ahead) move to the new partitions.
  await sql`INSERT INTO ${sql.table(table)} SELECT * FROM ${sql.table(legacy)} WHERE ${sql.ref(column)} >= ${cutOver}`.execute(db);
  await sql`DELETE FROM ${sql.table(legacy)} WHERE ${sql.ref(column)} >= ${cutOver}`.execute(db);
  await adoptLegacy(db, table, legacy, cutOver);
}

async function partitionJobLedger(db: Kysely<unknown>, table: string, now: Date) {
  const legacy = `${table}_legacy`;
  const cutOver = periodStart(now, "day");
  // A constant default: no table rewrite. Dropped at once, so new rows must say when they were queued.
  await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN queued_at timestamptz NOT NULL DEFAULT '-infinity'`.execute(db);
  await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN queued_at DROP DEFAULT`.execute(db);
  await sql`ALTER TABLE ${sql.table(table)} RENAME TO ${sql.table(legacy)}`.execute(db);
  // A partition cannot keep a primary key of its own, so job_id's uniqueness moves to a plain unique index.
  await sql`CREATE UNIQUE INDEX ${sql.id(`${legacy}_job_id`)} ON ${sql.table(legacy)} (job_id)`.execute(db);
  await sql`ALTER TABLE ${sql.table(legacy)} DROP CONSTRAINT ${sql.id(`${table}_pkey`)}`.execute(db);
  await sql`ALTER INDEX ${sql.table(`${table}_folded_at`)} RENAME TO ${sql.table(`${legacy}_folded_at`)}`.execute(db);
  await createPartitioned(db, table, "queued_at", "day", cutOver, legacy);
  await sql`ALTER TABLE ${sql.table(table)} ADD CONSTRAINT ${sql.id(`${table}_pkey`)} PRIMARY KEY (job_id, queued_at)`.execute(db);
  await adoptLegacy(db, table, legacy, cutOver);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(db);
  const now = rows[0]!.now;
  for (const rollup of ROLLUPS) await partitionRollup(db, rollup, now);
  for (const ledger of JOB_LEDGERS) await partitionJobLedger(db, ledger, now);
}

/** Back to one plain table each, every row kept (job ledgers lose queued_at). */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const { table, primaryKey, indexes } of ROLLUPS) {
    await sql`CREATE TABLE ${sql.table(`${table}_plain`)} (LIKE ${sql.table(table)} INCLUDING DEFAULTS)`.execute(db);
    await sql`INSERT INTO ${sql.table(`${table}_plain`)} SELECT * FROM ${sql.table(table)}`.execute(db);
    await sql`DROP TABLE ${sql.table(table)}`.execute(db);
    await sql`ALTER TABLE ${sql.table(`${table}_plain`)} RENAME TO ${sql.table(table)}`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} ADD CONSTRAINT ${sql.id(`${table}_pkey`)} PRIMARY KEY (${sql.join(primaryKey.map((c) => sql.ref(c)))})`.execute(db);
    for (const [name, columns] of Object.entries(indexes)) {
      await sql`CREATE INDEX ${sql.id(name)} ON ${sql.table(table)} (${sql.raw(columns)})`.execute(db);
    }
  }
  for (const table of JOB_LEDGERS) {
    await sql`CREATE TABLE ${sql.table(`${table}_plain`)} (job_id text PRIMARY KEY, folded_at timestamptz NOT NULL DEFAULT now())`.execute(db);
    await sql`INSERT INTO ${sql.table(`${table}_plain`)} SELECT job_id, max(folded_at) FROM ${sql.table(table)} GROUP BY job_id`.execute(db);
    await sql`DROP TABLE ${sql.table(table)}`.execute(db);
    await sql`ALTER TABLE ${sql.table(`${table}_plain`)} RENAME TO ${sql.table(table)}`.execute(db);
    await sql`ALTER INDEX ${sql.table(`${table}_plain_pkey`)} RENAME TO ${sql.table(`${table}_pkey`)}`.execute(db);
    await sql`CREATE INDEX ${sql.id(`${table}_folded_at`)} ON ${sql.table(table)} (folded_at)`.execute(db);
  }
}
