import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("flow_job_ledger")
    .addColumn("job_id", "text", (c) => c.primaryKey())
    .addColumn("folded_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("flow_job_ledger_folded_at").on("flow_job_ledger").column("folded_at").execute();

  // The primary key is also the read order: pages and cursors walk it without sorting.
  await db.schema
    .createTable("flow_rollup")
    .addColumn("hour", "bigint", (c) => c.notNull())
    .addColumn("src_app", sql`text collate "C"`, (c) => c.notNull())
    .addColumn("dest_app", sql`text collate "C"`, (c) => c.notNull())
    .addColumn("vpc_id", sql`text collate "C"`, (c) => c.notNull())
    .addColumn("bytes_tx", "bigint", (c) => c.notNull())
    .addColumn("bytes_rx", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("flow_rollup_pkey", ["hour", "src_app", "dest_app", "vpc_id"])
    .execute();

  // How many keys each hour has, kept by the worker as it inserts them, so an answer's `total`
  // is one row read instead of a count over up to millions of keys.
  await db.schema
    .createTable("flow_hour_keys")
    .addColumn("hour", "bigint", (c) => c.primaryKey())
    .addColumn("keys", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("flow_hour_keys").execute();
  await db.schema.dropTable("flow_rollup").execute();
  await db.schema.dropTable("flow_job_ledger").execute();
}
