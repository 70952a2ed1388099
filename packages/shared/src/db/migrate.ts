import { Migrator, type Kysely, type MigrationResultSet } from "kysely";
import pg from "pg";
import { migrations } from "./migrations/index.js";

/** Applies every pending migration. kysely's Migrator takes a lock, so concurrent callers are safe. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the schema exists
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  return migrateTo(db, undefined);
}

/**
 * Migrates up or down to the named migration (the latest if undefined): how tests build a database
 * as an older release left it, to prove the next migration takes its data along.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the schema exists
export async function migrateTo(db: Kysely<any>, target: string | undefined): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = target === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(target);
  if (result.error) throw result.error;
  return result;
}

/** Creates the database named in the URL if it does not exist yet (connecting to `postgres` to do it). */
export async function ensureDatabase(connectionString: string): Promise<boolean> {
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) throw new Error("DATABASE_URL names no database");
  url.pathname = "/postgres";
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
    return true;
  } catch (error) {
    // Another migrator created it between our check and our CREATE.
    if ((error as { code?: string }).code === "42P04") return false;
    throw error;
  } finally {
    await client.end();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
