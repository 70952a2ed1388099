import { createTestDatabase, type TestDatabase } from "@tally/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pruneExpired } from "../src/prune-expired.js";

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000);
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe("pruneExpired", () => {
  it("forgets message uuids first seen before their retention, in batches, and no others", async () => {
    const { db } = database;
    // 25,000 old uuids: more than one delete batch.
    await sql`INSERT INTO message_ledger (uuid, seen_at) SELECT gen_random_uuid(), ${daysAgo(31)} FROM generate_series(1, 25000)`.execute(db);
    await db.insertInto("message_ledger").values({ uuid: "00000000-0000-4000-8000-000000000099", seen_at: daysAgo(29) }).execute();

    const deleted = await pruneExpired(db, NOW, {
      MESSAGE_LEDGER_RETENTION_DAYS: 30,
      COUNTER_MINUTE_RETENTION_DAYS: 7,
      COUNTER_HOUR_RETENTION_DAYS: 90,
      JOB_LEDGER_RETENTION_DAYS: 7,
      PRODUCT_UPLOAD_RETENTION_DAYS: 5,
    });

    expect(deleted.uuids).toBe(25_000);
    const left = await db.selectFrom("message_ledger").select("uuid").execute();
    expect(left).toEqual([{ uuid: "00000000-0000-4000-8000-000000000099" }]);
  });

  // Rows dated where no partition exists land in the DEFAULT partitions: these are the late rows that
  // retention deletes one by one. Whole partitions going is partitions.test.ts's business.
  it("deletes late minute and hour rollups, job ids and ended uploads older than their retention, and nothing newer", async () => {
    const { db } = database;
    await db.insertInto("domain_minute").values([
      { minute: daysAgo(7.01), domain: "old", requests: "1" },
      { minute: daysAgo(6.99), domain: "kept", requests: "1" },
    ]).execute();
    await db.insertInto("domain_hour").values([
      { hour: daysAgo(91), domain: "old", requests: "1" },
      { hour: daysAgo(89), domain: "kept", requests: "1" },
    ]).execute();
    await db.insertInto("counter_job_ledger").values([
      { job_id: "old", queued_at: daysAgo(8) },
      { job_id: "kept", queued_at: daysAgo(1) },
    ]).execute();
    await db.insertInto("flow_job_ledger").values({ job_id: "old-flow-job", queued_at: daysAgo(8) }).execute();
    // Accepted 30 days ago, with uploads kept 5 days (job ids 7): applied or failed 6 days ago (gone),
    // 4 days ago (kept), and never applied (kept, however old).
    const upload = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
    await db.insertInto("product_uploads").values([
      { upload_id: upload(1), accepted_seq: 1, accepted_at: daysAgo(30), products: 0, applied_at: daysAgo(6) },
      { upload_id: upload(2), accepted_seq: 2, accepted_at: daysAgo(30), products: 0, applied_at: daysAgo(4) },
      { upload_id: upload(3), accepted_seq: 3, accepted_at: daysAgo(30), products: 1, applied_at: null },
      { upload_id: upload(4), accepted_seq: 4, accepted_at: daysAgo(30), products: 1, failed_at: daysAgo(6), failure: "x" },
      { upload_id: upload(5), accepted_seq: 5, accepted_at: daysAgo(30), products: 1, failed_at: daysAgo(4), failure: "x" },
    ]).execute();
    await db.insertInto("product_staging").values({ upload_id: upload(3), first_position: 0, documents: '[{"id":"p"}]' }).execute();

    const deleted = await pruneExpired(db, NOW, {
      MESSAGE_LEDGER_RETENTION_DAYS: 30,
      COUNTER_MINUTE_RETENTION_DAYS: 7,
      COUNTER_HOUR_RETENTION_DAYS: 90,
      JOB_LEDGER_RETENTION_DAYS: 7,
      PRODUCT_UPLOAD_RETENTION_DAYS: 5,
    });

    expect(deleted).toEqual({ uuids: 0, droppedPartitions: [], lateRows: 4, uploads: 2 });
    const left = await sql<{ t: string; k: string }>`
      SELECT 'minute' AS t, domain AS k FROM domain_minute UNION ALL
      SELECT 'hour', domain FROM domain_hour UNION ALL
      SELECT 'job', job_id FROM counter_job_ledger UNION ALL
      SELECT 'upload', upload_id::text FROM product_uploads UNION ALL
      SELECT 'staged', documents FROM product_staging ORDER BY 1, 2`.execute(db);
    expect(left.rows).toEqual([
      { t: "hour", k: "kept" },
      { t: "job", k: "kept" },
      { t: "minute", k: "kept" },
      { t: "staged", k: '[{"id":"p"}]' },
      { t: "upload", k: upload(2) },
      { t: "upload", k: upload(3) },
      { t: "upload", k: upload(5) },
    ]);
  });
});
