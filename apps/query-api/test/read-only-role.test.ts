import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createDb, migrateToLatest, type Database } from "@tally/shared/db";
import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The script compose runs when its Postgres volume is created, applied here to a database of our own.
const INIT_SQL = readFileSync(new URL("../../../docker/postgres-init.sql", import.meta.url), "utf8");
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

let reader: Kysely<Database>;

beforeAll(async () => {
  await run(SERVER, `CREATE DATABASE ${database}`);
  // In compose the migrations run as role tally; here they run as postgres, the test server's owner.
  const init = INIT_SQL.replaceAll("tally_reader", role).replace("DATABASE tally", `DATABASE ${database}`).replace("FOR ROLE tally", "FOR ROLE postgres");
  await run(urlAs("postgres"), init);
  const owner = createDb(urlAs("postgres"));
  await migrateToLatest(owner);
  await owner.insertInto("domain_hour").values({ hour: new Date(0), domain: "A", requests: 1 }).execute();
  await owner.destroy();
  reader = createDb(urlAs(role));
});

afterAll(async () => {
  await reader.destroy();
  await run(SERVER, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await run(SERVER, `DROP ROLE IF EXISTS ${role}`);
});

describe("the read-only role compose gives the query API", () => {
  it("reads every table the migrations created", async () => {
    expect(await reader.selectFrom("domain_hour").select(["domain", "requests"]).execute()).toEqual([{ domain: "A", requests: "1" }]);
    await expect(sql`SELECT count(*) FROM products`.execute(reader)).resolves.toBeDefined();
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
