import type { ColumnType, Generated } from "kysely";

/** bigint and numeric arrive from node-pg as strings: kept as strings, parsed where they are used. */
type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;
type Numeric = ColumnType<string, string, string>;

/** Every uuid ever counted (within retention): the exactly-once ledger for messages. */
export interface MessageLedgerTable {
  uuid: string;
  seen_at: Generated<Date>;
}

/** Count and exact total per hour, customer and type. */
export interface MessageRollupTable {
  hour: Date;
  customer_id: Int8;
  type: string;
  count: Int8;
  total: Numeric;
}

export interface Database {
  message_ledger: MessageLedgerTable;
  message_rollup: MessageRollupTable;
}
