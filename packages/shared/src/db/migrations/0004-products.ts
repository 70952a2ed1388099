import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // Numbers accepted uploads in the order they were accepted (taken just before the staging
  // transaction commits), so a later body wins even when workers apply uploads out of order.
  await sql`CREATE SEQUENCE product_acceptance_seq`.execute(db);

  // One row per upload. The ingest API writes it and its staged products in one transaction that
  // commits only once the body is accepted: a refused, invalid or abandoned body leaves nothing.
  await db.schema
    .createTable("product_uploads")
    .addColumn("upload_id", "uuid", (c) => c.primaryKey())
    .addColumn("received_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("accepted_seq", "bigint", (c) => c.unique())
    .addColumn("accepted_at", "timestamptz")
    .addColumn("products", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("applied_at", "timestamptz")
    .execute();
  // The sweep's question: which accepted uploads are not applied yet?
  await sql`CREATE INDEX product_uploads_unapplied ON product_uploads (accepted_seq) WHERE applied_at IS NULL`.execute(db);

  // Products are staged in chunks, each a JSON array text of consecutive products as posted, the
  // first of them at `first_position` in the body: one row per ~2 MB instead of one per product made
  // staging 1.6× faster (measured: 25 → 40 MB/s), and Postgres splits the array when applying it.
  await db.schema
    .createTable("product_staging")
    .addColumn("upload_id", "uuid", (c) => c.notNull().references("product_uploads.upload_id").onDelete("cascade"))
    .addColumn("first_position", "bigint", (c) => c.notNull())
    .addColumn("documents", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("product_staging_pkey", ["upload_id", "first_position"])
    .execute();

  // (upload_seq, position) is the version of a document: applying uploads or their chunks in any
  // order, any number of times, ends with the one accepted last (and, within it, the last element).
  await db.schema
    .createTable("products")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("data", "jsonb", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addColumn("upload_seq", "bigint", (c) => c.notNull())
    .addColumn("position", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("products").execute();
  await db.schema.dropTable("product_staging").execute();
  await db.schema.dropTable("product_uploads").execute();
  await sql`DROP SEQUENCE product_acceptance_seq`.execute(db);
}
