import { migrateTo, migrateToLatest } from "@tally/shared/db";
import { createTestDatabase, type TestDatabase } from "@tally/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countNewMessages } from "../src/messages/messages.repository.js";

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const H14 = "2026-11-23T14:00:00.000Z";

let old: TestDatabase;

/** Every rollup row as text, whatever the time column is called. */
async function rollup(column: "hour" | "quarter") {
  const { rows } = await sql<{ at: Date; key: string; count: string; total: string }>`
    SELECT ${sql.ref(column)} AS at, customer_id || '/' || type AS key, count::text, total::text
    FROM message_rollup ORDER BY 1, 2`.execute(old.db);
  return rows.map((r) => `${r.at.toISOString()} ${r.key} ${r.count} ${r.total}`);
}

/** Every (hour, pair) the query API counts an hour's pairs by. */
async function hourKeys() {
  const { rows } = await sql<{ hour: Date; key: string }>`
    SELECT hour, customer_id || '/' || type AS key FROM message_hour_keys ORDER BY 1, 2`.execute(old.db);
  return rows.map((r) => `${r.hour.toISOString()} ${r.key}`);
}

beforeAll(async () => {
  old = await createTestDatabase(undefined, { upTo: "0010-failed-jobs-in-watermarks" });
  // What the previous release folded: whole hours, in the current month's partition and the legacy one.
  await sql`INSERT INTO message_rollup (hour, customer_id, type, count, total) VALUES
    (${new Date(H14)}, 1, 'A', 3, 1.500), (${new Date(H14)}, 2, 'B', 1, 0.001),
    (${new Date("2026-11-23T15:00:00Z")}, 1, 'A', 2, 2.000), (${new Date("2020-01-01T00:00:00Z")}, 7, '', 5, 5.000)`.execute(old.db);
});
afterAll(() => old.drop());

describe("migration 0011 (quarter hours) on a database holding hourly rows", () => {
  it("keeps every hourly row where it was, at its hour's start, which is on the quarter grid", async () => {
    const before = await rollup("hour");
    await migrateToLatest(old.db);
    expect(await rollup("quarter")).toEqual(before);
    // One customer's range is read from the index alone: it covers every column the query sums.
    const { rows } = await sql<{ name: string; def: string }>`
      SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = 'message_rollup' ORDER BY 1`.execute(old.db);
    expect(rows.map((r) => `${r.name}: ${r.def.replace(/.* USING btree /, "")}`)).toEqual([
      "message_rollup_customer_quarter: (customer_id, quarter) INCLUDE (type, count, total)",
      "message_rollup_pkey: (quarter, customer_id, type)",
    ]);
  });

  it("lists each hour's pairs in message_hour_keys (migration 0012), from the rows already there", async () => {
    expect(await hourKeys()).toEqual(["2020-01-01T00:00:00.000Z 7/", "2026-11-23T14:00:00.000Z 1/A", "2026-11-23T14:00:00.000Z 2/B", "2026-11-23T15:00:00.000Z 1/A"]);
  });

  it("folds new quarters beside them, and into the same row where a quarter is an old hour's start", async () => {
    const row = (n: number, quarter: string, amount: string) => ({ uuid: uuid(n), customer_id: 1, type: "A", amount, quarter });
    expect(await countNewMessages(old.db, [row(1, H14, "0.5"), row(2, "2026-11-23T14:45:00.000Z", "0.25")])).toBe(2);
    expect(await rollup("quarter")).toEqual([
      "2020-01-01T00:00:00.000Z 7/ 5 5.000",
      "2026-11-23T14:00:00.000Z 1/A 4 2.000",
      "2026-11-23T14:00:00.000Z 2/B 1 0.001",
      "2026-11-23T14:45:00.000Z 1/A 1 0.250",
      "2026-11-23T15:00:00.000Z 1/A 2 2.000",
    ]);
    expect(await hourKeys()).toHaveLength(4);
  });

  it("sums each hour's quarters back into its start when migrated down", async () => {
    await migrateTo(old.db, "0010-failed-jobs-in-watermarks");
    expect(await rollup("hour")).toEqual([
      "2020-01-01T00:00:00.000Z 7/ 5 5.000",
      "2026-11-23T14:00:00.000Z 1/A 5 2.250",
      "2026-11-23T14:00:00.000Z 2/B 1 0.001",
      "2026-11-23T15:00:00.000Z 1/A 2 2.000",
    ]);
    await migrateToLatest(old.db);
    expect(await rollup("quarter")).toHaveLength(4);
  });
});
