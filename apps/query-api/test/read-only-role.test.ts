import { randomUUID } from "node:crypto";
import { createDb, ensureReadOnlyRole, migrateToLatest, readOnlyRoleOf, type Database } from "@tally/shared/db";
import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// What compose's migrate service does for the query API's login (QUERY_DATABASE_URL's user), applied
// here to a database of our own, in the order an existing volume sees it: tables first, role after.
const SERVER = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const suffix = randomUUID().replaceAll("-", "").slice(0, 12);
const database = `tally_test_role_${suffix}`;
const role = `tally_reader_${suffix}`;
const urlAs = (user: string) => Object.assign(new URL(SERVER), { pathname: `/${database}`, username: user, password: "" }).toString();

async function run(url: string, statements: string) {
  const db = createDb(url, { max: 1 });
  try {
    await sql.raw(statements).execute(db);
  } finally {
    await db.destroy();
  }
}

let owner: Kysely<Database>;
let reader: Kysely<Database>;
const outcomes: string[] = [];

beforeAll(async () => {
  await run(SERVER, `CREATE DATABASE ${database}`);
  // In compose the owner is role tally; here it is postgres, the test server's owner.
  owner = createDb(urlAs("postgres"));
  await migrateToLatest(owner);
  await owner.insertInto("domain_hour").values({ hour: new Date(0), domain: "A", requests: 1 }).execute();
  outcomes.push(await ensureReadOnlyRole(owner, { name: role }));
  outcomes.push(await ensureReadOnlyRole(owner, { name: role }));
  // A table the owner makes afterwards, as the worker makes partitions ahead.
  await sql`CREATE TABLE later_partition (x int)`.execute(owner);
  reader = createDb(urlAs(role));
});

afterAll(async () => {
  await reader?.destroy();
  await owner?.destroy();
  await run(SERVER, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await run(SERVER, `DROP ROLE IF EXISTS ${role}`);
});

describe("the read-only role compose gives the query API", () => {
  it("is created once, and running the step again on the same database changes nothing", () => {
    expect(outcomes).toEqual(["created", "existed"]);
  });

  it("reads the tables that existed before it, and those the owner creates later", async () => {
    expect(await reader.selectFrom("domain_hour").select(["domain", "requests"]).execute()).toEqual([{ domain: "A", requests: "1" }]);
    await expect(sql`SELECT count(*) FROM products`.execute(reader)).resolves.toBeDefined();
    await expect(sql`SELECT count(*) FROM later_partition`.execute(reader)).resolves.toBeDefined();
  });

  it.each([
    ["insert", sql`INSERT INTO domain_hour VALUES (now(), 'B', 1)`],
    ["update", sql`UPDATE domain_hour SET requests = 2`],
    ["delete", sql`DELETE FROM message_ledger`],
    ["create", sql`CREATE TABLE sneaky (x int)`],
  ])("cannot %s", async (_, statement) => {
    await expect(statement.execute(reader)).rejects.toMatchObject({ code: "42501" });
  });
});

describe("which role QUERY_DATABASE_URL names", () => {
  it("is none when it logs in as the owner, so the query API reads as the owner", () => {
    expect(readOnlyRoleOf("postgres://tally:a@db/tally", "postgres://tally:a@replica/tally")).toBeUndefined();
  });

  it("is its own user, with its password decoded", () => {
    expect(readOnlyRoleOf("postgres://tally:a@db/tally", "postgres://tally_reader:p%40ss@db/tally")).toEqual({ name: "tally_reader", password: "p@ss" });
    expect(readOnlyRoleOf("postgres://tally@db/tally", "postgres://reader@db/tally")).toEqual({ name: "reader" });
  });
});
