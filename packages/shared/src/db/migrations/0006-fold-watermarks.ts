import { sql, type Kysely } from "kysely";

// Workers record, per queue, the time up to which every accepted event has been folded in, so the
// query API (which reads only Postgres) can say how fresh its answers are.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("fold_watermarks")
    .addColumn("queue", "text", (c) => c.primaryKey())
    .addColumn("as_of", "timestamptz", (c) => c.notNull())
    .addColumn("computed_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("fold_watermarks").execute();
}
