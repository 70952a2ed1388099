import type { Database } from "@tally/shared/db";
import { sql, type Insertable, type Kysely } from "kysely";

/**
 * Rows straight into the messages rollup, for tests of what reads it, with their hours' pairs in
 * message_hour_keys as the worker's fold records them (the query API counts an hour's pairs there).
 */
export async function insertMessageRollup(db: Kysely<Database>, rows: readonly Insertable<Database["message_rollup"]>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) await db.insertInto("message_rollup").values(rows.slice(i, i + 2000)).execute();
  await sql`INSERT INTO message_hour_keys (hour, customer_id, type)
    SELECT DISTINCT date_bin('1 hour', quarter, timestamptz '2000-01-01 00:00Z'), customer_id, type FROM message_rollup
    ON CONFLICT DO NOTHING`.execute(db);
}
