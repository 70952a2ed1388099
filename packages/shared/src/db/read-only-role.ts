import { sql, type Kysely, type RawBuilder } from "kysely";

/** A login role the query API connects as. */
export interface ReadOnlyRole {
  name: string;
  /** Set when the role is created; an existing role keeps the password it has. */
  password?: string;
}

/**
 * The role `queryUrl` logs in as, when it is another user than `ownerUrl`'s: the one migrations must
 * make read-only. Undefined when both name the same user (the query API then reads as the owner).
 */
export function readOnlyRoleOf(ownerUrl: string, queryUrl: string): ReadOnlyRole | undefined {
  const owner = new URL(ownerUrl);
  const query = new URL(queryUrl);
  const name = decodeURIComponent(query.username);
  if (name === "" || name === decodeURIComponent(owner.username)) return undefined;
  return query.password === "" ? { name } : { name, password: decodeURIComponent(query.password) };
}

/**
 * Makes `role` a login that can read every table of the public schema and write none: the tables that
 * exist now, and those the connected (owning) role creates later, such as the worker's new partitions.
 * Idempotent, so it serves a new database and one created before this step existed alike: the role is
 * created only if missing, and the grants are given again. Concurrent callers wait on an advisory lock.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- runs beside migrations, on any schema
export async function ensureReadOnlyRole(db: Kysely<any>, role: ReadOnlyRole): Promise<"created" | "existed"> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('tally: ensureReadOnlyRole'))`.execute(trx);
    const { rows } = await sql`SELECT 1 FROM pg_roles WHERE rolname = ${role.name}`.execute(trx);
    const name = sql`${role.name}::text`;
    if (rows.length === 0) {
      await executeFormatted(
        trx,
        role.password === undefined
          ? sql`format('CREATE ROLE %I LOGIN', ${name})`
          : sql`format('CREATE ROLE %I LOGIN PASSWORD %L', ${name}, ${role.password}::text)`,
      );
    }
    await executeFormatted(trx, sql`format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), ${name})`);
    await executeFormatted(trx, sql`format('GRANT USAGE ON SCHEMA public TO %I', ${name})`);
    await executeFormatted(trx, sql`format('GRANT SELECT ON ALL TABLES IN SCHEMA public TO %I', ${name})`);
    await executeFormatted(trx, sql`format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO %I', ${name})`);
    return rows.length === 0 ? "created" : "existed";
  });
}

/** Runs the statement Postgres's format() builds: names and literals quoted by the server, not by us. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see ensureReadOnlyRole
async function executeFormatted(db: Kysely<any>, statement: RawBuilder<unknown>): Promise<void> {
  const { rows } = await sql<{ statement: string }>`SELECT ${statement} AS statement`.execute(db);
  await sql.raw(rows[0]!.statement).execute(db);
}
