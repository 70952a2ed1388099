import type { Kysely } from "kysely";

// The ledger is pruned by age; without this index every pruning pass would scan every uuid ever seen.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex("message_ledger_seen_at").on("message_ledger").column("seen_at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("message_ledger_seen_at").execute();
}
