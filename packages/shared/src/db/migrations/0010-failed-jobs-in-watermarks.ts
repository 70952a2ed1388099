import type { Kysely } from "kysely";

/**
 * A job in a queue's failed set holds accepted events that are not counted. Workers record, beside
 * each queue's watermark, how many such jobs there are and the span of event times they carry
 * (`failed_from` … `failed_to`, in the queue's own unit: epoch ms, or the flow `hour`), so an answer
 * about a window they touch says it is not complete.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("fold_watermarks")
    .addColumn("failed_jobs", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failed_from", "bigint")
    .addColumn("failed_to", "bigint")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("fold_watermarks").dropColumn("failed_jobs").dropColumn("failed_from").dropColumn("failed_to").execute();
}
