import type { Database } from "@tally/shared/db";
import { sql, type Kysely } from "kysely";
import type { FlowKey } from "./cursor.js";

export interface FlowRollupRow {
  hour: string;
  src_app: string;
  dest_app: string;
  vpc_id: string;
  bytes_tx: string;
  bytes_rx: string;
}

/**
 * Up to `limit` keys of an hour in (src_app, dest_app, vpc_id) order, either after `offset` keys
 * (pages) or after a given key (cursor: walks the primary key, as fast at depth one million as at one).
 */
export async function flowRows(db: Kysely<Database>, hour: number, from: { offset: number } | { after: FlowKey }, limit: number): Promise<FlowRollupRow[]> {
  let query = db.selectFrom("flow_rollup").selectAll().where("hour", "=", String(hour));
  if ("after" in from) {
    const { srcApp, destApp, vpcId } = from.after;
    query = query.where(sql<boolean>`(src_app, dest_app, vpc_id) > (${srcApp}, ${destApp}, ${vpcId})`);
  }
  query = query.orderBy("src_app").orderBy("dest_app").orderBy("vpc_id").limit(limit);
  if ("offset" in from) query = query.offset(from.offset);
  return query.execute();
}

/** How many keys the hour has: one row kept by the worker, not a count over the rollup. */
export async function flowKeyCount(db: Kysely<Database>, hour: number): Promise<number> {
  const row = await db.selectFrom("flow_hour_keys").select("keys").where("hour", "=", String(hour)).executeTakeFirst();
  return Number(row?.keys ?? 0);
}
