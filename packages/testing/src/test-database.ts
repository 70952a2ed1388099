import { randomUUID } from "node:crypto";
import { createDb, migrateTo, type Database } from "@tally/shared/db";
import { sql, type Kysely } from "kysely";
import pg from "pg";
import { SERVER_URL } from "./test-servers.js";

export interface TestDatabase {
  url: string;
  db: Kysely<Database>;
  /** Closes the handle and drops the database, even with connections still open elsewhere. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of its own for one test file, so files run in parallel. `upTo` stops at
 * that migration: a database as an older release left it.
 */
export async function createTestDatabase(serverUrl = SERVER_URL, { upTo }: { upTo?: string } = {}): Promise<TestDatabase> {
  const name = `tally_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  const url = withDatabase(serverUrl, name);
  const db = createDb(url, { max: 4 });
  await migrateTo(db, upTo);
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      await admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Runs SQL (several statements allowed) on a database by URL, on a connection of its own. */
export async function runSql(url: string, statements: string): Promise<void> {
  const db = createDb(url, { max: 1 });
  try {
    await sql.raw(statements).execute(db);
  } finally {
    await db.destroy();
  }
}
