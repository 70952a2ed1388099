import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("message_ledger")
    .addColumn("uuid", "uuid", (c) => c.primaryKey())
    .addColumn("seen_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("message_rollup")
    .addColumn("hour", "timestamptz", (c) => c.notNull())
    .addColumn("customer_id", "bigint", (c) => c.notNull())
    .addColumn("type", sql`text collate "C"`, (c) => c.notNull())
    .addColumn("count", "bigint", (c) => c.notNull())
    .addColumn("total", sql`numeric(38, 3)`, (c) => c.notNull())
    .addPrimaryKeyConstraint("message_rollup_pkey", ["hour", "customer_id", "type"])
    .execute();

  // "C" collation: types sort by code point, the same on every server whatever its locale.
  // Serves ?customerId=…: one customer's hours without scanning everyone's.
  await db.schema.createIndex("message_rollup_customer_hour").on("message_rollup").columns(["customer_id", "hour"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("message_rollup").execute();
  await db.schema.dropTable("message_ledger").execute();
}
