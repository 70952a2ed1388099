import { sql, type Kysely } from "kysely";

/**
 * The (customer, type) pairs with messages in each UTC hour, kept by the worker in the statement that
 * folds them (apps/aggregator-worker messages.repository.ts). Since 0011 an hour is four quarters of
 * rollup rows, so "how many pairs does this hour have" (the `total` of an hour of every customer, the
 * dashboard's question) grouped every one of those rows by pair: ~10 ms for 40,000 pairs, where the
 * hourly rollup counted rows (~3 ms). This table makes it a count of rows again, index-only.
 *
 * Not partitioned: like the rollup it is kept for ever, and it holds at most a quarter of its rows.
 * The backfill reads the whole rollup once (one DISTINCT over it); hours are UTC hours whatever the
 * session's TimeZone (date_bin on timestamptz works on absolute time).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE message_hour_keys (
    hour timestamptz NOT NULL,
    customer_id bigint NOT NULL,
    type text COLLATE "C" NOT NULL,
    PRIMARY KEY (hour, customer_id, type)
  )`.execute(db);
  await sql`INSERT INTO message_hour_keys (hour, customer_id, type)
    SELECT DISTINCT date_bin('1 hour', quarter, timestamptz '2000-01-01 00:00Z'), customer_id, type FROM message_rollup`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE message_hour_keys`.execute(db);
}
