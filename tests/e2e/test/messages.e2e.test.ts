import { createTestDatabase, createTestRedis, eventually, type TestDatabase } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startApp, waitForLog, type AppProcess } from "./processes.js";

let database: TestDatabase;
const redis = createTestRedis();
let env: Record<string, string>;
let ingestUrl: string;
let queryUrl: string;
const apps: AppProcess[] = [];

function start(name: Parameters<typeof startApp>[0]) {
  const app = startApp(name, env);
  apps.push(app);
  return app;
}

beforeAll(async () => {
  database = await createTestDatabase();
  const [ingestPort, queryPort] = [await freePort(), await freePort()];
  env = {
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: redis.prefix,
    INGEST_PORT: String(ingestPort),
    QUERY_PORT: String(queryPort),
  };
  ingestUrl = `http://127.0.0.1:${ingestPort}`;
  queryUrl = `http://127.0.0.1:${queryPort}`;
  await Promise.all([waitForLog(start("ingest-api"), "ingest API listening"), waitForLog(start("query-api"), "query API listening")]);
});

afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop("SIGKILL")));
  await redis.clear();
  await database.drop();
});

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const postMessages = (body: unknown) =>
  fetch(`${ingestUrl}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** The stats of every customer and type around today, through the query API. */
async function stats(): Promise<{ items: { customerId: number; type: string; count: number; totalAmount: string }[] }> {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const res = await fetch(`${queryUrl}/v1/stats/messages?from=${day(-1)}&to=${day(2)}&size=1000`);
  return (await res.json()) as never;
}

describe("messages, end to end through the three processes", () => {
  it("shows a posted message in the stats, counting a repeated uuid once", async () => {
    const worker = start("aggregator-worker");
    await waitForLog(worker, "aggregator worker started");
    expect((await postMessages({ customerId: 7, type: "A", amount: "0.012", uuid: uuid(1) })).status).toBe(202);
    expect((await postMessages([{ customerId: 7, type: "A", amount: "9.999", uuid: uuid(1).toUpperCase() }])).status).toBe(202);
    expect((await postMessages({ customerId: 7, type: "A", amount: "0.024", uuid: uuid(2) })).status).toBe(202);
    const item = await eventually(async () => (await stats()).items.find((i) => i.customerId === 7 && i.count === 2));
    expect(item).toEqual({ customerId: 7, type: "A", count: 2, totalAmount: "0.036" });
    expect(await worker.stop()).toBe(0);
  });

  it("loses nothing when a worker is stopped with SIGTERM mid-stream, and it exits 0", async () => {
    const requests = 30;
    const perRequest = 1000;
    const worker = start("aggregator-worker");
    await waitForLog(worker, "aggregator worker started");
    let posted = 0;
    const posting = (async () => {
      for (let r = 0; r < requests; r++, posted++) {
        const batch = Array.from({ length: perRequest }, (_, i) => ({ customerId: 8, type: "T", amount: "0.001", uuid: uuid(1_000_000 + r * perRequest + i) }));
        expect((await postMessages(batch)).status).toBe(202);
      }
    })();
    // Stop it once it has folded something, while requests keep coming.
    await eventually(async () => ((await stats()).items.some((i) => i.customerId === 8) ? true : undefined));
    const stopping = worker.stop("SIGTERM");
    expect(posted).toBeLessThan(requests); // it really was mid-stream
    expect(await stopping).toBe(0);
    expect(worker.output()).toContain('"msg":"stopped"');
    await posting;

    const successor = start("aggregator-worker");
    const item = await eventually(async () => (await stats()).items.find((i) => i.customerId === 8 && i.count === requests * perRequest), 30_000);
    expect(item?.totalAmount).toBe("30.000");
    expect(await successor.stop()).toBe(0);
  });
});
