import type { ColumnType, Generated } from "kysely";

/** bigint and numeric arrive from node-pg as strings: kept as strings, parsed where they are used. */
type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;
type Numeric = ColumnType<string, string, string>;
/** An exact integer of any size (numeric): a sum that no number of additions can overflow. */
type ExactSum = ColumnType<string, string | number | bigint, string | number | bigint>;

/** Every uuid ever counted (within retention): the exactly-once ledger for messages. */
export interface MessageLedgerTable {
  uuid: string;
  seen_at: Generated<Date>;
}

/**
 * Count and exact total per quarter hour (UTC-aligned, the time its messages were accepted, floored),
 * customer and type. Rows folded before migration 0011 sit at their hour's start with the whole hour.
 */
export interface MessageRollupTable {
  quarter: Date;
  customer_id: Int8;
  type: string;
  count: Int8;
  total: Numeric;
}

/** The (customer, type) pairs with messages in each UTC hour: an hour's pairs counted without grouping its quarters. */
export interface MessageHourKeysTable {
  hour: Date;
  customer_id: Int8;
  type: string;
}

/** Every counters job folded (within retention): the exactly-once ledger for counters. */
export interface CounterJobLedgerTable {
  job_id: string;
  /** When BullMQ queued the job: the same on every delivery, and the partition key. */
  queued_at: Date;
  folded_at: Generated<Date>;
}

/** Requests per domain per UTC minute. */
export interface DomainMinuteTable {
  minute: Date;
  domain: string;
  requests: ExactSum;
}

/** Requests per domain per UTC hour. */
export interface DomainHourTable {
  hour: Date;
  domain: string;
  requests: ExactSum;
}

/** Every flows job folded (within retention): the exactly-once ledger for flows. */
export interface FlowJobLedgerTable {
  job_id: string;
  /** When BullMQ queued the job: the same on every delivery, and the partition key. */
  queued_at: Date;
  folded_at: Generated<Date>;
}

/** Bytes each way per hour and (src_app, dest_app, vpc_id). */
export interface FlowRollupTable {
  hour: Int8;
  src_app: string;
  dest_app: string;
  vpc_id: string;
  bytes_tx: ExactSum;
  bytes_rx: ExactSum;
}

/** How many flow keys an hour has. */
export interface FlowHourKeysTable {
  hour: Int8;
  keys: Int8;
}

/** One products upload: staged by ingest, numbered at acceptance, marked when a worker has applied it. */
export interface ProductUploadsTable {
  upload_id: string;
  received_at: Generated<Date>;
  accepted_seq: Int8 | null;
  accepted_at: Date | null;
  products: ColumnType<string, string | number | undefined, string | number>;
  applied_at: Date | null;
  /** SHA-256 of the body, so a worker can release its dedup window if the upload fails. */
  body_digest: string | null;
  failed_at: Date | null;
  /** Why a worker could not apply it. */
  failure: string | null;
}

/**
 * The products of an upload until a worker has applied them, in chunks: `documents` is a JSON array
 * text of consecutive products as posted, the first at `first_position` in the body.
 */
export interface ProductStagingTable {
  upload_id: string;
  first_position: Int8;
  /** Written as the posted bytes (a Buffer: sent to Postgres as they are, never a string in ingest's heap). */
  documents: ColumnType<string, Buffer | string, never>;
}

/** The current document of each product; (upload_seq, position) is its version. */
export interface ProductsTable {
  id: string;
  data: ColumnType<unknown, string, string>;
  updated_at: Date;
  upload_seq: Int8;
  position: Int8;
}

/** Per queue: every event accepted before `as_of` has been folded in (as computed at `computed_at`). */
export interface FoldWatermarksTable {
  queue: string;
  as_of: Date;
  computed_at: Date;
  /** Jobs in the queue's failed set, and the span of event times they carry (epoch ms, or the flow hour). */
  failed_jobs: ColumnType<number, number | undefined, number>;
  failed_from: Int8 | null;
  failed_to: Int8 | null;
}

export interface Database {
  message_ledger: MessageLedgerTable;
  message_rollup: MessageRollupTable;
  message_hour_keys: MessageHourKeysTable;
  counter_job_ledger: CounterJobLedgerTable;
  domain_minute: DomainMinuteTable;
  domain_hour: DomainHourTable;
  flow_job_ledger: FlowJobLedgerTable;
  flow_rollup: FlowRollupTable;
  flow_hour_keys: FlowHourKeysTable;
  product_uploads: ProductUploadsTable;
  product_staging: ProductStagingTable;
  products: ProductsTable;
  fold_watermarks: FoldWatermarksTable;
}
