import type { Database } from "@tally/shared/db";
import { sql, type Kysely } from "kysely";

/**
 * One message, ready for the rollup, named as the statement reads it: uuid lower-cased, quarter the
 * quarter hour it was accepted in.
 */
export interface MessageRow {
  uuid: string;
  customer_id: number;
  type: string;
  amount: string;
  quarter: string;
}

/**
 * Records the rows' uuids in the ledger and adds only those never seen before to the quarter-hour rollup
 * (and each pair's hour to message_hour_keys),
 * in one statement (so one transaction): a replayed batch changes nothing, and two workers carrying
 * the same uuid serialize on the ledger's unique index. Keys are taken in sorted order so concurrent
 * workers lock rows in the same order and never deadlock. The rows travel as one JSON text, as counters'
 * and flows' do. `rows` must not repeat a uuid.
 * Returns how many rows were new.
 */
export async function countNewMessages(db: Kysely<Database>, rows: readonly MessageRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const { rows: result } = await sql<{ fresh: string }>`
    WITH ev AS (
      SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::json)
        AS ev(uuid uuid, customer_id bigint, type text, amount numeric, quarter timestamptz)
    ),
    fresh AS (
      INSERT INTO message_ledger (uuid)
      SELECT uuid FROM ev ORDER BY uuid
      ON CONFLICT DO NOTHING
      RETURNING uuid
    ),
    added AS (
      SELECT quarter, customer_id, type, count(*) AS count, sum(amount) AS total
      FROM ev JOIN fresh USING (uuid)
      GROUP BY quarter, customer_id, type
    ),
    rolled AS (
      INSERT INTO message_rollup AS r (quarter, customer_id, type, count, total)
      SELECT quarter, customer_id, type, count, total FROM added
      ORDER BY quarter, customer_id, type
      ON CONFLICT (quarter, customer_id, type) DO UPDATE
        SET count = r.count + excluded.count, total = r.total + excluded.total
      RETURNING quarter, customer_id, type, count
    ),
    keyed AS (
      -- A row whose count is what this batch added was created by it: its pair's first row in that
      -- quarter, maybe its first in the hour, recorded once. (A partitioned table cannot return xmax.)
      INSERT INTO message_hour_keys (hour, customer_id, type)
      SELECT DISTINCT date_bin('1 hour', quarter, timestamptz '2000-01-01 00:00Z'), customer_id, type
      FROM rolled JOIN added USING (quarter, customer_id, type)
      WHERE rolled.count = added.count
      ORDER BY 1, 2, 3
      ON CONFLICT DO NOTHING
    )
    SELECT count(*) AS fresh FROM fresh
  `.execute(db);
  return Number(result[0]?.fresh ?? 0);
}
