import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "./types.js";

export interface DbOptions {
  /** Every transaction read-only: the query API's guard against writing by mistake. */
  readOnly?: boolean;
  /** Pool size. */
  max?: number;
  /** Postgres cancels any statement running longer (57014, answered 503); none: no limit. */
  statementTimeoutMs?: number;
}

/** A kysely handle over a pg pool whose sessions run in UTC, so hour boundaries are UTC hours. */
export function createDb(connectionString: string, options: DbOptions = {}): Kysely<Database> {
  const settings = ["-c TimeZone=UTC"];
  if (options.readOnly) settings.push("-c default_transaction_read_only=on");
  if (options.statementTimeoutMs !== undefined) settings.push(`-c statement_timeout=${options.statementTimeoutMs}`);
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    options: settings.join(" "),
    connectionTimeoutMillis: 5000,
  });
  // A client losing its server (Postgres restarting) emits 'error': on the pool while idle, on the
  // client itself while checked out. Unheard, either would crash the process. The query in flight
  // fails (and is retried or answered 503), the pool drops the client, the next query reconnects.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
