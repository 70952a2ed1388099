import type { Database } from "@tally/shared/db";
import { sql, type Kysely } from "kysely";
import { COUNTER_SPREAD_SECONDS, MESSAGE_CUSTOMERS, type BodyShape } from "./bodies.js";

/**
 * What the rollups hold so far of one phase's events, read straight from Postgres: every event adds
 * 1 to the column summed here (bodies.ts), and each phase has its own customers, minutes or hour,
 * each read through a primary key or index range.
 */
export async function rollupSum(db: Kysely<Database>, shape: BodyShape): Promise<number> {
  const { rows } = await sumQuery(shape).execute(db);
  return Number(rows[0]?.sum ?? 0);
}

function sumQuery({ kind, base }: BodyShape) {
  switch (kind) {
    case "message":
    case "message-keyed":
    case "messages-array":
    case "messages-ndjson":
      return sql<{ sum: string }>`
        SELECT coalesce(sum(count), 0) AS sum FROM message_rollup
        WHERE customer_id >= ${base} AND customer_id < ${base + MESSAGE_CUSTOMERS}`;
    case "counters":
      return sql<{ sum: string }>`
        SELECT coalesce(sum(requests), 0) AS sum FROM domain_minute
        WHERE minute >= to_timestamp(${base}) AND minute < to_timestamp(${base + COUNTER_SPREAD_SECONDS})`;
    case "flows":
      return sql<{ sum: string }>`SELECT coalesce(sum(bytes_tx), 0) AS sum FROM flow_rollup WHERE hour = ${base}`;
    // Products visible: ids of the phase's prefix, a range of the primary key (the prefix ends in "-", and "." follows it).
    case "products":
      return sql<{ sum: string }>`SELECT count(*) AS sum FROM products WHERE id >= ${`p${base}-`} AND id < ${`p${base}.`}`;
  }
}
