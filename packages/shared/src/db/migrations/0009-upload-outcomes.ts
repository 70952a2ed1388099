import { sql, type Kysely } from "kysely";

/**
 * An upload ends applied or failed, never retried for ever. `failed_at` and `failure` record an
 * upload a worker could not apply (its reason, for the status route); `body_digest` lets the worker
 * release the body's dedup window then, so the client can send it again. The sweep's index leaves
 * failed uploads out, so a pile of them can never keep it from the ones it can apply.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("product_uploads")
    .addColumn("body_digest", "text")
    .addColumn("failed_at", "timestamptz")
    .addColumn("failure", "text")
    .execute();
  await sql`DROP INDEX product_uploads_unapplied`.execute(db);
  await sql`CREATE INDEX product_uploads_unapplied ON product_uploads (accepted_seq) WHERE applied_at IS NULL AND failed_at IS NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX product_uploads_unapplied`.execute(db);
  await sql`CREATE INDEX product_uploads_unapplied ON product_uploads (accepted_seq) WHERE applied_at IS NULL`.execute(db);
  await db.schema.alterTable("product_uploads").dropColumn("body_digest").dropColumn("failed_at").dropColumn("failure").execute();
}
