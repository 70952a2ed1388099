import pg from "pg";
import type { DatasetSizes } from "./sizes.js";

/**
 * Fills the bench database with what the query phase reads, straight with SQL (generate_series):
 * through the APIs it would take longer than the whole bench may. Dates are fixed and far from
 * now, so nothing the ingest phases wrote is in the ranges queried.
 */
export const DATASET = {
  /** message_rollup: `hours` hours from here, every customer with 4 types each hour. */
  messagesFrom: Date.parse("2020-01-01T00:00:00Z"),
  /** domain_hour at this hour and domain_minute at its first minute. */
  domainsAt: Date.parse("2020-06-01T00:00:00Z"),
  flowHour: 424_242,
  productPrefix: "bench-",
} as const;

export interface DatasetLoad {
  seconds: number;
  rows: Record<string, number>;
}

const MESSAGE_TYPES = "ARRAY['A', 'B', 'C', 'D']";

export async function loadDataset(databaseUrl: string, sizes: DatasetSizes): Promise<DatasetLoad> {
  const started = performance.now();
  // Two sessions, one per core; settings that only speed up this load (it is not measured).
  const clients = [new pg.Client({ connectionString: databaseUrl }), new pg.Client({ connectionString: databaseUrl })] as const;
  await Promise.all(clients.map((c) => c.connect()));
  try {
    for (const c of clients) await c.query("SET synchronous_commit = off; SET maintenance_work_mem = '512MB'; SET TimeZone = 'UTC'");
    const [a, b] = clients;
    const half = Math.ceil(sizes.hours / 2);
    const messages = (client: pg.Client, firstHour: number, lastHour: number) =>
      client.query(
        `INSERT INTO message_rollup (quarter, customer_id, type, count, total)
         SELECT to_timestamp($1::bigint / 1000) + h * interval '1 hour', c, t, 1 + (c + h) % 7, ((c * 31 + h) % 100000) / 1000.0
         FROM generate_series($2::int, $3::int) h, generate_series(1, $4::int) c, unnest(${MESSAGE_TYPES}) t`,
        [DATASET.messagesFrom, firstHour, lastHour, sizes.customers],
      );
    const restoreMessageIndexes = await dropIndexes(a, "message_rollup");
    const restoreFlowIndexes = await dropIndexes(a, "flow_rollup");
    await Promise.all([
      messages(a, 0, half - 1),
      (async () => {
        if (half < sizes.hours) await messages(b, half, sizes.hours - 1);
        // Keys unique for any count: i / 10,000 sources × 100 destinations × 100 VPCs, zero-padded so
        // the key order is the numeric order.
        await b.query(
          `INSERT INTO flow_rollup (hour, src_app, dest_app, vpc_id, bytes_tx, bytes_rx)
           SELECT $1, 'app-' || lpad((i / 10000)::text, 4, '0'), 'dst-' || lpad((i / 100 % 100)::text, 2, '0'),
                  'vpc-' || lpad((i % 100)::text, 2, '0'), i % 100000 + 1, i % 50000 + 1
           FROM generate_series(0, $2::int - 1) i`,
          [DATASET.flowHour, sizes.flowKeys],
        );
        // The worker keeps this count as it inserts keys; the query API's `total` reads it.
        await b.query("INSERT INTO flow_hour_keys (hour, keys) VALUES ($1, $2)", [DATASET.flowHour, sizes.flowKeys]);
      })(),
    ]);
    await Promise.all([restoreMessageIndexes(a), restoreFlowIndexes(b)]);
    // A query phase over a table missing an index measures the wrong thing: refuse to go on.
    const { rows: invalid } = await a.query<{ name: string }>("SELECT indexrelid::regclass::text AS name FROM pg_index WHERE NOT indisvalid");
    if (invalid.length > 0) throw new Error(`indexes left invalid by the load: ${invalid.map((i) => i.name).join(", ")}`);
    for (const [table, bucket] of [
      ["domain_hour", "hour"],
      ["domain_minute", "minute"],
    ] as const) {
      await a.query(
        `INSERT INTO ${table} (${bucket}, domain, requests)
         SELECT to_timestamp($1::bigint / 1000), 'domain-' || i || '.example', (i::bigint * 7919) % 1000003
         FROM generate_series(1, $2::int) i`,
        [DATASET.domainsAt, sizes.domains],
      );
    }
    // The worker records each hour's pairs as it folds; the rows above are one per pair and hour.
    await b.query(
      `INSERT INTO message_hour_keys (hour, customer_id, type)
       SELECT to_timestamp($1::bigint / 1000) + h * interval '1 hour', c, t
       FROM generate_series(0, $2::int - 1) h, generate_series(1, $3::int) c, unnest(${MESSAGE_TYPES}) t`,
      [DATASET.messagesFrom, sizes.hours, sizes.customers],
    );
    await a.query(
      `INSERT INTO products (id, data, updated_at, upload_seq, position)
       SELECT $1 || i, jsonb_build_object('id', $1 || i, 'name', 'product ' || i, 'price', '19.99'), now(), 0, i
       FROM generate_series(1, $2::int) i`,
      [DATASET.productPrefix, sizes.products],
    );
    // As autovacuum would have by the time such a dataset exists: statistics, and a visibility map
    // so the planner can use index-only scans.
    await Promise.all([
      a.query("VACUUM (ANALYZE) message_rollup, message_hour_keys"),
      b.query("VACUUM (ANALYZE) flow_rollup, flow_hour_keys, domain_hour, domain_minute, products"),
    ]);
  } finally {
    await Promise.allSettled(clients.map((c) => c.end()));
  }
  const rows = {
    message_rollup: sizes.customers * sizes.hours * 4,
    domain_hour: sizes.domains,
    domain_minute: sizes.domains,
    flow_rollup: sizes.flowKeys,
    products: sizes.products,
  };
  return { seconds: (performance.now() - started) / 1000, rows };
}

/**
 * Drops a table's primary key, unique constraints and indexes, and returns what rebuilds them exactly
 * as they were (definitions read from the catalog, so a later migration's index comes back too):
 * building an index once over 10M rows is several times faster than growing it row by row.
 */
export async function dropIndexes(client: pg.Client, table: string): Promise<(client: pg.Client) => Promise<void>> {
  const { rows: constraints } = await client.query<{ name: string; def: string }>(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('p', 'u')`,
    [table],
  );
  const { rows: indexes } = await client.query<{ name: string; def: string }>(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`,
    [table],
  );
  for (const c of constraints) await client.query(`ALTER TABLE ${table} DROP CONSTRAINT ${c.name}`);
  for (const i of indexes) await client.query(`DROP INDEX ${i.name}`);
  return async (rebuilder) => {
    for (const c of constraints) await rebuilder.query(`ALTER TABLE ${table} ADD CONSTRAINT ${c.name} ${c.def}`);
    // On a partitioned table the catalog's definition says `ON ONLY`, which would index the parent
    // alone (an invalid index, none on the partitions): rebuild it on every partition.
    for (const i of indexes) await rebuilder.query(i.def.replace(" ON ONLY ", " ON "));
  };
}
