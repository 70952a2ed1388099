import { eventually, runSql, startSystem, type System } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsOf, ok } from "./clients.js";
import { startPrimary, startStandby, type PrivatePostgres } from "./private-postgres.js";

let primary: PrivatePostgres;
let standby: PrivatePostgres;
let system: System;
let api: ReturnType<typeof clientsOf>;

beforeAll(async () => {
  primary = await startPrimary();
  standby = await startStandby(primary);
  system = await startSystem({ databaseServerUrl: primary.url, queryDatabaseServerUrl: standby.url });
  api = clientsOf(system);
  await system.start("aggregator-worker");
}, 90_000);
afterAll(async () => {
  await system?.stop();
  await standby?.stop();
  await primary?.stop();
});

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const post = async (from: number, count: number) =>
  (await api.ingest.POST("/v1/messages", { body: Array.from({ length: count }, (_, i) => ({ customerId: 9, type: "R", amount: "1", uuid: uuid(from + i) })) })).response;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const stats = () => ok(api.query.GET("/v1/stats/messages", { params: { query: { from: day(-1), to: day(2), customerId: "9" } } }));

/** Runs a statement as superuser on the standby itself (replay control). */
const onStandby = (statement: string) => runSql(standby.url, statement);

describe("the query API on a streaming-replication standby", () => {
  it("answers from the replica, and its asOf never claims what the replica has not replayed", async () => {
    expect((await post(0, 10)).status).toBe(202);
    const first = await eventually(async () => {
      const s = await stats();
      return s.items[0]?.count === 10 && s.asOf !== null ? s : undefined;
    }, 20_000);

    // Replay stops: the primary goes on folding, the replica keeps its state, watermark included.
    await onStandby("SELECT pg_wal_replay_pause()");
    const postedAt = Date.now();
    expect((await post(10, 5)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 2500)); // the worker folds, and records a newer watermark, on the primary
    const lagging = await stats();
    expect(lagging.items[0]?.count).toBe(10);
    expect(Date.parse(lagging.asOf!)).toBeLessThan(postedAt); // honest: it does not include the 5 new ones

    await onStandby("SELECT pg_wal_replay_resume()");
    const caughtUp = await eventually(async () => {
      const s = await stats();
      return s.items[0]?.count === 15 && Date.parse(s.asOf!) > postedAt ? s : undefined;
    }, 20_000);
    expect(Date.parse(caughtUp.asOf!)).toBeGreaterThan(Date.parse(first.asOf!));
  });

  it("cannot write through its connection even if it tried", async () => {
    await expect(runSql(system.env.QUERY_DATABASE_URL!, "INSERT INTO message_ledger (uuid) VALUES (gen_random_uuid())")).rejects.toMatchObject({ code: "25006" });
  });
});
