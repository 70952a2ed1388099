import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // Counters carry no id of their own: a job counts once because its (random) id is recorded here
  // in the same statement that adds its counts.
  await db.schema
    .createTable("counter_job_ledger")
    .addColumn("job_id", "text", (c) => c.primaryKey())
    .addColumn("folded_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("counter_job_ledger_folded_at").on("counter_job_ledger").column("folded_at").execute();

  for (const [table, bucket] of [
    ["domain_minute", "minute"],
    ["domain_hour", "hour"],
  ] as const) {
    await db.schema
      .createTable(table)
      .addColumn(bucket, "timestamptz", (c) => c.notNull())
      .addColumn("domain", sql`text collate "C"`, (c) => c.notNull())
      .addColumn("requests", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pkey`, [bucket, "domain"])
      .execute();
    // The top N of one window is the first N entries of this index: no sort over every domain.
    await sql`CREATE INDEX ${sql.id(`${table}_top`)} ON ${sql.table(table)} (${sql.ref(bucket)}, requests DESC, domain)`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("domain_hour").execute();
  await db.schema.dropTable("domain_minute").execute();
  await db.schema.dropTable("counter_job_ledger").execute();
}
