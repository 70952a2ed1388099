import { sql, type Kysely } from "kysely";

/**
 * Sums that cannot overflow. A counter's requests and a flow's bytes are each at most 2^53-1, but a
 * rollup cell adds up any number of them: 1,025 counters of 2^53-1 for one domain pass bigint's
 * 2^63-1, and the job that carried them would then fail for ever after its 202. numeric holds any sum
 * exactly (up to 131,072 digits), so what ingest accepts can always be added. Partitioned tables
 * change with their partitions; the rows are rewritten once.
 */
const COLUMNS = [
  ["domain_minute", "requests"],
  ["domain_hour", "requests"],
  ["flow_rollup", "bytes_tx"],
  ["flow_rollup", "bytes_rx"],
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [table, column] of COLUMNS) {
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN ${sql.ref(column)} TYPE numeric`.execute(db);
  }
}

/** Back to bigint; fails (and changes nothing) if a sum has grown past bigint meanwhile. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [table, column] of COLUMNS) {
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN ${sql.ref(column)} TYPE bigint`.execute(db);
  }
}
